// The question types' renderers, by name. Which types exist is the server's registry (data.types); each is
// static/types/<name>.js and exports input(), describe(), results() and update() (see docs/architecture.md).
import { data } from '../util.js';

const names = data.types || [];

/** Resolves to {name: renderer module} once every type's module is loaded (they are preloaded in the head). */
export const ready = Promise.all(names.map((name) => import(`./${name}.js`)))
  .then((modules) => Object.fromEntries(modules.map((module, index) => [names[index], module])));
