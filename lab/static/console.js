// The facilitator's console: the deck in order, push / open / close / reveal / reset, live counts and
// results, and an editor for questions. Keys: → next, ← previous, Space open/close, Enter results on projector
// (Space and Enter on a focused button press that button, as everywhere).
//
// Every part is drawn once and then updated in place: results arrive up to 10 times a second during a vote, and a
// button replaced between mouse-down and mouse-up would swallow the click.
import { connect } from './socket.js';
import { apply, createRoom, key } from './state.js';
import { compared, updateCompared } from './compare.js';
import { REACTIONS } from './reactions.js';
import { clockText, countdown } from './timer.js';
import { ready } from './types/index.js';
import {
  announce, answersText, callApi, data, el, focusOn, participantsText, roomLang, setRoomLang, show, t, turnoutText,
} from './util.js';
import { drawMembers } from './members.js';
import { drawBallotForm, drawBallots } from './ballots.js';
import { drawGroups } from './groups.js';

const list = document.getElementById('questions');
const current = document.getElementById('current');
const counts = document.getElementById('counts');
const banner = document.getElementById('connection');
const editor = document.getElementById('editor');
const room = createRoom('facilitator');
let error = '';
let types = {}; // the renderers, once loaded: the socket does not wait for them

ready.then((loaded) => { types = loaded; render(new Set(['question', 'results'])); });

const socket = connect(data.ws, {
  onMessage(message) {
    if (message.type === 'reactions') { countReactions(message.counts); return; }
    if (message.type === 'error' && pending) { pending.refused(message.message); return; } // a report action's
    if (message.type === 'details' || message.type === 'themes') { reportDone(message); return; }
    if (message.type === 'consultation') { consultationDone(message.consultation); return; }
    if (message.type === 'privacy_floor') { floorDone(message.floor); return; }
    if (message.type === 'members') { drawMembers(message); return; }
    if (message.type === 'ballots') { drawBallots(message); return; }
    if (message.type === 'snapshot') {
      drawMembers(message.members);
      drawBallots(message.ballots);
      consultationDone(message.consultation);
      floorDone(message.privacy_floor);
    }
    const changed = apply(room, message);
    if (message.type === 'error') {
      error = message.message;
      changed.add('error');
    } else if (error && (changed.has('question') || changed.has('questions'))) {
      error = ''; // the room moved on: an earlier refusal no longer applies
      changed.add('error');
    }
    if (changed.size) render(changed);
  },
  onStatus: (status) => { banner.hidden = status === 'online'; },
  onFinal: () => { location.reload(); },
});

const act = (type, extra = {}) => socket.send({ type, ...extra });
const statusText = (q) => t(`status_${q.status}`) + (q.round > 1 ? ` · ${t('round_n', { n: q.round })}` : '');

function render(changed) {
  if (changed.has('counts') || changed.has('results') || changed.has('question')) drawCounts();
  if (changed.has('questions') || changed.has('question')) { drawList(); drawReport(); drawBallotForm(room.questions); }
  if (changed.has('question') || changed.has('error')) drawCurrent();
  if (changed.has('question') || changed.has('results')) drawResults();
  if (changed.has('question') || changed.has('results')) drawQueue();
  if (changed.has('question')) drawHands();
  if (changed.has('question') && tapped.for !== key(room.question)) reactionCounts.hidden = true;
  if (changed.has('lang') && room.lang) {
    language.value = room.lang;
    setRoomLang(room.lang);
  }
}

const language = document.getElementById('room-lang');
// Set with its button: a select changes on every arrow key, and each change would reload the projector.
document.getElementById('room-language').addEventListener('submit', (event) => {
  event.preventDefault();
  act('language', { lang: language.value });
});

// -- counts ------------------------------------------------------------------------------------------------------

const participantCount = el('span', { class: 'stat' });
const answerCount = el('span', { class: 'stat' });
const turnoutCount = el('span', { class: 'stat', hidden: true });
show(counts, participantCount, answerCount, turnoutCount);
function drawCounts() {
  participantCount.textContent = participantsText(room.participants);
  const type = room.question && types[room.question.type];
  answerCount.textContent = type && type.count ? type.count(room.answers) : answersText(room.answers); // a Q&A counts questions
  turnoutCount.textContent = turnoutText(room.turnout);
  turnoutCount.hidden = !room.turnout;
}

// -- the deck ----------------------------------------------------------------------------------------------------

