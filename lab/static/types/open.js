// Open text: short answers as a wall of cards, newest first; the facilitator can hide a card.
import { announce, complain, el, keyed, roomLang, setText, t } from '../util.js';

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
// that hides or shows each (onModerate(card, status)). With `voting`, each card has its votes and the room's top
// ideas are listed above the wall; on a phone (onUpvote(card, up)) each card has a button to vote for it, once.
function card(item, { facilitator = false, onModerate, onUpvote } = {}) {
  const node = el('li', { class: 'card', 'data-card': item.card },
    el('span', { class: 'card-text', lang: roomLang, text: item.text, id: `card-${item.card}` }),
    el('span', { class: 'hint card-state' }),
    'votes' in item && !onUpvote && el('span', { class: 'card-votes' }),
    onUpvote && el('button', { type: 'button', class: 'card-up', 'aria-pressed': 'false',
      'aria-describedby': `card-${item.card}`,
      onclick: (event) => onUpvote(node.dataset.card, event.currentTarget.getAttribute('aria-pressed') !== 'true') },
    el('span', { 'aria-hidden': 'true', text: '▲' }), ' ', el('span', { text: t('open_vote') }), ' ',
    el('span', { class: 'card-up-n' })),
    facilitator && el('button', { type: 'button', class: 'small card-moderate',
      onclick: () => onModerate(node.dataset.card, node.dataset.status === 'shown' ? 'hidden' : 'shown') }));
  return fill(node, item);
}

const votesText = (n) => (n === 1 ? t('open_one_vote') : t('open_votes', { n }));

function fill(node, item, { upvoted } = {}) {
  const shown = item.status === 'shown';
  node.dataset.status = item.status;
  node.classList.toggle('hidden-card', !shown);
  const set = (selector, text) => setText(node, selector, text);
  set('.card-text', item.text);
  set('.card-state', shown ? '' : t('hidden_card'));
  set('.card-votes', 'votes' in item ? votesText(item.votes) : '');
  set('.card-up-n', String(item.votes));
  const up = node.querySelector('.card-up');
  if (up) up.setAttribute('aria-pressed', String(Boolean(upvoted && upvoted.has(item.card))));
  set('.card-moderate', shown ? t('hide') : t('show'));
  return node;
}

export function results(question, results, options = {}) {
  const box = el('div', { class: 'open-results' },
    options.onUpvote && el('p', { class: 'hint', text: t('open_vote_hint') }),
    el('section', { class: 'open-top', 'aria-label': t('open_top'), hidden: true },
      el('h3', { class: 'open-top-title', text: t('open_top') }), el('ol', { class: 'open-top-list' })),
    el('ul', { class: 'cards' }));
  update(box, question, results, options);
  return box;
}

/** The new wall in place of the drawn one, card by card (util.keyed: a moderation or vote button being pressed, or
    focused, stays where it is). The top ideas above it are redrawn (they are text only). */
export function update(box, question, fresh, options = {}) {
  const top = box.querySelector('.open-top');
  top.hidden = !(fresh.top && fresh.top.length);
  if (fresh.top) {
    const lines = fresh.top.map((item) => `${item.text}|${item.votes}`).join('\n');
    if (top.dataset.lines !== lines) {
      top.dataset.lines = lines;
      top.querySelector('ol').replaceChildren(...fresh.top.map((item) => el('li', {},
        el('span', { class: 'open-top-text', lang: roomLang, text: item.text }), ' ',
        el('span', { class: 'open-top-votes', text: votesText(item.votes) }))));
    }
  }
  keyed(box.querySelector('.cards'), fresh.cards, 'card', (item) => card(item, options), (node, item) => fill(node, item, options));
}
