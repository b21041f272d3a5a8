// Shared helpers for every screen: the page's data block, translated strings, safe DOM building.
// Participant text is only ever set with textContent: never through innerHTML.

const block = document.getElementById('lab-data');
export const data = block ? JSON.parse(block.textContent) : {};

/** A translated string by key, with %(name)s placeholders filled in. */
export function t(key, params = {}) {
  const text = (data.strings && data.strings[key]) || key;
  return text.replace(/%\((\w+)\)s/g, (_, name) => (name in params ? String(params[name]) : ''));
}

const numbers = new Intl.NumberFormat(data.lang || 'nl', { maximumFractionDigits: 1 });
/** A number as people in this language write it (7,5 in Dutch). */
export function fmt(value) {
  return value === null || value === undefined ? '–' : numbers.format(value);
}

const averages = new Intl.NumberFormat(data.lang || 'nl', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
/** An average with exactly one decimal (3,0): the server sends it unrounded, so it is rounded once, here. */
export function fmtAverage(value) {
  return value === null || value === undefined ? '–' : averages.format(value);
}

/** Create an element: el('p', {class: 'x', text: 'hello'}, child, ...). */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'text') node.textContent = value;
    else if (key === 'class') node.className = value;
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else if (key in node && typeof value !== 'string') node[key] = value;
    else node.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined && child !== false) node.append(child);
  }
  return node;
}

/** Replace what an element shows. */
export function show(target, ...children) {
  target.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
}

/** A random id for a vote: 16 characters, base 36. */
export function randomId() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => (b % 36).toString(36)).join('');
}

export function answersText(n) {
  return n === 1 ? t('one_answer') : t('answers', { n });
}

export function participantsText(n) {
  return n === 1 ? t('one_participant') : t('participants', { n });
}
