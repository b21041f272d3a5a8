// Pin on an image: participants put pins on an image lab keeps (a map of the neighbourhood, a floor plan).
//
// On the phone the image is as large as the screen allows; a tap puts a numbered pin, a tap on a pin (or its
// "Weghalen" button) takes it away. Without a mouse or a touch screen the same is done with buttons: nine named
// parts of the image ("links boven" ... "rechts onder", laid out as they lie on the image) each put a pin in the
// middle of that part, and a pin that has focus moves with the arrow keys (Shift: small steps), its part said in
// words. Results show every pin on the image, a density view (cells shaded by how many pins fell in them, with the
// count of each of the nine parts on it), and the same counts as text.
import { announce, complain, data, el, fmt, roomLang, t } from '../util.js';

const GRID = 20; // the density view's cells per side (lab/questions/pin.py)
const STEP = 0.05; // an arrow key moves a pin a twentieth of the image; with Shift a hundredth
const FINE = 0.01;
const PARTS = 9;

let drawn = 0; // a number per drawn input, so ids stay unique when a question is drawn again

const source = (image) => `/r/${encodeURIComponent(data.code)}/images/${image}`;
const round3 = (value) => Math.round(Math.min(1, Math.max(0, value)) * 1000) / 1000;
/** Which of `bands` equal bands a coordinate is in: on whole thousandths, exactly as the server counts it. */
const band = (value, bands) => Math.min(Math.floor((Math.round(value * 1000) * bands) / 1000), bands - 1);
const partOf = ([x, y]) => band(y, 3) * 3 + band(x, 3);
const partName = (part) => t(`pin_area_${part}`);
const pinText = (n, point) => t('pin_n', { n, area: partName(partOf(point)) });
const isPoint = (p) => Array.isArray(p) && p.length === 2 && p.every((v) => typeof v === 'number' && v >= 0 && v <= 1);

/** Ask the projector to fit its stage again: it sizes its text to what the stage holds when it draws, and a picture
    that arrives later changes that (phones and the console scroll, so nothing needs to be done there). */
function refit() {
  if (document.body.classList.contains('projector')) window.dispatchEvent(new Event('resize'));
}

/** The image in a frame its pins are placed in: the frame is exactly the image's box (as wide as it may be, and
    no higher than --pin-h; --ratio, its width over its height, is known once it has loaded), so a pin's place in
    fractions of the frame is its place on the image. */
function frame(image, alt, ...layers) {
  const picture = el('img', { class: 'pin-image', src: source(image), alt, lang: roomLang, draggable: 'false' });
  const box = el('div', { class: 'pin-frame' }, picture, layers);
  const fit = () => {
    if (picture.naturalWidth) box.style.setProperty('--ratio', String(picture.naturalWidth / picture.naturalHeight));
  };
  picture.addEventListener('load', fit);
  if (picture.complete) fit();
  return box;
}

/** The same frame for the results, where the picture only shows where the pins are (the figures are hidden from
    screen readers: the counts are said in words under them): the picture is the frame's backdrop, and the frame
    keeps the picture's shape before it has loaded. */
function backdrop(image, ...layers) {
  const under = el('div', { class: 'pin-layer pin-backdrop' });
  under.style.backgroundImage = `url("${source(image)}")`;
  const box = el('div', { class: 'pin-frame pin-shaped' }, under, layers);
  const probe = new Image();
  probe.addEventListener('load', () => {
    box.style.setProperty('--ratio', String(probe.naturalWidth / probe.naturalHeight));
    refit();
  });
  probe.src = source(image);
  box.dataset.image = image;
  return box;
}