/** One list item per question, kept by id: changed items are updated, never replaced while someone points at them. */
const items = new Map();
function item(q) {
  const node = el('li', { class: 'question' });
  const parts = {
    push: el('button', { type: 'button', class: 'push', onclick: () => act('push', { question: q.id }) }),
    number: el('span', { class: 'number' }),
    prompt: el('span', { class: 'question-prompt', lang: roomLang }),
    badge: el('span', { class: 'badge' }),
    plan: el('span', { class: 'plan' }),
    up: el('button', { type: 'button', class: 'small', text: '↑', title: t('move_up'), 'aria-label': t('move_up'), onclick: () => move(q.id, -1) }),
    down: el('button', { type: 'button', class: 'small', text: '↓', title: t('move_down'), 'aria-label': t('move_down'), onclick: () => move(q.id, 1) }),
  };
  parts.push.append(parts.number, parts.prompt, parts.badge);
  node.append(parts.push, parts.plan, el('span', { class: 'tools' }, parts.up, parts.down,
    el('button', { type: 'button', class: 'small', text: t('edit'), onclick: (event) => openEditor(q.id, event.currentTarget) }),
    el('button', { type: 'button', class: 'small danger', text: t('delete'), onclick: () => remove(q.id) })));
  return { node, parts };
}

let removedAt = -1; // the index of the item deleted last, to put focus on its neighbour
function refocus(active) {
  if (active.isConnected && !active.disabled) {
    active.focus();
    return;
  }
  const node = active.closest('li.question');
  if (node && node.isConnected) {
    node.querySelector('.push').focus(); // the question itself: the other arrow would move it straight back
  } else if (!active.isConnected && removedAt >= 0) {
    const items = [...list.querySelectorAll('li.question .push')];
    if (items.length) items[Math.min(removedAt, items.length - 1)].focus();
    else focusOn(document.getElementById('deck-title'));
    removedAt = -1;
  }
}

function drawList() {
  if (!room.questions.length) {
    items.clear();
    show(list, el('li', { class: 'empty', text: t('no_questions') }));
    return;
  }
  const active = document.activeElement;
  const ids = new Set(room.questions.map((q) => q.id));
  for (const [id, { node }] of items) if (!ids.has(id)) { node.remove(); items.delete(id); }
  list.querySelector('.empty')?.remove();
  room.questions.forEach((q, index) => {
    if (!items.has(q.id)) items.set(q.id, item(q));
    const { node, parts } = items.get(q.id);
    const onScreen = room.question && room.question.id === q.id;
    node.classList.toggle('is-current', Boolean(onScreen));
    parts.number.textContent = String(index + 1);
    parts.prompt.textContent = q.prompt;
    parts.badge.className = `badge ${q.status}`;
    parts.badge.textContent = onScreen ? `${t('current')} · ${statusText(q)}` : statusText(q);
    parts.push.setAttribute('aria-current', onScreen ? 'true' : 'false');
    parts.push.title = t('push');
    drawPlan(q, parts.plan);
    parts.up.disabled = index === 0;
    parts.down.disabled = index === room.questions.length - 1;
    if (list.children[index] !== node) list.insertBefore(node, list.children[index] || null);
  });
  // Focus stays where it was: on a moved item's button, or (that button now disabled, or its item deleted) on the
  // nearest thing that makes sense, never on the page, where the next Space would open or close answering.
  // (a focused button that becomes disabled keeps focus for a moment, then the browser drops it on the page)
  if (active && active !== document.body && (active !== document.activeElement || active.disabled)) refocus(active);
}

// -- the run-sheet: minutes planned against time on the screen --------------------------------------------------

/** How long a question has been on the screen, its present turn included (by the server's clock). */
function onScreenMs(q) {
  const now = room.question && room.question.id === q.id && room.since !== null;
  return q.shown_ms + (now ? Math.max(0, Date.now() + room.offset - room.since) : 0);
}

function drawPlan(q, node) {
  const shown = onScreenMs(q);
  const planned = q.settings.planned_minutes || 0;
  const parts = [];
  if (planned) parts.push(t('planned_min', { n: planned }));
  if (shown >= 1000) parts.push(t('shown_for', { time: clockText(shown / 1000) }));
  node.textContent = parts.join(' · ');
  node.hidden = !parts.length;
  node.classList.toggle('over', Boolean(planned) && shown > planned * 60000);
}

// The current question's time goes on by itself: its line in the list and beside the notes follow each second.
setInterval(() => {
  const q = room.question;
  if (!q || !items.has(q.id)) return;
  drawPlan(q, items.get(q.id).parts.plan);
  drawPlan(q, controls.plan);
}, 1000);

// -- the current question ------------------------------------------------------------------------------------------

