// Dividing points: a budget (100 unless the deck says otherwise) over 2 to 10 items. Per item a number field with
// - and + buttons; the points still to divide are shown (and said after each change), and a total over the budget
// is refused in words, on the screen and aloud.
import { announce, complain, el, fmtAverage, roomLang, setText, t } from '../util.js';

let drawn = 0; // a number per drawn input, so ids stay unique when a question is drawn again

/** What one tap on - or + changes: about a twentieth of the budget, in a round number (docs/decks.md). */
export function stepFor(budget) {
  if (budget >= 500) return 25;
  if (budget >= 200) return 10;
  if (budget >= 50) return 5;
  return 1;
}

/** A field's points: a whole number of 0 or more (an empty field is 0), or null when it is not one. */
function pointsIn(field) {
  if (field.validity.badInput) return null; // typed, but not a number (its value then reads as empty)
  const text = field.value.trim();
  if (text === '') return 0;
  const n = Number(text);
  return Number.isInteger(n) && n >= 0 ? n : null;
}

export function input(question, { answer, onSubmit, labelledBy }) {
  const { items, budget, spend_all: all } = question.settings;
  const step = stepFor(budget);
  const id = `points${question.id}r${question.round}n${++drawn}`;
  const earlier = Array.isArray(answer) && answer.length === items.length ? answer : null;
  const left = el('p', { class: 'points-left', id: `${id}left` });
  // No points is an empty field showing 0 (its placeholder): typing a number needs no 0 taken away first, and a
  // form nobody touched does not count as filled in (the phone keeps what was filled in and not sent).
  const fields = items.map((item, i) => el('input', {
    id: `${id}f${i}`, type: 'number', class: 'points-field', inputmode: 'numeric', min: '0', max: String(budget),
    step: '1', placeholder: '0', value: earlier && earlier[i] ? String(earlier[i]) : '', 'aria-describedby': `${id}left`,
  }));
  const total = () => fields.reduce((sum, field) => sum + (pointsIn(field) || 0), 0);

  /** The line under the fields: what is still to divide, or how many points too many (a warning, not a colour only). */
  function remaining() {
    const rest = budget - total();
    let text;
    if (rest >= 0) text = rest === 1 ? t('points_left_one') : t('points_left', { n: rest });
    else text = rest === -1 ? t('points_over_one') : t('points_over', { n: -rest });
    if (left.textContent !== text) left.textContent = text;
    left.classList.toggle('points-over', rest < 0);
    return text;
  }

  function change(i, by) {
    const field = fields[i];
    const now = pointsIn(field) ?? 0;
    const rest = budget - total();
    if (by > 0 && rest <= 0) { // nothing left to give: say why the number did not change
      complain(form, t('points_full', { budget }));
      return;
    }
    const points = by > 0 ? now + Math.min(by, rest) : Math.max(0, now + by); // + gives at most what is left
    field.value = points ? String(points) : '';
    clear();
    announce(`${items[i]}: ${points}. ${remaining()}`);
  }

  /** A complaint is taken away once something changed: it would otherwise stay behind, out of date. */
  function clear() {
    const line = form.querySelector('.form-error');
    if (line) line.remove();
  }

  // A step button is named by what it shows and the item's name ("+5 Nieuwsbrief en website"), so the words on
  // it are its name's start, in any language.
  const stepper = (i, by, text) => el('button', {
    type: 'button', class: 'points-step', 'aria-labelledby': `${id}s${i}${by > 0 ? 'more' : 'less'} ${id}l${i}`,
    onclick: () => change(i, by),
  }, el('span', { id: `${id}s${i}${by > 0 ? 'more' : 'less'}`, text }));
  const rows = items.map((item, i) => el('div', { class: 'points-item' },
    el('label', { for: fields[i].id, id: `${id}l${i}`, lang: roomLang, text: item }),
    el('div', { class: 'points-controls' }, stepper(i, -step, `−${step}`), fields[i], stepper(i, step, `+${step}`))));
  // novalidate: the browser's own bubbles (another language, not said aloud, gone in a moment) give way to the
  // form's own messages, in words above the send button and spoken.
  const form = el('form', { class: 'points-form', novalidate: true },
    el('p', { class: 'hint points-hint', text: t(all ? 'points_hint_all' : 'points_hint', { budget }) }),
    el('div', { class: 'points-items', role: 'group', 'aria-labelledby': labelledBy }, rows),
    left,
    el('button', { type: 'submit', class: 'send big', text: t('send') }));

  // Typing shows the rest at once and says it when the field is left (not on every key); going over is said too.
  form.addEventListener('input', () => { remaining(); clear(); });
  form.addEventListener('change', (event) => {
    if (!fields.includes(event.target)) return;
    const text = remaining();
    if (total() > budget) complain(form, t('points_too_many', { budget }));
    else announce(text);
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const values = fields.map(pointsIn);
    const wrong = values.indexOf(null);
    if (wrong >= 0) {
      complain(form, t('points_whole', { item: items[wrong] }));
      fields[wrong].focus();
      return;
    }
    const sum = values.reduce((a, b) => a + b, 0);
    if (sum > budget) complain(form, t('points_too_many', { budget }));
    else if (all && sum < budget) complain(form, t('points_not_all', { budget }));
    else if (sum === 0) {
      complain(form, t('points_none'));
      fields[0].focus();
    } else onSubmit(values);
  });
  remaining();
  return form;
}

