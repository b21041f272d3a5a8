// Open text: short answers as a wall of cards, newest first; the facilitator can hide a card.
import { announce, complain, el, roomLang, t } from '../util.js';

let drawn = 0;

export function input(question, { answer, onSubmit }) {
  const max = question.settings.max_length;
  const id = `open${question.id}n${++drawn}`;
  // The counter is tied to the field (read when it gets focus) but not live: a screen reader would speak it on
  // every key. Only nearing and reaching the limit are said.
  const left = el('p', { class: 'hint', id: `${id}left` });
  const area = el('textarea', {
    id, class: 'open', maxlength: String(max), rows: '4', 'aria-describedby': `${id}left`, lang: roomLang,
  });
  area.value = answer || '';
  let said = max - area.value.length;
  const count = () => {
    const n = max - area.value.length;
    left.textContent = t('chars_left', { n });
    const mark = n === 0 ? 0 : n <= 20 ? 20 : null;
    if (mark !== null && said > mark) announce(t('chars_left', { n }));
    said = n;
  };
  area.addEventListener('input', count);
  count();
  const form = el('form', { class: 'open-form' },
    el('label', { for: id, text: t('your_answer') }), area, left,
    el('button', { type: 'submit', class: 'send big', text: t('send') }));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (area.value.trim()) onSubmit(area.value.trim());
    else {
      complain(form, t('type_first'));
      area.focus();
    }
  });
  return form;
}

export function describe(question, value) {
  return value;
}

// Cards arrive newest first, shown ones only; the facilitator also gets hidden and pending ones, with a button
// that hides or shows each (onModerate(card, status)).
function card(item, { facilitator = false, onModerate } = {}) {
  const node = el('li', { class: 'card', 'data-card': item.card },
    el('span', { class: 'card-text', lang: roomLang, text: item.text }),
    el('span', { class: 'hint card-state' }),
    facilitator && el('button', { type: 'button', class: 'small',
      onclick: () => onModerate(node.dataset.card, node.dataset.status === 'shown' ? 'hidden' : 'shown') }));
  return fill(node, item);
}

function fill(node, item) {
  const shown = item.status === 'shown';
  node.dataset.status = item.status;
  node.classList.toggle('hidden-card', !shown);
  node.querySelector('.card-text').textContent = item.text;
  node.querySelector('.card-state').textContent = shown ? '' : t('hidden_card');
  const button = node.querySelector('button');
  if (button) button.textContent = shown ? t('hide') : t('show');
  return node;
}

export function results(question, results, options) {
  return el('ul', { class: 'cards' }, results.cards.map((item) => card(item, options)));
}

/** The new wall in place of the drawn one, card by card: a card that stays is the same element (so a moderation
    button being pressed, or focused, stays where it is); new cards are put in before it, gone ones taken out. */
export function update(node, question, fresh, options) {
  const have = new Map([...node.children].map((child) => [child.dataset.card, child]));
  const wanted = fresh.cards.map((item) => {
    const existing = have.get(item.card);
    have.delete(item.card);
    return existing ? fill(existing, item) : card(item, options);
  });
  for (const gone of have.values()) gone.remove();
  wanted.forEach((child, index) => {
    if (node.children[index] !== child) node.insertBefore(child, node.children[index] || null);
  });
}
