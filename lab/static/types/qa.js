// Q&A: questions from the room. Every phone has the board (board()) whether or not the Q&A is on the screen: a
// form to send a question and the list to upvote, once each, by most votes or newest. The projector shows the
// pinned question large above the list; the console approves, pins, marks answered and hides (results()).
// Lists are updated item by item: a question that stays is the same element, so focus and a half-pressed button
// stay where they are, and nothing typed in the form is ever redrawn.
import { announce, complain, el, keyed, roomLang, setText, t } from '../util.js';

const PROJECTOR_ROWS = 8; // the projector lists the first questions; the console and phones have them all
let drawn = 0;

export function input() { // the Q&A on the screen: the board, below, is where a phone asks and votes
  return el('p', { class: 'hint qa-here', text: t('qa_below') });
}

export function describe(question, value) {
  return String(value);
}

/** How many questions were sent, for the counters under the results. */
export const count = (n) => (n === 1 ? t('qa_one_question') : t('qa_count', { n }));

// -- the projector and the console ------------------------------------------------------------------------------

export function results(question, results, options = {}) {
  const box = el('div', { class: `qa-results${options.facilitator ? ' qa-console' : ''}` },
    el('div', { class: 'qa-pinned', hidden: true }),
    el('p', { class: 'hint qa-empty', text: t('qa_none_yet') }),
    el('ol', { class: 'qa-list' }));
  update(box, question, results, options);
  return box;
}

export function update(box, question, results, options = {}) {
  const pinned = results.posts.find((p) => p.post === results.pinned && p.status !== 'hidden');
  const top = box.querySelector('.qa-pinned');
  top.hidden = !pinned;
  if (pinned && top.dataset.post !== String(pinned.post)) {
    top.dataset.post = String(pinned.post);
    top.replaceChildren(el('p', { class: 'qa-pinned-title', text: t('qa_pinned') }),
      el('p', { class: 'qa-pinned-text', lang: roomLang, text: pinned.text }),
      pinned.name && el('p', { class: 'qa-name', text: pinned.name }));
  }
  if (!pinned) delete top.dataset.post;
  const posts = options.facilitator ? results.posts
    : results.posts.filter((p) => p.post !== results.pinned).slice(0, PROJECTOR_ROWS);
  box.querySelector('.qa-empty').hidden = results.posts.length > 0;
  keyed(box.querySelector('.qa-list'), posts, 'post', (post) => row(post, options), (node, post) => fillRow(node, post));
}

function row(post, options) {
  const node = el('li', { class: 'qa-item', 'data-post': String(post.post) },
    el('span', { class: 'qa-votes' }, el('span', { class: 'qa-votes-n' }), el('span', { class: 'qa-votes-word' })),
    el('span', { class: 'qa-body' },
      el('span', { class: 'qa-text', lang: roomLang }),
      el('span', { class: 'qa-meta' }, el('span', { class: 'qa-name' }), el('span', { class: 'qa-flags' }))));
  if (options.facilitator) {
    const act = (what) => () => options.onPost(Number(node.dataset.post), what(node.dataset));
    node.append(el('span', { class: 'qa-actions' },
      el('button', { type: 'button', class: 'small qa-approve', onclick: act(() => 'show') }),
      el('button', { type: 'button', class: 'small secondary qa-pin',
        onclick: act((d) => (d.pinned === 'true' ? 'unpin' : 'pin')) }),
      el('button', { type: 'button', class: 'small secondary qa-answer',
        onclick: act((d) => (d.answered === 'true' ? 'unanswered' : 'answered')) }),
      el('button', { type: 'button', class: 'small secondary qa-hide',
        onclick: act((d) => (d.status === 'hidden' ? 'show' : 'hide')) })));
  }
  return node;
}

