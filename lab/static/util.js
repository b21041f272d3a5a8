// Shared helpers for every screen: the page's data block, translated strings, safe DOM building.
// Participant text is only ever set with textContent: never through innerHTML.

const block = document.getElementById('lab-data');
export const data = block ? JSON.parse(block.textContent) : {};
// The strings in the page's language, set by the script the page loads before its modules (lab.jsstrings), or in
// the data block of a page made before they were a file of their own (during an upgrade). A request the venue's wifi
// dropped leaves them unset: then the page is loaded again, at most twice, before anything is drawn or typed.
const loaded = window.labStrings || data.strings;
const strings = loaded || {};
if (block && !loadedOrAgain(loaded, 'strings')) {
  throw new Error('the strings did not load: loading the page again');
}

/** Whether `what` loaded (true); else the page is loaded again (false), at most twice in a row, then true. */
function loadedOrAgain(loaded, what) {
  const key = `lab:reload:${what}`;
  try {
    const times = Number(sessionStorage.getItem(key) || 0);
    if (loaded || times >= 2) {
      if (times) sessionStorage.removeItem(key);
      return true;
    }
    sessionStorage.setItem(key, String(times + 1));
  } catch {
    return true; // no storage to count in: no reloading either
  }
  location.reload();
  return false;
}

/** A translated string by key, with %(name)s placeholders filled in. */
export function t(key, params = {}) {
  const text = strings[key] || key;
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
  for (const child of children.flat(Infinity)) {
    if (child !== null && child !== undefined && child !== false) node.append(child);
  }
  return node;
}

/** Replace what an element shows. */
export function show(target, ...children) {
  target.replaceChildren(...children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));
}

/** A random id for a vote: 16 characters, base 36. */
export function randomId() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => (b % 36).toString(36)).join('');
}

export function answersText(n) {
  return n === 1 ? t('one_answer') : t('answers', { n });
}

/** "12 of 200 members answered (6%)", and weighed where the member list gives weights; '' in an open room. */
export function turnoutText(turnout) {
  if (!turnout) return '';
  const { answered, eligible } = turnout;
  const percent = (part, whole) => `${whole ? Math.round((100 * part) / whole) : 0}%`;
  let text = t('turnout', { n: answered, of: eligible, percent: percent(answered, eligible) });
  if (turnout.eligible_weight !== eligible || turnout.answered_weight !== answered) {
    text += ' · ' + t('turnout_weighed', {
      n: fmt(turnout.answered_weight), of: fmt(turnout.eligible_weight),
      percent: percent(turnout.answered_weight, turnout.eligible_weight),
    });
  }
  return text;
}

export function participantsText(n) {
  return n === 1 ? t('one_participant') : t('participants', { n });
}

/** The room's language, on every element that shows the deck's text (WCAG 3.1.2): a screen reader then reads
    "Hoe was de samenwerking?" with a Dutch voice inside an English interface. A live binding: see setRoomLang. */
export let roomLang = data.room_lang || undefined;

/** The console changed the room's language: mark the deck's text already drawn, and what is drawn from now on. */
export function setRoomLang(lang) {
  if (!lang || lang === roomLang) return;
  for (const node of document.querySelectorAll(`main [lang="${roomLang}"]:not(option):not(.languages *)`)) node.lang = lang;
  roomLang = lang;
}

/** Say `text` to screen readers without moving focus (the page's one polite live region). */
export function announce(text) {
  const region = document.getElementById('announce'); // in every page from the start (base.html): a live region
  if (!region) return; //                                 made together with its text is often not read out
  region.textContent = '';
  // A new text node in a second task is announced even when the text repeats.
  setTimeout(() => { region.textContent = text; }, 50);
}

/** Tell the participant what is missing in `form`: in words on the screen, above its send button (not only to a
    screen reader: for someone who cannot hear it, a button that seems to do nothing looks broken), and aloud. */
export function complain(form, text) {
  let line = form.querySelector('.form-error');
  if (!line) {
    line = el('p', { class: 'notice form-error' });
    const send = form.querySelector('[type=submit]');
    if (send) send.before(line);
    else form.append(line);
  }
  line.textContent = text;
  announce(text);
}

/** Arrow keys, Home and End move focus among `items` inside `group` (the ARIA pattern for a group of options),
    which is one stop for Tab: the chosen item, or else the first. */
export function roving(group, items, current = 0) {
  items.forEach((item, i) => { item.tabIndex = i === current ? 0 : -1; });
  group.addEventListener('keydown', (event) => {
    const at = items.indexOf(document.activeElement);
    if (at < 0) return;
    const to = { ArrowDown: at + 1, ArrowRight: at + 1, ArrowUp: at - 1, ArrowLeft: at - 1, Home: 0, End: items.length - 1 }[event.key];
    if (to === undefined) return;
    event.preventDefault();
    const next = items[(to + items.length) % items.length];
    items.forEach((item) => { item.tabIndex = item === next ? 0 : -1; });
    next.focus();
  });
}

/** Put focus on `node`, making it focusable by script (not by Tab) if it is not already. */
export function focusOn(node) {
  if (!node) return;
  if (!node.hasAttribute('tabindex')) node.tabIndex = -1;
  node.focus();
}

/** Make the children of `list` the elements for `items`, element by element: an item that stays (the same
    `item[name]`, kept in the element's `data-<name>`) keeps its element, filled anew and moved if its place changed;
    new items are made, gone ones taken out. Nothing that stays is redrawn, so focus and a half-pressed button stay; focus
    inside a moved element is put back. */
export function keyed(list, items, name, make, fill) {
  const focused = list.contains(document.activeElement) ? document.activeElement : null;
  const have = new Map([...list.children].map((child) => [child.dataset[name], child]));
  const wanted = items.map((item) => {
    const existing = have.get(String(item[name]));
    have.delete(String(item[name]));
    return fill(existing || make(item), item);
  });
  for (const gone of have.values()) gone.remove();
  wanted.forEach((child, index) => {
    if (list.children[index] !== child) list.insertBefore(child, list.children[index] || null);
  });
  if (focused && document.activeElement !== focused && list.contains(focused)) focused.focus();
}

/** Set the text of the part of `node` that `selector` finds (if there is one), only when it differs: an update that
    changes nothing touches nothing (no screen-reader chatter, no layout). */
export function setText(node, selector, text) {
  const part = node.querySelector(selector);
  if (part && part.textContent !== text) part.textContent = text;
}

/** A call to the facilitator's JSON API (the page's CSRF token, the session's cookie). Answers the reply's JSON;
    throws an Error with the server's message (and its `code`), or the general one when there is no connection. */
export async function callApi(method, url, body) {
  let response;
  try {
    response = await fetch(url, {
      method, headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': data.csrf },
      body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin',
    });
  } catch {
    throw new Error(t('error')); // no connection
  }
  let payload = {};
  try { payload = await response.json(); } catch { /* empty body */ }
  if (!response.ok) throw Object.assign(new Error(payload.message || t('error')), { code: payload.error });
  return payload;
}