const button = (props, text) => el('button', { type: 'button', ...props, text });
const controls = {
  notice: el('p', { class: 'notice', role: 'alert', hidden: true }),
  prompt: el('h2', { class: 'prompt', lang: roomLang }),
  badge: el('p', { class: 'badge' }),
  open: button({ id: 'toggle-open', onclick: () => toggle('open') }),
  projector: button({ id: 'toggle-projector', onclick: () => toggle('projector') }),
  phones: button({ id: 'toggle-phones', onclick: () => toggle('phones') }),
  compare: button({ id: 'toggle-compare', onclick: () => toggle('compare') }),
  groups: button({ id: 'toggle-groups', onclick: () => toggle('groups') }),
  reset: button({ class: 'danger', onclick: () => room.question && confirm(t('reset_confirm')) && act('reset', { question: room.question.id }) }, t('reset')),
  results: el('section', { class: 'results', 'aria-label': t('results') }),
  idle: el('p', { class: 'status', text: t('waiting') }),
  timer: el('p', { class: 'timer', role: 'timer', hidden: true }),
  seconds: el('input', { id: 'timer-seconds', type: 'number', min: '5', max: '3600', step: '5', inputmode: 'numeric', required: true }),
  start: el('button', { type: 'submit', text: t('timer_start') }),
  stop: button({ onclick: () => room.question && act('timer', { question: room.question.id, seconds: 0 }) }, t('timer_stop')),
  notes: el('p', { class: 'notes-text', lang: roomLang }),
  plan: el('p', { class: 'plan' }),
};
const clock = countdown(controls.timer);
const timerForm = el('form', { class: 'timer-form' },
  el('label', { for: 'timer-seconds', text: t('timer_seconds') }), controls.seconds, controls.start, controls.stop, controls.timer);
timerForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const seconds = Number(controls.seconds.value);
  if (room.question && Number.isInteger(seconds) && seconds >= 5 && seconds <= 3600) act('timer', { question: room.question.id, seconds });
});
const notesPart = el('aside', { class: 'notes', 'aria-labelledby': 'notes-title' },
  el('h3', { id: 'notes-title', text: t('notes') }), controls.notes, controls.plan);
const questionPart = el('div', { class: 'current-question' }, controls.prompt, controls.badge,
  el('div', { class: 'controls' }, controls.open, controls.projector, controls.phones, controls.compare, controls.groups, controls.reset), timerForm,
  notesPart, controls.results);
show(current, controls.notice,
  el('div', { class: 'nav' },
    button({ onclick: () => act('prev') }, `← ${t('prev')}`),
    button({ onclick: () => act('push', { question: null }) }, t('waiting_screen')),
    button({ class: 'primary', onclick: () => act('next') }, `${t('next')} →`)),
  controls.idle, questionPart);

function toggle(what) {
  const q = room.question;
  if (!q) return;
  if (what === 'open') act(q.status === 'open' ? 'close' : 'open', { question: q.id });
  else if (what === 'projector') act('show_results', { question: q.id, target: 'projector', show: !q.results_projector });
  else if (what === 'compare') act('show_results', { question: q.id, target: 'compare', show: !q.compare });
  else if (what === 'groups') act('show_results', { question: q.id, target: 'groups', show: !q.by_group });
  else act('show_results', { question: q.id, target: 'phones', show: !q.results_phones });
}

function drawCurrent() {
  controls.notice.hidden = !error;
  controls.notice.textContent = error;
  const q = room.question;
  controls.idle.hidden = Boolean(q);
  questionPart.hidden = !q;
  if (!q) return;
  const passive = data.passive.includes(q.type); // a content slide: nothing to open, count or reveal
  for (const part of [controls.open, controls.projector, controls.phones, controls.reset, timerForm]) part.hidden = passive;
  const anytime = data.anytime.includes(q.type); // a Q&A: its questions are always on the projector
  if (anytime) controls.projector.hidden = true;
  if (anytime || q.upvotes) controls.phones.hidden = true; // phones have it to vote on: always shown there
  const open = q.status === 'open';
  controls.prompt.textContent = q.prompt;
  controls.badge.className = `badge ${q.status}`;
  controls.badge.textContent = statusText(q);
  controls.open.textContent = open ? t('close') : t('open');
  controls.open.className = open ? 'danger' : 'primary';
  controls.projector.textContent = q.results_projector ? t('results_projector_off') : t('results_projector_on');
  controls.projector.setAttribute('aria-pressed', String(q.results_projector));
  controls.phones.textContent = q.results_phones ? t('results_phones_off') : t('results_phones_on');
  controls.phones.setAttribute('aria-pressed', String(q.results_phones));
  // only a question that ran before, in a round whose answers mean the same, has a round to compare with
  controls.compare.hidden = passive || q.comparable === null;
  controls.compare.textContent = t('compare_rounds', { n: q.comparable });
  controls.compare.setAttribute('aria-pressed', String(Boolean(q.compare)));
  controls.groups.hidden = passive || data.anytime.includes(q.type);
  controls.groups.textContent = t('by_group');
  controls.groups.setAttribute('aria-pressed', String(Boolean(q.by_group)));
  const running = q.status === 'open' && q.closes_ms !== null;
  clock(running ? q.closes_ms : null, room.offset);
  controls.start.hidden = running;
  controls.stop.hidden = !running;
  if (timerFor !== key(q)) { // a new question: its own countdown length (typing in the field is never undone)
    timerFor = key(q);
    controls.seconds.value = String(q.settings.timer || 60);
  }
  controls.notes.textContent = q.settings.notes || '';
  controls.notes.hidden = !q.settings.notes;
  drawPlan(q, controls.plan);
  notesPart.hidden = !q.settings.notes && controls.plan.hidden;
}
let timerFor = null;