export function input(question, { answer, onSubmit }) {
  const { image, image_alt: alt, max_pins: max, instruction } = question.settings;
  const id = `pin${question.id}r${question.round}n${++drawn}`;
  let pins = (Array.isArray(answer) ? answer : []).filter(isPoint).map(([x, y]) => [x, y]).slice(0, max);
  // The pins as put so far, for the phone to keep when the answer area is drawn again (a refused vote, answering
  // closed meanwhile): empty while there are none, so an untouched image does not count as filled in.
  const kept = el('input', { type: 'hidden', name: 'pins', value: '' });
  const layer = el('div', { class: 'pin-layer pin-tap' });
  const markers = [];
  const rows = [];
  const list = el('ul', { class: 'pin-list', 'aria-label': t('pin_yours') });
  const keys = el('p', { class: 'hint pin-keys', id: `${id}keys`, text: t('pin_keys') });
  const hint = el('p', { class: 'hint pin-hint', text: `${max === 1 ? t('pin_tap') : t('pin_tap_many', { max })} ${t('pin_tap_again')}` });
  const choose = el('p', { class: 'pin-choose', id: `${id}choose`, text: t('pin_choose') });
  const parts = Array.from({ length: PARTS }, (_, part) => el('button', {
    type: 'button', class: 'pin-part', text: partName(part),
    onclick: (event) => { stopAt(event.currentTarget); put(partCentre(part)); },
  }));
  const grid = el('div', { class: 'pin-parts', role: 'group', 'aria-labelledby': `${id}choose` }, parts);
  const send = el('button', { type: 'submit', class: 'send big', text: t('send') });
  const form = el('form', { class: 'pin-input' },
    instruction && el('p', { class: 'pin-instruction', lang: roomLang, text: instruction }),
    hint, frame(image, alt, layer), keys, list, choose, grid, kept, send);

  const partCentre = (part) => [round3(((part % 3) + 0.5) / 3), round3((Math.floor(part / 3) + 0.5) / 3)];
  const clearError = () => { const line = form.querySelector('.form-error'); if (line) line.remove(); };

  /** A new pin at `point`; with one pin allowed, the pin moves there; with all pins put, it says so. */
  function put(point) {
    const there = pins.findIndex(([x, y]) => x === point[0] && y === point[1]);
    if (there >= 0) { // a pin is on this very spot already (a part chosen twice): it stays one pin
      announce(pinText(there + 1, point));
      return;
    }
    let at = pins.length;
    if (pins.length >= max) {
      if (max > 1) {
        complain(form, t('pin_full', { max }));
        return;
      }
      at = 0;
    }
    clearError();
    pins[at] = point;
    draw();
    announce(pinText(at + 1, point));
  }

  /** Take pin `at` away; focus, if it was on what went, goes to the same kind of control nearby (never the page). */
  function takeAway(at, kind) {
    const had = document.activeElement;
    const focused = had === markers[at] || had === rows[at]?.querySelector('button');
    clearError();
    pins.splice(at, 1);
    draw();
    announce(t('pin_removed', { n: at + 1 }));
    if (!focused) return;
    const near = Math.min(at, pins.length - 1);
    if (near < 0) roveTo(parts[current]);
    else if (kind === 'marker') markers[near].focus();
    else rows[near].querySelector('button').focus();
  }

  function marker() {
    const node = el('button', {
      type: 'button', class: 'pin-marker chosen', 'aria-describedby': `${id}keys`,
      onclick: (event) => { event.stopPropagation(); takeAway(markers.indexOf(node), 'marker'); },
    }, el('span', { class: 'pin-pin', 'aria-hidden': 'true' }, el('span', { class: 'pin-number' })));
    node.addEventListener('keydown', (event) => {
      const at = markers.indexOf(node);
      if (event.key === 'Delete' || event.key === 'Backspace') {
        event.preventDefault();
        takeAway(at, 'marker');
        return;
      }
      const by = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] }[event.key];
      if (!by || event.altKey || event.ctrlKey || event.metaKey) return;
      event.preventDefault();
      const step = event.shiftKey ? FINE : STEP;
      const [x, y] = pins[at];
      const moved = [round3(x + by[0] * step), round3(y + by[1] * step)];
      if (moved[0] === x && moved[1] === y) {
        announce(t('pin_edge'));
        return;
      }
      clearError();
      pins[at] = moved;
      draw();
      announce(pinText(at + 1, moved));
    });
    return node;
  }

  function row() {
    const label = el('span', { class: 'pin-row-label', id: `${id}row${rows.length}` });
    const node = el('li', { class: 'pin-row' }, label, el('button', {
      type: 'button', class: 'small secondary', text: t('pin_remove'), 'aria-describedby': label.id,
      onclick: () => takeAway(rows.indexOf(node), 'row'),
    }));
    return node;
  }

  /** The pins as they are now: markers on the image and a row each under it, reused in place (focus stays). */
  function draw() {
    kept.value = pins.length ? JSON.stringify(pins) : '';
    while (markers.length > pins.length) markers.pop().remove();
    while (rows.length > pins.length) rows.pop().remove();
    while (markers.length < pins.length) layer.append(markers[markers.push(marker()) - 1]);
    while (rows.length < pins.length) list.append(rows[rows.push(row()) - 1]);
    pins.forEach((point, i) => {
      const said = pinText(i + 1, point);
      markers[i].style.left = `${point[0] * 100}%`;
      markers[i].style.top = `${point[1] * 100}%`;
      markers[i].setAttribute('aria-label', said);
      markers[i].querySelector('.pin-number').textContent = String(i + 1);
      rows[i].firstChild.textContent = said;
    });
    list.hidden = !pins.length;
  }

  // A tap or click on the image puts a pin where it landed (in fractions of the image's width and height).
  layer.addEventListener('click', (event) => {
    const box = layer.getBoundingClientRect();
    if (!box.width || !box.height) return;
    put([round3((event.clientX - box.left) / box.width), round3((event.clientY - box.top) / box.height)]);
  });

  // The nine parts are one stop for Tab; the arrow keys move among them as they lie on the image.
  let current = pins.length ? partOf(pins[0]) : 4;
  function stopAt(button) {
    current = parts.indexOf(button);
    parts.forEach((b) => { b.tabIndex = b === button ? 0 : -1; });
  }
  function roveTo(button) {
    stopAt(button);
    button.focus();
  }
  stopAt(parts[current]);
  grid.addEventListener('keydown', (event) => {
    const at = parts.indexOf(document.activeElement);
    if (at < 0) return;
    const row = Math.floor(at / 3);
    const to = {
      ArrowLeft: at % 3 ? at - 1 : at, ArrowRight: at % 3 < 2 ? at + 1 : at,
      ArrowUp: at >= 3 ? at - 3 : at, ArrowDown: at < 6 ? at + 3 : at, Home: row * 3, End: row * 3 + 2,
    }[event.key];
    if (to === undefined) return;
    event.preventDefault();
    roveTo(parts[to]);
  });

  // The phone fills in what was put and not sent (the hidden field) when it draws the form again.
  kept.addEventListener('input', () => {
    let saved = [];
    try { saved = JSON.parse(kept.value || '[]'); } catch { /* not ours */ }
    pins = (Array.isArray(saved) ? saved : []).filter(isPoint).slice(0, max);
    draw();
  });

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (pins.length) onSubmit(pins.map(([x, y]) => [x, y]));
    else complain(form, t('pin_none'));
  });
  draw();
  return form;
}

