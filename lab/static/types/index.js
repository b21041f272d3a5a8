// The question types' renderers, by name. Which types exist is the server's registry (data.types); each is
// static/types/<name>.js and exports input(), describe(), results() and update() (see docs/architecture.md).
import { data } from '../util.js';

const names = data.types || [];
const ATTEMPTS = 6;

/** Import a renderer, trying again (with growing pauses, and a fresh address so no failed fetch is reused) when
    poor wifi drops the request. */
async function load(name) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await import(attempt ? `./${name}.js?attempt=${attempt}` : `./${name}.js`);
    } catch (error) {
      if (attempt + 1 >= ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500 * 2 ** attempt));
    }
  }
}

/** Resolves to {name: renderer module} once every type's module is loaded (they are preloaded in the head). */
export const ready = Promise.all(names.map(load))
  .then((modules) => Object.fromEntries(modules.map((module, index) => [names[index], module])));
