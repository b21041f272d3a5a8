// The projector: the current question large, results as they arrive (or only how many answered while
// results are hidden), the way to join always in view. Keys: F fullscreen, Q large QR code.
import { connect } from './socket.js';
import { apply, createRoom, key } from './state.js';
import { compared, updateCompared } from './compare.js';
import { symbolOf } from './reactions.js';
import { countdown } from './timer.js';
import { ready } from './types/index.js';
import { answersText, data, el, roomLang, show, t, turnoutText } from './util.js';
import { drawGroups } from './groups.js';

const stage = document.getElementById('stage');
const banner = document.getElementById('connection');
const room = createRoom('projector');
const clock = countdown(document.getElementById('timer'));
let types = {}; // the renderers, once loaded: the socket does not wait for them
let final = false;

ready.then((loaded) => { types = loaded; render(); });

connect(data.ws, {
  onMessage(message) {
    if (message.type === 'reactions') { bubbles(message.counts); return; }
    const changed = apply(room, message);
    const q = room.question;
    clock(q && q.status === 'open' ? q.closes_ms : null, room.offset);
    if (changed.has('lang') && room.lang !== data.room_lang) location.reload(); // to speak the room's language
    else if (changed.size) render();
  },
  onStatus: (status) => { banner.hidden = status === 'online'; },
  onFinal: () => { final = true; show(stage, el('h1', { class: 'prompt', text: t('room_gone') })); },
});

// Results are drawn once per question and round, then updated in place by the type's renderer, so bar widths
// glide (CSS transitions) instead of the screen flashing.
let drawn = null;
function render() {
  if (final) return;
  const q = room.question;
  if (!q) {
    drawn = null;
    show(stage, el('div', { class: 'idle' }, el('h1', { class: 'prompt', lang: roomLang, text: data.title || '' }), el('p', { text: t('waiting') })));
    fit(true);
    return;
  }
  const type = types[q.type];
  if (!type) return;
  if (data.passive.includes(q.type)) { // a content slide: its text and image, no answers to count
    const same = drawn && drawn.key === key(q) && drawn.prompt === q.prompt && drawn.passive;
    if (same) type.update(drawn.body, q);
    else {
      const body = type.results(q, null);
      show(stage, el('h1', { class: 'prompt', lang: roomLang, text: q.prompt }), el('div', { class: 'stage-results' }, body));
      drawn = { key: key(q), prompt: q.prompt, passive: true, body };
    }
    fit(!same);
    return;
  }
  const answers = type.count ? type.count(room.answers) : answersText(room.answers); // a Q&A counts questions
  const count = room.turnout ? `${answers} · ${turnoutText(room.turnout)}` : answers; // the hall sees the turnout
  const earlier = room.results && room.earlier;
  const same = drawn && !drawn.passive && drawn.key === key(q) && drawn.status === q.status && drawn.prompt === q.prompt
    && drawn.earlier === Boolean(earlier);
  if (same && drawn.shown && room.results) {
    if (earlier) updateCompared(drawn.body, type, q, earlier, room.results);
    else type.update(drawn.body, q, room.results);
    drawGroups(drawn.byGroup, type, q, room.results);
    drawn.count.textContent = count;
    fit(false);
    return;
  }
  if (same && !drawn.shown && !room.results) {
    drawn.body.textContent = room.answers ? t('results_hidden') : t('no_answers');
    drawn.count.textContent = count;
    return;
  }
  const body = room.results
    ? (earlier ? compared(type, q, earlier, room.results) : type.results(q, room.results))
    : el('p', { class: 'hidden-results', text: room.answers ? t('results_hidden') : t('no_answers') });
  const counter = el('p', { class: 'count', text: count });
  const status = q.status === 'closed' ? el('p', { class: 'status', text: t('closed') }) : null;
  const byGroup = el('section', { class: 'by-group', hidden: true });
  drawGroups(byGroup, type, q, room.results);
  show(stage, el('h1', { class: 'prompt', lang: roomLang, text: q.prompt }), status,
    el('div', { class: 'stage-results' }, body), byGroup, counter);
  drawn = { key: key(q), status: q.status, prompt: q.prompt, shown: Boolean(room.results), earlier: Boolean(earlier), body, count: counter, byGroup };
  fit(true); // drawn anew (another question, results shown or hidden, closed): start large again
}

// Reactions rise for a few seconds beside the results: a symbol and how many tapped it in the last second. Never
// more than a handful at once, and only decoration (the console has the counts in words).
const bubbleLayer = document.getElementById('reactions');
function bubbles(counts) {
  for (const [kind, count] of Object.entries(counts)) {
    while (bubbleLayer.childElementCount >= 8) bubbleLayer.firstElementChild.remove();
    const bubble = el('span', { class: `bubble bubble-${kind}` }, el('span', { text: symbolOf(kind) }), count > 1 && el('span', { class: 'bubble-count', text: `×${count}` }));
    bubble.style.setProperty('--x', `${Math.round(Math.random() * 60)}%`);
    bubbleLayer.append(bubble);
    setTimeout(() => bubble.remove(), 3500);
  }
}

// Results fit the screen by themselves: the stage's text starts large (three options fill the screen for the back of
// the hall) and shrinks, down to about a third, until nothing is cut off, so 12 options or 40 cards need no
// scrolling at 1280x720. A new question starts large again; while votes come in the size only shrinks, so the
// screen does not pulse.
const LARGEST = 1.5;
const SMALLEST = 0.45;
let scale = LARGEST;
function fit(restart) {
  if (restart) scale = LARGEST;
  stage.style.setProperty('--fit', String(scale));
  while (stage.scrollHeight > stage.clientHeight + 1 && scale > SMALLEST) {
    scale = Math.max(SMALLEST, Math.round((scale - 0.05) * 100) / 100);
    stage.style.setProperty('--fit', String(scale));
  }
}
window.addEventListener('resize', () => fit(true));

document.addEventListener('keydown', (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.key === 'f' || event.key === 'F') {
    if (document.fullscreenElement) document.exitFullscreen();
    else document.documentElement.requestFullscreen().catch(() => {});
  } else if (event.key === 'q' || event.key === 'Q') {
    document.body.classList.toggle('big-join');
    fit(true);
  }
});

// The key hint is for whoever runs the laptop, not for the hall: it shows for a few seconds when the mouse moves.
const keys = document.getElementById('keys');
let hideKeys = null;
document.addEventListener('mousemove', () => {
  keys.hidden = false;
  clearTimeout(hideKeys);
  hideKeys = setTimeout(() => { keys.hidden = true; }, 3000);
});

render();