let drawnResults = null;
const groupsPart = el('section', { class: 'by-group', hidden: true });
controls.results.after(groupsPart);

function drawResults() {
  const q = room.question;
  const type = q && types[q.type];
  drawGroups(groupsPart, type, q, type && q && !data.passive.includes(q.type) ? room.results : null);
  const options = {
    facilitator: true,
    onModerate: (card, status) => act('moderate', { question: q.id, card, status }),
    onPost: (post, what) => act('post', { question: q.id, post, do: what }), // a Q&A's question
  };
  if (q && type && data.passive.includes(q.type)) {
    drawnResults = null;
    show(controls.results, type.results(q, null)); // what phones and the projector show
    return;
  }
  if (!q || !type || !room.results) {
    drawnResults = null;
    show(controls.results, el('p', { class: 'hint', text: t('no_answers') }));
    return;
  }
  const earlier = room.earlier;
  if (drawnResults && drawnResults.key === key(q) && drawnResults.earlier === Boolean(earlier)) {
    if (earlier) updateCompared(drawnResults.body, type, q, earlier, room.results);
    else type.update(drawnResults.body, q, room.results, options);
    return;
  }
  const body = earlier ? compared(type, q, earlier, room.results) : type.results(q, room.results, options);
  show(controls.results, body);
  drawnResults = { key: key(q), earlier: Boolean(earlier), body };
}

// -- reactions: how many tapped what while this question is on the screen ------------------------------------

const reactionCounts = el('p', { class: 'reaction-counts', hidden: true });
questionPart.insertBefore(reactionCounts, controls.results);
let tapped = { for: null, counts: {} };
function countReactions(counts) {
  const k = key(room.question);
  if (tapped.for !== k) tapped = { for: k, counts: {} };
  for (const [kind, n] of Object.entries(counts)) tapped.counts[kind] = (tapped.counts[kind] || 0) + n;
  reactionCounts.hidden = false;
  reactionCounts.textContent = `${t('reactions')}: ${REACTIONS.filter((r) => tapped.counts[r.kind])
    .map((r) => `${r.symbol} ${t(r.label)} ${tapped.counts[r.kind]}`).join(' · ')}`;
}

// -- a show of hands: counted by the facilitator, per option, beside the phones' answers ----------------------

const handsPart = el('details', { class: 'hands' }, el('summary', { text: t('hands_count') }));
questionPart.insertBefore(handsPart, controls.results);
let handsFor = null;
/** The form is made once per question (and round): what the facilitator is typing is never redrawn away. */
function drawHands() {
  const q = room.question;
  handsPart.hidden = !q || !data.hands.includes(q.type);
  if (handsPart.hidden || handsFor === key(q)) return;
  handsFor = key(q);
  const counted = (room.results && room.results.channels && room.results.channels.hands) || [];
  const fields = q.settings.options.map((label, i) => {
    const id = `hands-${i}`;
    return el('p', { class: 'hands-field' }, el('label', { for: id, lang: roomLang, text: label }),
      el('input', { id, type: 'number', min: '0', max: '100000', inputmode: 'numeric', value: String(counted[i] || 0) }));
  });
  const form = el('form', { class: 'hands-form' }, el('p', { class: 'hint', text: t('hands_hint') }), fields,
    el('button', { type: 'submit', text: t('hands_save') }));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const counts = [...form.querySelectorAll('input')].map((input) => Number(input.value || 0));
    act('hands', { question: q.id, counts });
  });
  handsPart.replaceChildren(handsPart.firstChild, form);
}

// -- moderation: answers that wait for approval, and hidden ones -----------------------------------------------

const queuePart = el('section', { class: 'queue', 'aria-labelledby': 'queue-title', hidden: true },
  el('h3', { id: 'queue-title' }), el('ul', { class: 'queue-list' }));
questionPart.insertBefore(queuePart, controls.results);
const queued = new Map(); // card -> its list item, kept so a button being pressed stays the same element

function queueItem(item) {
  const q = room.question;
  const moderate = (status) => act('moderate', { question: q.id, card: item.card, status });
  const node = el('li', { class: 'queue-item' });
  const parts = {
    text: el('p', { class: 'queue-text', lang: roomLang }),
    state: el('p', { class: 'queue-state' }),
    approve: button({ class: 'small primary', onclick: () => moderate('shown') }, t('approve')),
    hide: button({ class: 'small', onclick: () => moderate('hidden') }, t('hide')),
    remove: button({ class: 'small danger', onclick: () => confirm(t('remove_confirm')) && act('remove', { question: q.id, card: item.card }) }, t('remove_participant')),
  };
  node.append(parts.text, parts.state, el('span', { class: 'tools' }, parts.approve, parts.hide, parts.remove));
  return { node, parts };
}