function fillRow(node, post) {
  const set = (selector, text) => setText(node, selector, text);
  const status = post.status || 'shown';
  Object.assign(node.dataset, { pinned: String(post.pinned), answered: String(post.answered), status });
  node.classList.toggle('qa-done', post.answered);
  node.classList.toggle('hidden-card', status !== 'shown');
  set('.qa-votes-n', String(post.votes));
  set('.qa-votes-word', post.votes === 1 ? t('qa_vote_word') : t('qa_votes_word'));
  set('.qa-text', post.text);
  set('.qa-name', post.name || t('qa_anonymous'));
  const flags = [post.pinned && t('qa_pinned'), post.answered && t('qa_answered'),
    status === 'pending' && t('qa_waiting'), status === 'hidden' && t('hidden_card')].filter(Boolean);
  set('.qa-flags', flags.join(' · '));
  const button = (selector, text, hidden = false) => {
    const part = node.querySelector(selector);
    if (!part) return;
    part.hidden = hidden;
    if (part.textContent !== text) part.textContent = text;
  };
  button('.qa-approve', t('qa_approve'), status !== 'pending');
  button('.qa-pin', post.pinned ? t('qa_unpin') : t('qa_pin'), status !== 'shown');
  button('.qa-answer', post.answered ? t('qa_mark_open') : t('qa_mark_answered'), status !== 'shown');
  button('.qa-hide', status === 'hidden' ? t('show') : t('hide'));
  return node;
}

// -- the phone's board ----------------------------------------------------------------------------------------------

/** The board on a phone: `onAsk(text, named)` sends a question (returns false when offline), `onUpvote(item, up)`
    an upvote. Returns the section and `update(state)`, state being {question, results, mine, upvoted, unsent,
    current, nickname}: the Q&A, its results as every phone sees them, my own questions (with their status), what I upvoted
    (a Set of items), my questions not yet received by the server, whether the Q&A is on the screen, and my name. */
