// The facilitator's console: the deck in order, push / open / close / reveal / reset, live counts and
// results, and an editor for questions. Keys: → next, ← previous, Space open/close, Enter results on projector.
import { connect } from './socket.js';
import { ready } from './types/index.js';
import { data, el, show, t, answersText, participantsText } from './util.js';

const list = document.getElementById('questions');
const current = document.getElementById('current');
const counts = document.getElementById('counts');
const banner = document.getElementById('connection');
const editorBox = document.getElementById('editor');
const state = { questions: [], question: null, results: null, answers: 0, participants: 0, error: '' };
let types = {}; // the renderers, once loaded: the socket does not wait for them

ready.then((loaded) => { types = loaded; render(); });

const socket = connect(data.ws, {
  onMessage(message) {
    switch (message.type) {
      case 'snapshot':
        state.questions = message.questions;
        state.question = message.question;
        state.results = message.results;
        state.answers = message.answers;
        state.participants = message.participants;
        break;
      case 'state':
        if (!message.question || !state.question || message.question.id !== state.question.id) state.results = null;
        state.question = message.question;
        if (message.question) state.questions = state.questions.map((q) => (q.id === message.question.id ? message.question : q));
        break;
      case 'questions':
        state.questions = message.questions;
        break;
      case 'results':
        state.answers = message.answers;
        state.participants = message.participants;
        state.results = state.question && message.question === state.question.id ? message.results : null;
        break;
      case 'error':
        state.error = message.message;
        break;
      default:
        return;
    }
    if (message.type !== 'error') state.error = '';
    render();
  },
  onStatus: (status) => { banner.hidden = status === 'online'; },
  onFinal: () => { location.reload(); },
});

const act = (type, extra = {}) => socket.send({ type, ...extra });
const statusText = (q) => t(`status_${q.status}`) + (q.round > 1 ? ` · ${t('round_n', { n: q.round })}` : '');

function render() {
  show(counts,
    el('span', { class: 'stat', text: participantsText(state.participants) }),
    el('span', { class: 'stat', text: answersText(state.answers) }));
  renderList();
  renderCurrent();
}

function renderList() {
  if (!state.questions.length) {
    show(list, el('li', { class: 'empty', text: t('no_questions') }));
    return;
  }
  show(list, state.questions.map((q, index) => el('li', { class: 'question' + (state.question && state.question.id === q.id ? ' is-current' : '') },
    el('button', { type: 'button', class: 'push', title: t('push'), onclick: () => act('push', { question: q.id }) },
      el('span', { class: 'number', text: String(index + 1) }),
      el('span', { class: 'question-prompt', text: q.prompt }),
      el('span', { class: `badge ${q.status}`, text: state.question && state.question.id === q.id ? t('current') : statusText(q) })),
    el('span', { class: 'tools' },
      el('button', { type: 'button', class: 'small', text: '↑', title: t('move_up'), 'aria-label': t('move_up'), disabled: index === 0, onclick: () => move(q, index - 1) }),
      el('button', { type: 'button', class: 'small', text: '↓', title: t('move_down'), 'aria-label': t('move_down'), disabled: index === state.questions.length - 1, onclick: () => move(q, index + 1) }),
      el('button', { type: 'button', class: 'small', text: t('edit'), onclick: () => openEditor(q) }),
      el('button', { type: 'button', class: 'small danger', text: t('delete'), onclick: () => remove(q) })))));
}

function renderCurrent() {
  const q = state.question;
  const error = state.error ? el('p', { class: 'notice', role: 'alert', text: state.error }) : null;
  const nav = el('div', { class: 'nav' },
    el('button', { type: 'button', text: `← ${t('prev')}`, onclick: () => act('prev') }),
    el('button', { type: 'button', text: t('waiting_screen'), onclick: () => act('push', { question: null }) }),
    el('button', { type: 'button', class: 'primary', text: `${t('next')} →`, onclick: () => act('next') }));
  if (!q) {
    show(current, error, nav, el('p', { class: 'status', text: t('waiting') }));
    return;
  }
  const open = q.status === 'open';
  const controls = el('div', { class: 'controls' },
    el('button', { type: 'button', class: open ? 'danger' : 'primary', id: 'toggle-open', text: open ? t('close') : t('open'),
      onclick: () => act(open ? 'close' : 'open', { question: q.id }) }),
    el('button', { type: 'button', id: 'toggle-projector', 'aria-pressed': String(q.results_projector),
      text: q.results_projector ? t('results_projector_off') : t('results_projector_on'),
      onclick: () => act('show_results', { question: q.id, target: 'projector', show: !q.results_projector }) }),
    el('button', { type: 'button', id: 'toggle-phones', 'aria-pressed': String(q.results_phones),
      text: q.results_phones ? t('results_phones_off') : t('results_phones_on'),
      onclick: () => act('show_results', { question: q.id, target: 'phones', show: !q.results_phones }) }),
    el('button', { type: 'button', class: 'danger', text: t('reset'),
      onclick: () => { if (confirm(t('reset_confirm'))) act('reset', { question: q.id }); } }));
  const type = types[q.type];
  const results = state.results && type
    ? type.results(q, state.results, { facilitator: true, onModerate: (card, status) => act('moderate', { question: q.id, card, status }) })
    : el('p', { class: 'hint', text: t('no_answers') });
  show(current, error, nav, el('h2', { class: 'prompt', text: q.prompt }),
    el('p', { class: `badge ${q.status}`, text: statusText(q) }), controls, el('section', { class: 'results' }, results));
}