export function describe(question, value) {
  return value.map((point, i) => pinText(i + 1, point)).join('; ');
}

// -- results -------------------------------------------------------------------------------------------------

const totalText = (n) => (n === 1 ? t('pin_total_one') : t('pin_total', { n }));
const everyText = (results) => (results.pins > results.shown.length ? t('pin_newest', { n: results.shown.length }) : t('pin_every'));
const partText = (part, count) => `${partName(part)}: ${fmt(count)}`;

/** How dark a density cell is: nothing for no pins, then from light to dark against the fullest cell. */
function shade(count, top) {
  return count ? String(Math.round((0.3 + (0.65 * count) / top) * 100) / 100) : '0';
}

export function results(question, results) {
  const { image, image_alt: alt } = question.settings;
  const dots = el('div', { class: 'pin-layer pin-dots' });
  const cells = el('div', { class: 'pin-layer pin-cells' },
    Array.from({ length: GRID * GRID }, () => el('span', { class: 'pin-cell' })));
  const thirds = el('div', { class: 'pin-layer pin-thirds' },
    Array.from({ length: PARTS }, () => el('span', { class: 'pin-third' }, el('span', { class: 'pin-badge' }))));
  // The pictures are for the eye; what they say is in the text under them (the image's description and the counts
  // per part), which a screen reader reads.
  const node = el('div', { class: 'pin-results' },
    el('div', { class: 'pin-figures', 'aria-hidden': 'true' },
      el('figure', { class: 'pin-figure' }, backdrop(image, dots), el('figcaption', { class: 'pin-caption pin-every' })),
      el('figure', { class: 'pin-figure pin-heat' }, backdrop(image, cells, thirds),
        el('figcaption', { class: 'pin-caption', text: t('pin_density') }))),
    el('p', { class: 'pin-described', lang: roomLang, text: alt }),
    el('div', { class: 'pin-text' },
      el('p', { class: 'pin-per-part' }, t('pin_per_area'), ' ', el('span', { class: 'pin-total' })),
      el('ul', { class: 'pin-counts' }, Array.from({ length: PARTS }, () => el('li')))));
  update(node, question, results);
  return node;
}

/** New figures into the drawn results: pins, shades, counts and words are changed where they stand. */
export function update(node, question, fresh) {
  const { image, image_alt: alt } = question.settings;
  for (const box of node.querySelectorAll('.pin-shaped')) { // another image (an edit before any answers)
    if (box.dataset.image !== image) box.replaceWith(backdrop(image, ...[...box.children].slice(1)));
  }
  const described = node.querySelector('.pin-described');
  if (described.textContent !== alt) described.textContent = alt;

  const dots = node.querySelector('.pin-dots');
  while (dots.children.length > fresh.shown.length) dots.lastChild.remove();
  while (dots.children.length < fresh.shown.length) dots.append(el('span', { class: 'pin-dot' }));
  // Newest first from the server; drawn oldest first, so the newest lie on top.
  fresh.shown.forEach(([x, y], i) => {
    const dot = dots.children[fresh.shown.length - 1 - i];
    dot.style.left = `${x * 100}%`;
    dot.style.top = `${y * 100}%`;
  });
  node.querySelector('.pin-every').textContent = everyText(fresh);

  const top = Math.max(1, ...fresh.cells.flat());
  const cells = node.querySelectorAll('.pin-cell');
  fresh.cells.flat().forEach((count, i) => {
    const opacity = shade(count, top);
    if (cells[i].style.opacity !== opacity) cells[i].style.opacity = opacity;
  });
  const badges = node.querySelectorAll('.pin-badge');
  const counts = node.querySelectorAll('.pin-counts li');
  fresh.areas.forEach((count, part) => {
    badges[part].textContent = fmt(count);
    badges[part].classList.toggle('pin-none', !count);
    counts[part].textContent = partText(part, count);
  });
  node.querySelector('.pin-total').textContent = `(${totalText(fresh.pins)})`;
}
