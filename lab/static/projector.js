// The projector: the current question large, results as they arrive (or only how many answered while
// results are hidden), the join code always in view. Keys: F fullscreen, Q large QR code.
import { connect } from './socket.js';
import { ready } from './types/index.js';
import { data, el, show, t, answersText } from './util.js';

const stage = document.getElementById('stage');
const banner = document.getElementById('connection');
const state = { question: null, results: null, answers: 0 };
let types = {}; // the renderers, once loaded: the socket does not wait for them

ready.then((loaded) => { types = loaded; render(); });

connect(data.ws, {
  onMessage(message) {
    if (message.type === 'snapshot' || message.type === 'state') {
      if (!state.question || !message.question || state.question.id !== message.question.id) state.results = null;
      state.question = message.question;
      if (message.type === 'snapshot') {
        state.results = message.results;
        state.answers = message.answers;
      }
      if (state.question && !state.question.results_projector) state.results = null;
    } else if (message.type === 'results') {
      if (!state.question || message.question !== state.question.id) return;
      state.results = message.results;
      state.answers = message.answers;
    } else {
      return;
    }
    render();
  },
  onStatus: (status) => { banner.hidden = status === 'online'; },
  onFinal: () => show(stage, el('h1', { class: 'prompt', text: t('room_gone') })),
});

// Results are drawn once per question and round, then updated in place by the type's renderer, so bar widths
// glide (CSS transitions) instead of the screen flashing.
let drawn = null;
function render() {
  const q = state.question;
  if (!q) {
    drawn = null;
    show(stage, el('div', { class: 'idle' }, el('h1', { class: 'prompt', text: data.title || '' }), el('p', { text: t('waiting') })));
    return;
  }
  const type = types[q.type];
  if (!type) return;
  const count = el('p', { class: 'count', text: answersText(state.answers) });
  const body = state.results
    ? type.results(q, state.results)
    : el('p', { class: 'hidden-results', text: state.answers ? t('results_hidden') : t('no_answers') });
  const same = drawn && drawn.id === q.id && drawn.round === q.round && drawn.status === q.status;
  if (same && drawn.shown && state.results) {
    type.update(drawn.body, q, state.results);
    drawn.count.textContent = count.textContent;
    return;
  }
  const status = q.status === 'closed' ? el('p', { class: 'status', text: t('closed') }) : null;
  show(stage, el('h1', { class: 'prompt', text: q.prompt }), status, body, count);
  drawn = { id: q.id, round: q.round, status: q.status, shown: Boolean(state.results), body, count };
}

document.addEventListener('keydown', (event) => {
  if (event.key === 'f' || event.key === 'F') {
    if (document.fullscreenElement) document.exitFullscreen();
    else document.documentElement.requestFullscreen().catch(() => {});
  } else if (event.key === 'q' || event.key === 'Q') {
    document.body.classList.toggle('big-join');
  }
});

render();