function drawQueue() {
  const queue = room.question && room.queue;
  if (!queue || !queue.items.length) {
    queuePart.hidden = true;
    queued.clear();
    queuePart.lastElementChild.replaceChildren();
    return;
  }
  queuePart.hidden = false;
  queuePart.firstElementChild.textContent = t('queue_title', { waiting: queue.waiting, hidden: queue.hidden });
  const list = queuePart.lastElementChild;
  const cards = new Set(queue.items.map((item) => item.card));
  for (const [card, { node }] of queued) if (!cards.has(card)) { node.remove(); queued.delete(card); }
  queue.items.forEach((item, index) => {
    if (!queued.has(item.card)) queued.set(item.card, queueItem(item));
    const { node, parts } = queued.get(item.card);
    parts.text.textContent = item.text;
    parts.state.textContent = t(item.status === 'pending' ? 'waiting_approval' : 'hidden_card');
    parts.approve.textContent = t(item.status === 'pending' ? 'approve' : 'show');
    parts.hide.hidden = item.status === 'hidden';
    if (list.children[index] !== node) list.insertBefore(node, list.children[index] || null);
  });
}

// -- editing ---------------------------------------------------------------------------------------------

const api = (method, path, body) => callApi(method, data.api + path, body);

const failed = (e) => { error = e.message; render(new Set(['error'])); };

function move(id, by) {
  const position = room.questions.findIndex((q) => q.id === id) + by;
  api('POST', `/${id}/move`, { position }).catch(failed);
}

function remove(id) {
  if (!confirm(t('delete_confirm'))) return;
  removedAt = room.questions.findIndex((q) => q.id === id);
  api('DELETE', `/${id}`).catch(failed);
}

/** A number field's whole number (empty: 0); anything else goes to the server as typed, which says what is wrong. */
const wholeNumber = (text) => (text.trim() === '' ? 0 : /^\d+$/.test(text.trim()) ? Number(text) : text);

/** Save an edited question. An edit that changes what its answers mean is asked about first (the server knows:
    it refuses with `new_round` while the question has answers), and starts a new round only when confirmed. */
async function save(id, body) {
  try {
    await api('PUT', `/${id}`, body);
  } catch (e) {
    if (e.code !== 'new_round') throw e;
    if (!confirm(e.message)) return false; // nothing saved; the editor stays open as it was
    await api('PUT', `/${id}?new_round=1`, body);
  }
  return true;
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
  for (const input of box.querySelectorAll('input[data-kind="image"]')) imageField(box, input);
  return box;
}

/** An image field (data-kind="image"): the file is uploaded as soon as it is chosen (lab checks it and keeps it
    itself); the hidden field named by data-target keeps the stored image's name, and a preview shows it. */
function imageField(box, input) {
  const target = box.querySelector(`[name="${input.dataset.target}"]`);
  const status = el('p', { class: 'hint', role: 'status' });
  const preview = el('img', { class: 'editor-preview', alt: t('image_preview') });
  const clear = el('button', { type: 'button', class: 'small', text: t('image_remove') });
  const draw = () => {
    preview.hidden = clear.hidden = !target.value;
    if (target.value) preview.src = `/r/${encodeURIComponent(data.code)}/images/${target.value}`;
  };
  clear.addEventListener('click', () => { target.value = ''; input.value = ''; status.textContent = ''; draw(); input.focus(); });
  input.addEventListener('change', async () => {
    const file = input.files[0];
    if (!file) return;
    status.textContent = t('image_uploading');
    try {
      const response = await fetch(data.images_api, {
        method: 'POST', body: file, credentials: 'same-origin',
        headers: { 'Content-Type': file.type || 'application/octet-stream', 'X-CSRF-Token': data.csrf },
      });
      let payload = {};
      try { payload = await response.json(); } catch { /* empty body */ }
      if (!response.ok) throw new Error(payload.message || t('error'));
      target.value = payload.image;
      status.textContent = t('image_ready');
    } catch (e) {
      input.value = '';
      status.textContent = e.message;
    }
    draw();
  });
  input.after(status, preview, clear);
  draw();
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

// The editor is a modal <dialog>: the page behind it is inert, Escape closes it, and focus goes back to the
// button that opened it.
let opener = null;
function openEditor(id, from) {
  const question = id === null ? null : room.questions.find((q) => q.id === id);
  const form = document.getElementById('editor-form');
  const typeSelect = form.elements.type;
  const prompt = form.elements.prompt;
  const slot = document.getElementById('editor-fields');
  const message = document.getElementById('editor-error');
  message.textContent = '';
  message.hidden = true;
  document.getElementById('editor-title').textContent = question ? t('edit_question') : t('add_question');
  typeSelect.value = question ? question.type : 'choice';
  prompt.value = question ? question.prompt : '';
  form.elements.allow_change.checked = question ? question.settings.allow_change : true;
  // (a question saved before these settings existed has none of them)
  form.elements.timer.value = String((question && question.settings.timer) ?? 0);
  form.elements.planned_minutes.value = String((question && question.settings.planned_minutes) ?? 0);
  form.elements.notes.value = (question && question.settings.notes) ?? '';
  const draw = () => show(slot, fields(typeSelect.value, question && question.type === typeSelect.value ? question.settings : {}));
  typeSelect.onchange = draw;
  draw();
  form.onsubmit = async (event) => {
    event.preventDefault();
    const body = {
      type: typeSelect.value, prompt: prompt.value, allow_change: form.elements.allow_change.checked,
      timer: wholeNumber(form.elements.timer.value), planned_minutes: wholeNumber(form.elements.planned_minutes.value),
      notes: form.elements.notes.value, ...read(slot),
    };
    for (const k of Object.keys(body)) if (body[k] === undefined) delete body[k];
    try {
      if (question) {
        if (!await save(question.id, body)) return;
      } else await api('POST', '', body);
      editor.close();
    } catch (e) {
      message.textContent = e.message;
      message.hidden = false;
    }
  };
  opener = from;
  editor.showModal();
  prompt.focus();
}

editor.addEventListener('close', () => {
  if (opener && opener.isConnected) opener.focus();
  else focusOn(document.getElementById('deck-title'));
  opener = null;
});
document.getElementById('editor-cancel').addEventListener('click', () => editor.close());
/** Tab goes round inside a dialog (a modal <dialog> would let it leave for the browser's own bar). */
function keepTab(dialog) {
  dialog.addEventListener('keydown', (event) => {
    if (event.key !== 'Tab') return;
    const stops = [...dialog.querySelectorAll('input, select, textarea, button')].filter((node) => !node.disabled && node.offsetParent !== null);
    const [first, last] = [stops[0], stops[stops.length - 1]];
    if (event.shiftKey && (document.activeElement === first || !dialog.contains(document.activeElement) || document.activeElement.tabIndex < 0)) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) { event.preventDefault(); first.focus(); }
  });
}
keepTab(editor);
// -- the report (verslag): its details, its downloads, and the themes of open answers ---------------------------