export function board({ onAsk, onUpvote }) {
  const id = `qa${++drawn}`;
  let state = null;
  let sort = 'votes';
  let opened = false;
  const toggle = el('button', { type: 'button', class: 'big secondary qa-toggle', 'aria-expanded': 'false',
    'aria-controls': `${id}panel` });
  const title = el('h2', { class: 'qa-title', id: `${id}title`, lang: roomLang });
  const area = el('textarea', { id: `${id}text`, class: 'open', rows: '3', lang: roomLang,
    'aria-describedby': `${id}left` });
  const left = el('p', { class: 'hint', id: `${id}left` });
  const named = el('input', { type: 'checkbox', id: `${id}named` });
  const namedLabel = el('label', { for: `${id}named` });
  const namedRow = el('p', { class: 'qa-named' }, named, ' ', namedLabel);
  // Shown, not a live region: announce() reads the same words out once (two regions would say them twice).
  const said = el('p', { class: 'qa-said' });
  const form = el('form', { class: 'qa-form' },
    el('label', { for: area.id, text: t('qa_your_question') }), area, left, namedRow,
    el('button', { type: 'submit', class: 'send big', text: t('qa_send') }), said);
  const closed = el('p', { class: 'status qa-closed', text: t('qa_closed'), hidden: true });
  const sorts = ['votes', 'newest'].map((kind) => el('input', { type: 'radio', name: `${id}sort`, id: `${id}${kind}`,
    value: kind, checked: kind === sort, onchange: () => { sort = kind; draw(); } }));
  const sorting = el('fieldset', { class: 'qa-sort' }, el('legend', { text: t('qa_sort') }),
    sorts.map((input) => el('span', { class: 'qa-sort-option' }, input, ' ',
      el('label', { for: input.id, text: input.value === 'votes' ? t('qa_by_votes') : t('qa_newest') }))));
  const mineList = el('ul', { class: 'qa-mine' });
  const empty = el('p', { class: 'hint qa-empty', text: t('qa_none') });
  const list = el('ol', { class: 'qa-list qa-phone-list', 'aria-labelledby': `${id}title` });
  const panel = el('div', { id: `${id}panel`, class: 'qa-panel' }, form, closed, mineList, sorting, empty, list);
  const section = el('section', { class: 'qa-board', 'aria-labelledby': `${id}title` }, title, toggle, panel);

  const countLeft = () => {
    const max = state ? state.question.settings.max_length : 280;
    area.maxLength = max;
    left.textContent = t('chars_left', { n: max - area.value.length });
  };
  area.addEventListener('input', countLeft);
  toggle.addEventListener('click', () => { opened = !opened; draw(); if (opened) area.focus(); });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = area.value.trim();
    if (!text) {
      complain(form, t('qa_type_first'));
      area.focus();
      return;
    }
    const error = form.querySelector('.form-error');
    if (error) error.remove();
    onAsk(text, named.checked);
    area.value = '';
    countLeft();
    said.textContent = t('qa_sending');
  });

  function draw() {
    if (!state) return;
    const { question, results, mine, upvoted, unsent, current } = state;
    const open = current || opened;
    toggle.hidden = current;
    title.hidden = current; // the Q&A is on the screen: its prompt is the page's heading already
    toggle.setAttribute('aria-expanded', String(open));
    toggle.textContent = `${t('qa_open')} (${count(results.posts.length)})`;
    panel.hidden = !open;
    if (title.textContent !== question.prompt) title.textContent = question.prompt;
    const isClosed = question.status === 'closed';
    form.hidden = isClosed;
    closed.hidden = !isClosed;
    // with a name only where the Q&A allows it and the participant gave one (on the waiting screen)
    namedRow.hidden = !question.settings.names || !state.nickname;
    const label = `${t('qa_as_name')} (${state.nickname})`;
    if (namedLabel.textContent !== label) namedLabel.textContent = label;
    if (namedRow.hidden) named.checked = false;
    countLeft();
    // my questions that others do not see (yet): waiting to be sent, for approval, or hidden
    const own = new Set(mine.map((p) => p.post));
    const notShown = [
      ...unsent.map((p) => ({ key: `u${p.id}`, text: p.text, note: t('qa_sending') })),
      ...mine.filter((p) => p.status !== 'shown')
        .map((p) => ({ key: `m${p.post}`, text: p.text, note: p.status === 'pending' ? t('qa_held') : t('qa_hidden') })),
    ];
    mineList.hidden = !notShown.length;
    mineList.replaceChildren(...notShown.map((p) => el('li', { class: 'qa-item qa-own' },
      el('span', { class: 'qa-text', lang: roomLang, text: p.text }), el('span', { class: 'hint', text: p.note }))));
    const posts = sort === 'newest' ? [...results.posts].sort((a, b) => b.post - a.post) : results.posts;
    empty.hidden = posts.length > 0;
    sorting.hidden = posts.length < 2;
    keyed(list, posts, 'post', (post) => phoneRow(post), (node, post) => fillPhoneRow(node, post, own.has(post.post),
      upvoted.has(`p${post.post}`), isClosed));
  }

  function phoneRow(post) {
    const node = el('li', { class: 'qa-item', 'data-post': String(post.post) },
      el('span', { class: 'qa-body' },
        el('span', { class: 'qa-text', lang: roomLang, id: `${id}p${post.post}` }),
        el('span', { class: 'qa-meta' }, el('span', { class: 'qa-name' }), el('span', { class: 'qa-flags' }))),
      el('button', { type: 'button', class: 'qa-up', 'aria-pressed': 'false', 'aria-describedby': `${id}p${post.post}`,
        onclick: (event) => {
          const button = event.currentTarget;
          onUpvote(`p${node.dataset.post}`, button.getAttribute('aria-pressed') !== 'true');
        } },
      el('span', { class: 'qa-up-arrow', 'aria-hidden': 'true', text: '▲' }), ' ',
      el('span', { class: 'qa-up-label', text: t('qa_vote') }), ' ', el('span', { class: 'qa-up-n' })));
    return node;
  }

  function fillPhoneRow(node, post, mineToo, up, isClosed) {
    const set = (selector, text) => setText(node, selector, text);
    set('.qa-text', post.text);
    set('.qa-name', [post.name || t('qa_anonymous'), mineToo && t('qa_mine')].filter(Boolean).join(' · '));
    set('.qa-flags', [post.answered && t('qa_answered'), post.pinned && t('qa_pinned')].filter(Boolean).join(' · '));
    set('.qa-up-n', String(post.votes));
    const button = node.querySelector('.qa-up');
    button.setAttribute('aria-pressed', String(up));
    button.disabled = isClosed;
    node.classList.toggle('qa-done', post.answered);
    return node;
  }

  return {
    node: section,
    update(next) {
      const first = state === null || state.question.id !== next.question.id;
      state = next;
      if (first) opened = false;
      draw();
    },
    said(text) { said.textContent = text; announce(text); },
    restore(text) { if (!area.value) { area.value = text; countLeft(); } },
  };
}