export function describe(question, value) {
  return question.settings.items.map((item, i) => `${item}: ${value[i]}`).join('; ');
}

// -- results ---------------------------------------------------------------------------------------------------

const largest = (results) => Math.max(0, ...results.items.map((item) => item.average || 0));
const totalText = (n) => (n === 1 ? t('points_total_one') : t('points_total', { n }));
const giversText = (n) => (n === 1 ? t('points_givers_one') : t('points_givers', { n }));

function bar() {
  return el('li', { class: 'bar points-bar' },
    el('span', { class: 'bar-label' },
      el('span', { class: 'points-label', lang: roomLang }),
      el('span', { class: 'points-meta' }, el('span', { class: 'points-total' }), ' ', el('span', { class: 'points-givers' }))),
    el('span', { class: 'bar-track', 'aria-hidden': 'true' }, el('span', { class: 'bar-fill' })),
    el('span', { class: 'bar-value' },
      el('span', { class: 'sr-only', text: `${t('average')} ` }),
      el('span', { class: 'points-average' })));
}

function fill(node, item, most) {
  const set = (selector, text) => setText(node, selector, text);
  set('.points-label', item.label);
  set('.points-total', `${totalText(item.total)},`);
  set('.points-givers', giversText(item.given));
  set('.points-average', fmtAverage(item.average));
  node.querySelector('.bar-fill').style.width = `${most ? (100 * (item.average || 0)) / most : 0}%`;
}

export function results(question, results) {
  const most = largest(results);
  return el('div', { class: 'points-board' },
    el('p', { class: 'hint points-caption', text: t('points_caption', { budget: question.settings.budget }) }),
    el('ol', { class: 'bars points-bars' }, results.items.map((item) => {
      const node = bar();
      fill(node, item, most);
      return node;
    })));
}

/** New figures into the drawn results (bars glide to their new width, scaled to the largest average). */
export function update(node, question, fresh) {
  const rows = node.querySelectorAll('.points-bar');
  if (rows.length !== fresh.items.length) {
    node.replaceChildren(...results(question, fresh).childNodes);
    return;
  }
  const caption = t('points_caption', { budget: question.settings.budget });
  const shown = node.querySelector('.points-caption');
  if (shown.textContent !== caption) shown.textContent = caption;
  const most = largest(fresh);
  fresh.items.forEach((item, i) => fill(rows[i], item, most));
}
