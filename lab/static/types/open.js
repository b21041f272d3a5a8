// Open text: short answers as a wall of cards, newest first; the facilitator can hide a card.
import { el, t } from '../util.js';

export function input(question, { answer, onSubmit }) {
  const max = question.settings.max_length;
  const area = el('textarea', { class: 'open', maxlength: String(max), rows: '4', 'aria-label': t('your_answer') });
  area.value = answer || '';
  const left = el('p', { class: 'hint', 'aria-live': 'polite' });
  const update = () => { left.textContent = t('chars_left', { n: max - area.value.length }); };
  area.addEventListener('input', update);
  update();
  const form = el('form', { class: 'open-form' }, area, left, el('button', { type: 'submit', class: 'send big', text: t('send') }));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (area.value.trim()) onSubmit(area.value.trim());
  });
  return form;
}

export function describe(question, value) {
  return value;
}

// Cards arrive newest first, shown ones only; the facilitator also gets hidden and pending ones, with a button
// that hides or shows each (onModerate(card, status)).
export function results(question, results, { facilitator = false, onModerate } = {}) {
  return el('ul', { class: 'cards' }, results.cards.map((card) => {
    const shown = card.status === 'shown';
    return el('li', { class: 'card' + (shown ? '' : ' hidden-card') },
      el('span', { class: 'card-text', text: card.text }),
      !shown && el('span', { class: 'hint', text: t('hidden_card') }),
      facilitator && el('button', {
        type: 'button', class: 'small', text: shown ? t('hide') : t('show'),
        onclick: () => onModerate(card.card, shown ? 'hidden' : 'shown'),
      }));
  }));
}

/** The new wall of cards in place of the drawn one. */
export function update(node, question, fresh, options) {
  node.replaceChildren(...results(question, fresh, options).childNodes);
}
