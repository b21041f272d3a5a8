// The participant's phone: the current question, one tap to answer, "received", results when shown.
// A vote is kept (also across reloads) until the server acknowledges it, and sent again after a reconnect; it
// carries the question's round, so a vote for a round the facilitator has restarted is refused, never "received".
import { connect } from './socket.js';
import { ready } from './types/index.js';
import { data, el, randomId, show, t, answersText } from './util.js';

const main = document.getElementById('phone');
const banner = document.getElementById('connection');
const PENDING = `lab:pending:${data.code}`;

const state = {
  question: null, // the current question, as the server sent it
  answers: {}, // "id:round" -> my stored answer
  results: null,
  nickname: '',
  editing: false,
  error: '',
  final: null,
};

const key = (q) => `${q.id}:${q.round}`;
const loadPending = () => { try { return JSON.parse(localStorage.getItem(PENDING)) || {}; } catch { return {}; } };
const savePending = (p) => { try { localStorage.setItem(PENDING, JSON.stringify(p)); } catch { /* private mode */ } };
let pending = loadPending(); // question id -> vote message not yet acknowledged
let types = {}; // the renderers, once loaded: the socket does not wait for them, the answer area does

const socket = connect(data.ws, {
  onMessage: receive,
  onStatus: (status) => { banner.hidden = status === 'online'; },
  onFinal: (reason) => { state.final = reason; render(); },
});
ready.then((loaded) => { types = loaded; render(); });

/** Forget a pending vote (acknowledged, refused, or for a round that has passed). */
function settle(question) {
  delete pending[question];
  savePending(pending);
}

function receive(message) {
  switch (message.type) {
    case 'snapshot':
      state.question = message.question;
      state.results = message.results;
      state.nickname = message.nickname || '';
      if (message.question) {
        if (message.answer !== null) state.answers[key(message.question)] = message.answer;
        else delete state.answers[key(message.question)];
      }
      resend();
      break;
    case 'state':
      if (!state.question || !message.question || key(state.question) !== key(message.question)) {
        state.results = null;
        state.editing = false;
        state.error = '';
      }
      state.question = message.question;
      if (message.question && pending[message.question.id] && pending[message.question.id].round !== message.question.round) {
        settle(message.question.id); // the question was started again: that vote belongs to a round that is over
      }
      if (message.question && !message.question.results_phones) state.results = null;
      break;
    case 'results':
      if (state.question && message.question === state.question.id) state.results = message.results;
      break;
    case 'ack': {
      const vote = pending[message.question];
      if (vote && vote.id === message.id) settle(message.question);
      state.answers[`${message.question}:${message.round}`] = message.value;
      if (state.question && key(state.question) === `${message.question}:${message.round}`) {
        state.editing = false;
        state.error = '';
      }
      break;
    }
    case 'error':
      if (message.id) {
        for (const [question, vote] of Object.entries(pending)) {
          // A vote that failed on the server's side (or reached a server that is stopping) is kept and sent again
          // in a moment, not in a tight loop while a disk keeps failing; any other refusal is final.
          if (vote.id !== message.id) continue;
          if (message.error === 'server_error' || message.error === 'unavailable') {
            setTimeout(() => { if (pending[question] === vote) socket.send(vote); }, 500 + Math.random() * 1000);
          } else {
            settle(question);
          }
        }
      }
      state.error = message.message;
      break;
    default:
      return;
  }
  render();
}

/** After (re)connecting: send what was not acknowledged, if its question is still current, open and in the same
    round; the server acknowledges a vote it stored before the connection broke, and never one it has not. */
function resend() {
  const q = state.question;
  for (const [question, vote] of Object.entries(pending)) {
    const current = q && String(q.id) === question && q.status === 'open' && q.round === vote.round;
    if (current) socket.send(vote);
    else delete pending[question];
  }
  savePending(pending);
}

function submit(value) {
  const q = state.question;
  const vote = { type: 'vote', id: randomId(), question: q.id, round: q.round, value };
  pending[q.id] = vote;
  savePending(pending);
  state.error = '';
  socket.send(vote); // if offline, it goes out after the reconnect
  render();
}

function render() {
  if (state.final) {
    show(main, el('section', { class: 'screen-message' }, el('h1', { text: t('room_gone') })));
    return;
  }
  const q = state.question;
  if (!q) {
    show(main, waiting());
    return;
  }
  const type = types[q.type];
  if (!type) return; // its renderer is still loading
  const mine = state.answers[key(q)];
  const parts = [el('h1', { class: 'prompt', text: q.prompt })];
  if (state.error) parts.push(el('p', { class: 'notice', role: 'alert', text: state.error }));
  if (pending[q.id]) {
    parts.push(el('p', { class: 'status sending', role: 'status', text: t('sending') }));
  } else if (mine !== undefined && !state.editing) {
    parts.push(el('div', { class: 'received', role: 'status' },
      el('p', { class: 'received-title', text: t('received') }),
      el('p', { class: 'received-answer', text: type.describe(q, mine) })));
    if (q.status === 'open' && q.settings.allow_change) {
      parts.push(el('button', { type: 'button', class: 'big secondary', text: t('change'),
        onclick: () => { state.editing = true; render(); } }));
    }
  } else if (q.status === 'open') {
    parts.push(type.input(q, { answer: mine, onSubmit: submit }));
  } else {
    parts.push(el('p', { class: 'status', text: t('closed') }));
  }
  if (state.results) {
    parts.push(el('section', { class: 'results' }, type.results(q, state.results), el('p', { class: 'count', text: answersText(state.results.respondents) })));
  }
  show(main, parts);
}

function waiting() {
  const input = el('input', { id: 'nickname', maxlength: '40', autocomplete: 'nickname', value: state.nickname });
  const saved = el('span', { class: 'hint', 'aria-live': 'polite' });
  const form = el('form', { class: 'nickname' },
    el('label', { for: 'nickname', text: t('nickname') }), input,
    el('button', { type: 'submit', class: 'secondary', text: t('save') }), saved);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    state.nickname = input.value.trim();
    if (socket.send({ type: 'nickname', nickname: state.nickname })) saved.textContent = t('saved');
  });
  return el('section', { class: 'waiting' },
    el('div', { class: 'pulse', 'aria-hidden': 'true' }),
    el('h1', { text: t('waiting') }),
    el('p', { class: 'hint', text: t('waiting_hint') }),
    form);
}

render();