// -- editing ---------------------------------------------------------------------------------------------

async function api(method, path, body) {
  const response = await fetch(data.api + path, {
    method, headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': data.csrf },
    body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin',
  });
  let payload = {};
  try { payload = await response.json(); } catch { /* empty body */ }
  if (!response.ok) throw new Error(payload.message || t('error'));
  return payload;
}

function move(q, position) {
  api('POST', `/${q.id}/move`, { position }).catch((e) => { state.error = e.message; render(); });
}

function remove(q) {
  if (!confirm(t('delete_confirm'))) return;
  api('DELETE', `/${q.id}`).catch((e) => { state.error = e.message; render(); });
}

function fields(type, settings) {
  const template = document.getElementById(`editor-${type}`);
  const box = template.content.firstElementChild.cloneNode(true);
  for (const field of box.querySelectorAll('[name]')) {
    const value = settings[field.name];
    if (value === undefined) continue;
    if (field.type === 'checkbox') field.checked = Boolean(value);
    else if (field.dataset.kind === 'lines') field.value = value.join('\n');
    else field.value = value;
  }
  return box;
}

function read(box) {
  const settings = {};
  for (const field of box.querySelectorAll('[name]')) {
    if (field.type === 'checkbox') settings[field.name] = field.checked;
    else if (field.dataset.kind === 'lines') settings[field.name] = field.value.split('\n').map((s) => s.trim()).filter(Boolean);
    else if (field.type === 'number') settings[field.name] = field.value === '' ? undefined : Number(field.value);
    else settings[field.name] = field.value;
  }
  return settings;
}

function openEditor(question) {
  const form = document.getElementById('editor-form');
  const typeSelect = form.elements.type;
  const prompt = form.elements.prompt;
  const slot = document.getElementById('editor-fields');
  const message = document.getElementById('editor-error');
  message.textContent = '';
  typeSelect.value = question ? question.type : 'choice';
  typeSelect.disabled = false;
  prompt.value = question ? question.prompt : '';
  form.elements.allow_change.checked = question ? question.settings.allow_change : true;
  const draw = () => show(slot, fields(typeSelect.value, question && question.type === typeSelect.value ? question.settings : {}));
  typeSelect.onchange = draw;
  draw();
  form.onsubmit = async (event) => {
    event.preventDefault();
    const body = { type: typeSelect.value, prompt: prompt.value, allow_change: form.elements.allow_change.checked, ...read(slot) };
    for (const k of Object.keys(body)) if (body[k] === undefined) delete body[k];
    try {
      if (question) await api('PUT', `/${question.id}`, body);
      else await api('POST', '', body);
      editorBox.hidden = true;
    } catch (e) {
      message.textContent = e.message;
    }
  };
  document.getElementById('editor-cancel').onclick = () => { editorBox.hidden = true; };
  editorBox.hidden = false;
  prompt.focus();
}

document.getElementById('add-question').addEventListener('click', () => openEditor(null));
document.getElementById('delete-room').addEventListener('submit', (event) => {
  if (!confirm(event.currentTarget.dataset.confirm)) event.preventDefault();
});

document.addEventListener('keydown', (event) => {
  if (event.target.closest('input, textarea, select, [contenteditable]') || !editorBox.hidden) return;
  const q = state.question;
  if (event.key === 'ArrowRight') act('next');
  else if (event.key === 'ArrowLeft') act('prev');
  else if (event.key === ' ' && q) act(q.status === 'open' ? 'close' : 'open', { question: q.id });
  else if (event.key === 'Enter' && q && !event.target.closest('button, a')) act('show_results', { question: q.id, target: 'projector', show: !q.results_projector });
  else return;
  event.preventDefault();
});

render();