const report = document.getElementById('report');

/** The report action waiting for the server's answer: every console of the room is told when details or themes
    are saved (a `details` or `themes` message); a refusal comes back as an `error` to this console only. */
let pending = null;
const ANSWER_MS = 15000; // no answer this long (the wifi went): say so, rather than wait for ever

/** Send an action, resolved when the server says it is done, rejected with the refusal's message when it is not. */
function request(type, params) {
  if (pending) pending.refused(t('error'));
  return new Promise((resolve, reject) => {
    const mine = {
      type,
      done: () => { clearTimeout(mine.timer); pending = null; resolve(); },
      refused: (message) => { clearTimeout(mine.timer); pending = null; reject(new Error(message)); },
      timer: setTimeout(() => mine.refused(t('offline')), ANSWER_MS),
    };
    pending = mine;
    if (!socket.send({ type, ...params })) mine.refused(t('offline'));
  });
}

/** The server saved details or themes (from this console, or another one of the room's). */
function reportDone(message) {
  if (pending && pending.type === message.type) pending.done();
  if (message.type === 'details' && !detailsEdited) { // never over what the facilitator is typing
    for (const [key, value] of Object.entries(message.details)) detailsForm.elements[key].value = value;
  }
}

/** Say how an action ended: in the page's live region, and a refusal also beside the form it came from. */
function outcome(box, promise, success) {
  box.hidden = true;
  announce(t('saving'));
  return promise.then(() => { announce(success); return true; }, (e) => {
    box.textContent = e.message;
    box.hidden = false;
    announce(e.message);
    return false;
  });
}

const detailsForm = document.getElementById('details-form');
let detailsEdited = false; // typed in since the last save
detailsForm.addEventListener('input', () => { detailsEdited = true; });
detailsForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const f = detailsForm.elements;
  const details = { place: f.place.value, facilitator: f.facilitator.value, date: f.date.value, timezone: f.timezone.value.trim() };
  detailsEdited = false; // the server's answer shows the values as saved (spaces tidied)
  outcome(document.getElementById('details-error'), request('details', details), t('details_saved'));
});

// -- at the participants' own pace: start, deadline, results published, what came of it ----------------------

const consultationForm = document.getElementById('consultation-form');
let consultationEdited = false; // typed in since the last save: the server's values never overwrite it
consultationForm.addEventListener('input', () => { consultationEdited = true; });
consultationForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const f = consultationForm.elements;
  const settings = { pace: f.pace.checked ? 'self' : 'live', starts: f.starts.value, ends: f.ends.value,
    published: f.published.checked, outcome: f.outcome.value };
  consultationEdited = false;
  outcome(document.getElementById('consultation-error'), request('consultation', settings), t('consultation_saved'));
});

/** The room's consultation as saved (by this console or another): into the form, unless it is being edited. */
function consultationDone(saved) {
  if (pending && pending.type === 'consultation') pending.done();
  if (!saved || consultationEdited) return;
  const f = consultationForm.elements;
  f.pace.checked = saved.pace === 'self';
  f.starts.value = saved.starts;
  f.ends.value = saved.ends;
  f.published.checked = saved.published;
  f.outcome.value = saved.outcome;
}

const floorForm = document.getElementById('floor-form');
let floorEdited = false;
floorForm.addEventListener('input', () => { floorEdited = true; });
floorForm.addEventListener('submit', (event) => {
  event.preventDefault();
  floorEdited = false;
  const floor = Number(floorForm.elements.floor.value);
  outcome(document.getElementById('floor-error'), request('privacy_floor', { floor }), t('floor_saved'));
});
function floorDone(floor) {
  if (pending && pending.type === 'privacy_floor') pending.done();
  if (floor !== undefined && !floorEdited) floorForm.elements.floor.value = String(floor);
}

const compareCode = document.getElementById('report-compare');
const reportWith = document.getElementById('report-with');
/** The report links carry the other session's code: to compare with (`?compare=`) or to count together with. */
function linkReports() {
  const code = compareCode.value.replace(/\D/g, '');
  const how = reportWith.querySelector(':checked').value;
  for (const link of report.querySelectorAll('a.report-link')) {
    link.href = link.dataset.href + (code ? `?${how}=${encodeURIComponent(code)}` : '');
  }
}
compareCode.addEventListener('input', linkReports);
reportWith.addEventListener('change', linkReports);

const chartList = document.getElementById('chart-list');
const themeQuestions = document.getElementById('theme-questions');
let reportDrawn = '';
/** The chart links and the theme buttons, numbered as the report numbers its questions (those that take answers or
    questions from the room: all but slides).
    Redrawn only when what they show changes: questions change state often, and a redrawn button loses focus. */
function drawReport() {
  const answerable = room.questions.filter((q) => !data.passive.includes(q.type));
  const numbered = answerable.map((q, i) => ({ q, n: i + 1 }));
  const shape = JSON.stringify(numbered.map(({ q }) => [q.id, q.type, q.round, q.prompt]));
  if (shape === reportDrawn) return;
  reportDrawn = shape;
  const charts = numbered.filter(({ q }) => data.charted.includes(q.type)).map(({ q, n }) => {
    const url = `${chartList.dataset.base}${n}-${q.round}`;
    return el('li', {},
      el('span', { id: `chart-${n}`, lang: roomLang, text: `${n}. ${q.prompt}` }), ' ',
      el('a', { href: `${url}.png`, 'aria-describedby': `chart-${n}`, text: 'PNG' }), ' · ',
      el('a', { href: `${url}.svg`, 'aria-describedby': `chart-${n}`, text: 'SVG' }));
  });
  show(chartList, charts.length ? charts : el('li', { text: t('no_charts') }));
  const open = numbered.filter(({ q }) => data.themed.includes(q.type)).map(({ q, n }) => el('li', {},
    el('button', { type: 'button', class: 'small', 'data-question': String(q.id),
      text: t('edit_themes_of', { prompt: `${n}. ${q.prompt}` }), onclick: (event) => openThemes(q, n, event.currentTarget) })));
  show(themeQuestions, open.length ? open : el('li', { class: 'hint', text: t('no_open') }));
}

// The theme editor: a modal <dialog> over a copy of the round's grouping. Only the facilitator's own moves redraw
// it; the room's live messages never touch it, so nothing typed there is lost.
const themes = document.getElementById('themes');
const themesForm = document.getElementById('themes-form');
const themesList = document.getElementById('themes-list');
const themesError = document.getElementById('themes-error');
const themesState = document.getElementById('themes-state');
let editing = null; // { question, round, groups: [{ name, items: [{ card, text }] }] }
let themesOpener = null;
let made = 0; // new themes made in this editor, for their names

async function loadThemes() {
  themesState.textContent = t('themes_loading');
  show(themesList);
  const response = await fetch(`${data.report}/themes/${editing.question.id}/${editing.round}`, { credentials: 'same-origin' });
  let payload = {};
  try { payload = await response.json(); } catch { /* empty body */ }
  if (!response.ok) throw new Error(payload.message || t('error'));
  editing.groups = payload.themes.map((g) => ({ name: g.name, items: [...g.items] }));
  themesState.textContent = !editing.groups.length ? t('themes_none') : t(payload.corrected ? 'themes_corrected' : 'themes_automatic');
  drawThemes();
}

const themeLabel = (group, index) => group.name.trim() || t('theme_name', { n: index + 1 });

function drawThemes(focus = null) {
  const groups = editing.groups = editing.groups.filter((g) => g.items.length); // an emptied theme goes
  const max = themesList.dataset.max;
  show(themesList, groups.map((group, gi) => {
    const name = el('input', { id: `theme-${gi}`, class: 'theme-name', value: group.name, maxlength: max, required: true,
      oninput: (event) => { group.name = event.target.value; } });
    const others = groups.map((g, i) => [g, i]).filter(([g]) => g !== group);
    const answers = group.items.map((item, ii) => {
      const id = `theme-${gi}-${ii}`;
      const target = el('select', { id: `${id}-to`, 'aria-describedby': `${id}-text` },
        el('option', { value: '', text: t('stays') }),
        others.map(([g, i]) => el('option', { value: String(i), text: themeLabel(g, i) })),
        el('option', { value: 'new', text: t('new_theme') }));
      const move = () => {
        if (!target.value) return;
        group.items.splice(group.items.indexOf(item), 1);
        const to = target.value === 'new' ? { name: t('new_theme_name', { n: ++made }), items: [] } : groups[Number(target.value)];
        if (target.value === 'new') groups.push(to);
        to.items.push(item);
        announce(t('moved', { name: to.name }));
        drawThemes({ group: to, item: target.value === 'new' ? null : item });
      };
      return el('li', { class: 'theme-answer' },
        el('p', { id: `${id}-text`, class: 'theme-text', lang: roomLang, text: item.text }),
        el('div', { class: 'theme-tools' },
          el('label', { for: `${id}-to`, text: t('move_to') }), target,
          el('button', { type: 'button', class: 'small', text: t('move'), onclick: move })));
    });
    const into = el('select', { id: `theme-${gi}-merge` },
      el('option', { value: '', text: '–' }), others.map(([g, i]) => el('option', { value: String(i), text: themeLabel(g, i) })));
    const merge = () => {
      if (!into.value) return;
      const to = groups[Number(into.value)];
      to.items.push(...group.items);
      group.items = [];
      announce(t('merged', { name: to.name }));
      drawThemes({ group: to });
    };
    return el('li', { class: 'theme' },
      el('label', { for: `theme-${gi}`, text: t('theme_name', { n: gi + 1 }) }), name,
      el('p', { class: 'hint', text: t('theme_answers', { n: group.items.length }) }),
      el('ul', { class: 'theme-answers' }, answers),
      others.length ? el('div', { class: 'theme-tools' },
        el('label', { for: `theme-${gi}-merge`, text: t('merge_with') }), into,
        el('button', { type: 'button', class: 'small', text: t('merge'), onclick: merge })) : null);
  }));
  if (!focus) return;
  const gi = editing.groups.indexOf(focus.group);
  const ii = focus.item ? focus.group.items.indexOf(focus.item) : -1;
  const node = document.getElementById(ii >= 0 ? `theme-${gi}-${ii}-to` : `theme-${gi}`);
  if (node) { node.focus(); if (node.select) node.select(); }
}

function openThemes(question, number, from) {
  editing = { question, round: question.round, groups: [] };
  made = 0;
  themesOpener = from;
  themesError.hidden = true;
  document.getElementById('themes-question').textContent = `${number}. ${question.prompt}`;
  document.getElementById('themes-question').lang = roomLang || '';
  themes.showModal();
  focusOn(document.getElementById('themes-title'));
  loadThemes().catch((e) => { themesState.textContent = e.message; });
}

async function saveThemes(groups, success) {
  const { question, round } = editing;
  if (!await outcome(themesError, request('themes', { question: question.id, round, groups }), success)) return;
  if (editing && editing.question === question) await loadThemes().catch((e) => { themesState.textContent = e.message; });
}

themesForm.addEventListener('submit', (event) => {
  event.preventDefault();
  if (!editing) return;
  const groups = editing.groups.filter((g) => g.items.length).map((g) => ({ name: g.name, items: g.items.map((i) => i.card) }));
  saveThemes(groups, t('themes_saved'));
});
document.getElementById('themes-auto').addEventListener('click', () => {
  if (editing && confirm(t('themes_auto_confirm'))) saveThemes(null, t('themes_auto'));
});
document.getElementById('themes-close').addEventListener('click', () => themes.close());
themes.addEventListener('close', () => {
  editing = null;
  if (themesOpener && themesOpener.isConnected) themesOpener.focus();
  else focusOn(document.getElementById('report-title'));
  themesOpener = null;
});
keepTab(themes);

document.getElementById('add-question').addEventListener('click', (event) => openEditor(null, event.currentTarget));
document.getElementById('delete-room').addEventListener('submit', (event) => {
  if (!confirm(event.currentTarget.dataset.confirm)) event.preventDefault();
});

// Shortcuts act only when no control has the key: in a field a key types, on a button Space and Enter press it.
document.addEventListener('keydown', (event) => {
  if (editor.open || themes.open || event.repeat || event.ctrlKey || event.metaKey || event.altKey) return; // held: once
  if (event.target.closest('input, textarea, select, button, a, summary, [contenteditable], [role="button"]')) {
    if (event.key === ' ' || event.key === 'Enter' || event.target.closest('input, textarea, select')) return;
  }
  if (event.key === 'ArrowRight') act('next');
  else if (event.key === 'ArrowLeft') act('prev');
  else if (event.key === ' ') toggle('open');
  else if (event.key === 'Enter') toggle('projector');
  else return;
  event.preventDefault();
});

render(new Set(['question', 'results', 'questions', 'counts']));
