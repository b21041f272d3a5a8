// The participant's phone: the current question, one tap to answer, "received", results when shown.
// A vote is kept (also across reloads) until the server acknowledges it, and sent again after a reconnect; it
// carries the question's round, so a vote for a round the facilitator has restarted is refused, never "received".
//
// The screen is drawn in parts, each only when what it shows changed: the answer area when the question, its
// round or status, or the participant's own answer changes; results in place. So a facilitator hiding a card or
// another participant's vote never wipes what someone is typing, clears a selection or closes the keyboard.
import { connect } from './socket.js';
import { apply, createRoom, key } from './state.js';
import { compared, updateCompared } from './compare.js';
import { REACTIONS } from './reactions.js';
import { countdown } from './timer.js';
import { ready } from './types/index.js';
import { announce, answersText, data, el, focusOn, randomId, roomLang, setRoomLang, show, t } from './util.js';

const main = document.getElementById('phone');
const clock = countdown(document.getElementById('timer'), { speak: true });

// Reactions: one tap each, at most one a second per phone (a held finger is not a storm); the buttons stay the same
// elements, so focus and a half-pressed button are never lost.
const reactionBar = document.getElementById('reactions');
let reactedAt = 0;
reactionBar.append(...REACTIONS.map(({ kind, symbol, label }) => el('button', {
  type: 'button', class: 'reaction secondary',
  onclick: (event) => {
    if (Date.now() - reactedAt < 1000) return;
    reactedAt = Date.now();
    socket.send({ type: 'react', reaction: kind });
    const button = event.currentTarget;
    button.classList.add('sent');
    setTimeout(() => button.classList.remove('sent'), 600);
  },
}, el('span', { class: 'reaction-symbol', 'aria-hidden': 'true', text: symbol }), el('span', { class: 'reaction-label', text: t(label) }))));
const banner = document.getElementById('connection');
const PENDING = `lab:pending:${data.code}:${data.who}`; // each participant's own: a shared phone, a kiosk

const room = createRoom('phone');
const me = {
  answers: {}, // "id:round" -> my stored answer
  upvoted: {}, // "id:round" -> the items (ideas) I upvoted
  score: null, // after a quiz question: my points for it, my total and my place
  held: {}, // "id:round" -> true while my answer waits for the facilitator's approval
  removed: false, // the facilitator removed me from the room
  nickname: '',
  editing: false,
  error: '',
  final: null,
  online: false,
};

const load = (name) => { try { return JSON.parse(localStorage.getItem(name)) || {}; } catch { return {}; } };
const save = (name, value) => { try { localStorage.setItem(name, JSON.stringify(value)); } catch { /* private mode */ } };
const savePending = (p) => save(PENDING, p);
let pending = load(PENDING); // question id -> vote message not yet acknowledged

// The Q&A ("board"): the room's Q&A that takes questions now, current or not, drawn in its own part of the page, so
// nothing about the current question redraws it. Questions sent and not yet received are kept like votes.
const ASKS = `lab:asks:${data.code}:${data.who}`;
const asks = load(ASKS); // id -> ask message not yet received by the server
const boardPart = document.getElementById('board');
const board = { data: null, mine: new Map(), upvoted: new Set(), view: null };
let types = {}; // the renderers, once loaded: the socket does not wait for them, the answer area does

const socket = connect(data.ws, {
  onMessage: receive,
  onStatus: (status) => { me.online = status === 'online'; drawBanner(); },
  onFinal: (reason) => { me.final = me.final === 'code' ? 'code' : reason; render(); }, // 'code': to the form
});
ready.then((loaded) => { types = loaded; render(); });

/** Forget a pending vote (acknowledged, refused, or for a round that has passed). */
function settle(question) {
  delete pending[question];
  savePending(pending);
}

function receive(message) {
  const before = key(shown());
  const changed = apply(room, message);
  if (changed.has('lang')) setRoomLang(room.lang);
  if (message.consultation) setPaced(message.consultation, message.paced);
  const q = shown();
  // a live question's countdown; at the own pace the deadline is said in words instead
  clock(q && !paced.on && q.status === 'open' ? q.closes_ms : null, room.offset);
  switch (message.type) {
    case 'consultation':
      break;
    case 'snapshot':
      me.nickname = message.nickname || '';
      if (paced.on) {
        for (const [id, value] of Object.entries(message.paced.answers || {})) {
          const question = paced.questions.find((p) => String(p.id) === id);
          if (question) me.answers[key(question)] = value;
        }
        if (!paced.placed) { paced.index = firstUnanswered(); paced.placed = true; } // go on where one stopped
      } else if (q) {
        if (message.answer !== null) me.answers[key(q)] = message.answer;
        else delete me.answers[key(q)];
        me.held[key(q)] = message.answer_status === 'pending';
      }
      if (q) me.upvoted[key(q)] = new Set(message.upvoted || []);
      me.score = message.score || null;
      setBoard(message.board);
      board.mine = new Map(((message.board && message.board.mine) || []).map((p) => [p.post, p]));
      board.upvoted = new Set((message.board && message.board.upvoted) || []);
      resend();
      break;
    case 'board':
      setBoard(message.board);
      break;
    case 'asked':
      delete asks[message.id];
      save(ASKS, asks);
      board.mine.set(message.post.post, message.post);
      if (board.view) board.view.said(message.post.status === 'pending' ? t('qa_held') : t('qa_sent'));
      break;
    case 'score': // a quiz question closed: how I did
      me.score = message;
      break;
    case 'post': // the facilitator approved or hid my question
      board.mine.set(message.post.post, message.post);
      break;
    case 'upvoted': { // a Q&A's question, or an idea of the current question
      const onBoard = board.data && key(board.data.question) === `${message.question}:${message.round}`;
      const set = onBoard ? board.upvoted : upvotedFor(`${message.question}:${message.round}`);
      if (message.up) set.add(message.item);
      else set.delete(message.item);
      break;
    }
    case 'state':
      if (key(q) !== before) {
        me.editing = false;
        me.error = '';
      }
      if (q && pending[q.id] && pending[q.id].round !== q.round) settle(q.id); // started again: that round is over
      break;
    case 'ack': {
      const vote = pending[message.question];
      if (vote && vote.id === message.id) settle(message.question);
      me.answers[`${message.question}:${message.round}`] = message.value;
      me.held[`${message.question}:${message.round}`] = message.status === 'pending';
      delete unsent[`${message.question}:${message.round}`]; // stored: nothing is left unsent
      if (key(q) === `${message.question}:${message.round}`) {
        me.editing = false;
        me.error = '';
      }
      break;
    }
    case 'moderated': // the facilitator approved or hid my answer
      me.held[`${message.question}:${message.round}`] = message.status === 'pending';
      break;
    case 'error':
      if (message.id && asks[message.id]) { // a question that was not taken: back in the form, and why
        const ask = asks[message.id];
        if (message.error === 'server_error' || message.error === 'unavailable') {
          setTimeout(() => { if (asks[ask.id]) socket.send(ask); }, 500 + Math.random() * 1000);
          break;
        }
        delete asks[message.id];
        save(ASKS, asks);
        if (board.view) { board.view.restore(ask.text); board.view.said(message.message); }
        break;
      }
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
      me.error = message.message;
      if (message.error === 'removed') me.removed = message.message;
      if (message.error === 'code_needed') { me.removed = message.message; me.final = 'code'; }
      break;
    default:
      if (!changed.size) return;
  }
  render();
}

/** After (re)connecting: send what was not acknowledged, if its question is still current, open and in the same
    round; the server acknowledges a vote it stored before the connection broke, and never one it has not. */
function resend() {
  const open = board.data && board.data.question.status !== 'closed' ? board.data.question : null;
  for (const ask of Object.values(asks)) {
    if (open && ask.question === open.id) socket.send(ask); // the server knows a question it received before
    else {
      delete asks[ask.id];
      if (board.view) board.view.restore(ask.text);
    }
  }
  save(ASKS, asks);
  const questionFor = (id) => (paced.on ? paced.questions.map(withStatus).find((p) => String(p.id) === id) : room.question);
  for (const [question, vote] of Object.entries(pending)) {
    const q = questionFor(question);
    const current = q && String(q.id) === question && q.status === 'open' && q.round === vote.round;
    if (current) socket.send(vote);
    else {
      delete pending[question];
      me.error = t('not_sent'); // the banner said it would be sent: say that it could not be, and why
    }
  }
  savePending(pending);
}

function submit(value) {
  const q = shown();
  const vote = { type: 'vote', id: randomId(), question: q.id, round: q.round, value };
  pending[q.id] = vote;
  const filled = fields(parts.answer);
  if (filled.length) unsent[key(q)] = filled; // shown again if it is refused; forgotten when it is acknowledged
  savePending(pending);
  me.error = '';
  socket.send(vote); // if offline, it goes out after the reconnect
  render();
}

const upvotedFor = (k) => (me.upvoted[k] = me.upvoted[k] || new Set());

/** The Q&A that takes questions now: my own questions and upvotes belong to one Q&A and round. */
function setBoard(next) {
  const was = board.data && key(board.data.question);
  board.data = next;
  if (!next || key(next.question) !== was) {
    board.mine = new Map();
    board.upvoted = new Set();
  }
}

function ask(text, named) {
  const q = board.data.question;
  const message = { type: 'ask', id: randomId(), question: q.id, text, named };
  asks[message.id] = message;
  save(ASKS, asks);
  socket.send(message); // if offline, it goes out after the reconnect
  render();
}

/** Upvote an item of question `q` (a Q&A's question, an idea), or take the upvote back; false when offline. */
const upvote = (q, item, up) => socket.send({ type: 'upvote', question: q.id, round: q.round, item, up });

function drawBoard() {
  const b = board.data;
  const type = b && types[b.question.type];
  boardPart.hidden = !b || !type || Boolean(me.final);
  if (boardPart.hidden) return;
  if (!board.view) {
    board.view = type.board({
      onAsk: ask,
      onUpvote: (item, up) => { if (!upvote(board.data.question, item, up)) board.view.said(t('offline')); },
    });
    show(boardPart, board.view.node);
  }
  const q = b.question;
  board.view.update({
    question: q,
    results: b.results,
    mine: [...board.mine.values()].filter((p) => p.question === q.id && p.round === q.round),
    upvoted: board.upvoted,
    unsent: Object.values(asks).filter((a) => a.question === q.id),
    current: Boolean(room.question && room.question.id === q.id),
    nickname: me.nickname,
  });
}

function drawBanner() {
  banner.hidden = me.online;
  const kept = shown() && pending[shown().id];
  const text = t(kept ? 'offline_kept' : 'offline');
  if (banner.textContent !== text) banner.textContent = text;
}

// -- drawing ---------------------------------------------------------------------------------------------------

let view = null; // what the page shows now: 'final', 'waiting' or 'question'
let parts = null; // the question view's parts
let drawn = { answer: null, results: null }; // what the answer area and the results were drawn for

function render() {
  drawBanner();
  drawBoard();
  reactionBar.hidden = Boolean(me.final) || !me.online || paced.on; // reactions are for a hall, not a consultation
  if (me.final) {
    // ended, removed by the facilitator, or a page without its grant
    const text = me.final === 'gone' ? t('room_gone') : me.removed || t('page_stale');
    if (view !== 'final') {
      // a room that asks for member codes now: the page itself shows the form for the code
      const go = me.final === 'code' ? el('a', { class: 'button big', href: location.pathname, text: t('enter_code') }) : null;
      show(main, el('section', { class: 'screen-message' }, el('h1', { text, tabindex: '-1' }), go));
      focusOn(main.querySelector('h1'));
    }
    view = 'final';
    return;
  }
  if (paced.on && (paced.index >= paced.questions.length || beforeStart())) {
    drawPacedEnd();
    return;
  }
  const q = shown();
  if (!q) {
    if (view !== 'waiting' || main.dataset.drawn !== (consultation.outcome || '')) { // never over a name being typed
      main.dataset.drawn = consultation.outcome || '';
      const had = main.contains(document.activeElement);
      show(main, waiting(), outcome());
      if (view === 'question' && had) focusOn(main.querySelector('h1'));
      if (view === 'question') announce(t('waiting'));
    }
    view = 'waiting';
    return;
  }
  const type = types[q.type];
  if (!type) return; // its renderer is still loading
  if (view !== 'question') {
    parts = {
      prompt: el('h1', { class: 'prompt', id: 'prompt', tabindex: '-1', lang: roomLang }),
      notice: el('p', { class: 'notice', role: 'alert', hidden: true }),
      answer: el('div', { class: 'answer' }),
      results: el('section', { class: 'results', 'aria-labelledby': 'results-title', hidden: true }),
      nav: el('nav', { class: 'paced-nav', 'aria-label': t('paced_nav') }),
    };
    show(main, parts.prompt, parts.notice, parts.answer, parts.results, parts.nav);
    drawn = { answer: null, results: null };
  }
  view = 'question';
  if (parts.prompt.textContent !== q.prompt) parts.prompt.textContent = q.prompt;
  parts.notice.hidden = !me.error;
  if (parts.notice.textContent !== me.error) parts.notice.textContent = me.error;
  drawAnswer(q, type);
  drawResults(q, type);
  drawNav();
}

/** The answer area: what the participant can do now. Drawn again only when that changes. */
function drawAnswer(q, type) {
  const mine = me.answers[key(q)];
  const sending = Boolean(pending[q.id]);
  const received = mine !== undefined && !me.editing && !sending;
  // whether my answer waits for approval shows only with "received": it never redraws a form being filled in
  const held = received && Boolean(me.held[key(q)]);
  const score = me.score && `${me.score.question}:${me.score.round}` === key(q) ? me.score : null;
  const signature = JSON.stringify([key(q), q.status, q.prompt, q.settings, mine, held, me.editing, sending, score]);
  if (drawn.answer && drawn.answer.signature === signature) return;
  const before = drawn.answer;
  const hadFocus = parts.answer.contains(document.activeElement);
  const typed = before ? fields(parts.answer) : null; // what was being filled in, not sent (yet)
  if (typed && !sending && typed.some((f) => f.value.trim() || f.checked)) unsent[before.key] = typed;
  let focus = null;
  if (data.passive.includes(q.type)) {
    show(parts.answer, type.input(q, {})); // a content slide: nothing to answer, open or closed
  } else if (type.verdict && q.status === 'closed' && q.settings.correct) { // a quiz, closed: who was right
    const box = type.verdict(q, mine, score, me.nickname);
    show(parts.answer, box);
    if (before && before.key === key(q) && !before.verdict) focus = box;
  } else if (sending) {
    show(parts.answer, el('p', { class: 'status sending', text: t('sending') }));
  } else if (received) {
    const box = el('div', { class: 'received', tabindex: '-1' },
      el('p', { class: 'received-title', text: t('received') }),
      el('p', { class: 'received-answer', text: type.describe(q, mine) }),
      held && el('p', { class: 'held', text: t('held') }));
    show(parts.answer, box,
      q.status === 'open' && q.settings.allow_change && el('button', {
        type: 'button', class: 'big secondary', text: t('change'), onclick: () => { me.editing = true; render(); },
      }));
    if (before && before.key === key(q) && !before.received) focus = box; // just answered: say so
  } else if (q.status === 'open') {
    show(parts.answer, type.input(q, { answer: mine, onSubmit: submit, labelledBy: 'prompt' }));
    if (unsent[key(q)]) restore(parts.answer, unsent[key(q)]); // refused, or answering was closed meanwhile
    if (me.editing && before && before.received) {
      // the earlier answer, or else the first thing to answer with
      focus = ['.chosen', 'input:checked', 'textarea, input, button'].map((s) => parts.answer.querySelector(s)).find(Boolean);
    }
  } else {
    show(parts.answer, el('p', { class: 'status', text: t('closed') }),
      unsent[key(q)] && el('p', { class: 'notice', text: t('closed_unsent') }));
    if (before && before.key === key(q) && before.status === 'open') announce(t('closed'));
  }
  const arrived = !before || before.key !== key(q);
  if (arrived && before) focus = parts.prompt; // a new question: go to it (the first one on loading, too)
  if (arrived && !before && document.activeElement === document.body) focus = parts.prompt;
  if (!focus && hadFocus && !parts.answer.contains(document.activeElement)) focus = parts.prompt; // never on body
  drawn.answer = { signature, key: key(q), status: q.status, received, verdict: Boolean(type.verdict && q.status === 'closed' && q.settings.correct) };
  focusOn(focus);
}

// What a participant filled in and has no acknowledgement for, per question and round: what was sent and refused,
// or what was being typed when answering closed (or the facilitator moved on). It is filled in again when the
// answer form is drawn anew, and forgotten once an answer is stored.
const unsent = {};
const fields = (area) => [...area.querySelectorAll('input, textarea')].map((f) => ({ value: f.value, checked: f.checked }));
function restore(area, saved) {
  const now = [...area.querySelectorAll('input, textarea')];
  if (now.length !== saved.length) return;
  now.forEach((field, i) => {
    if (field.type === 'checkbox' || field.type === 'radio') field.checked = saved[i].checked;
    else field.value = saved[i].value;
    field.dispatchEvent(new Event('input', { bubbles: true })); // counters follow
  });
}

/** Results on the phone, when the facilitator shows them: updated in place as votes come in, never announced on
    every vote (they are not a live region; the participant reads them when they want). */
function drawResults(q, type) {
  const target = parts.results;
  const results = paced.on ? (paced.results && paced.results[q.id]) || null : room.results;
  if (!results) {
    if (!target.hidden) show(target);
    target.hidden = true;
    drawn.results = null;
    return;
  }
  const count = answersText(results.respondents);
  const earlier = paced.on ? null : room.earlier;
  // the participant's own answer goes along, so a renderer can mark it (an estimate on the histogram); where the
  // room votes on the answers (ideas), what I upvoted and how to upvote
  const options = { answer: me.answers[key(q)], upvoted: upvotedFor(key(q)), onUpvote: q.upvotes ? (item, up) => {
    if (!upvote(q, item, up)) announce(t('offline'));
  } : null };
  if (drawn.results && drawn.results.key === key(q) && drawn.results.earlier === Boolean(earlier)) {
    if (earlier) updateCompared(drawn.results.body, type, q, earlier, results);
    else type.update(drawn.results.body, q, results, options);
    drawn.results.count.textContent = count;
    return;
  }
  const body = earlier ? compared(type, q, earlier, results) : type.results(q, results, options);
  const counter = el('p', { class: 'count', text: count });
  const title = q.upvotes ? t('ideas') : t('results'); // where the room votes on the answers, they are ideas
  show(target, el('h2', { id: 'results-title', class: 'results-title', text: title }), body, counter);
  target.hidden = false;
  drawn.results = { key: key(q), earlier: Boolean(earlier), body, count: counter };
  announce(t('results_below'));
}

// -- at the participants' own pace (lab.consultation) -----------------------------------------------------------
// Every question on the phone in order, with back and next; the server keeps the answers, so this phone (or, with a
// member code, another) goes on at the first question not yet answered. Before the start and after the last
// question the page says where the consultation stands, with the results and the outcome once published.

const paced = { on: false, questions: [], results: null, index: 0, placed: false };
let consultation = {};

function setPaced(settings, given) {
  consultation = settings;
  paced.on = settings.pace === 'self' && Boolean(given);
  if (!given) return;
  paced.questions = given.questions;
  paced.results = given.results;
  paced.index = Math.min(paced.index, paced.questions.length);
}

const serverNow = () => Date.now() + room.offset;
const beforeStart = () => consultation.starts_ms !== null && consultation.starts_ms !== undefined && serverNow() < consultation.starts_ms;
const ended = () => consultation.ends_ms !== null && consultation.ends_ms !== undefined && serverNow() >= consultation.ends_ms;
/** A question as the phone shows it at the own pace: closed from the deadline, whatever it said before. */
const withStatus = (q) => (ended() && q.status === 'open' ? { ...q, status: 'closed' } : q);
const answerable = (q) => !data.passive.includes(q.type);
const firstUnanswered = () => {
  const found = paced.questions.findIndex((q) => answerable(q) && me.answers[key(q)] === undefined);
  return found < 0 ? paced.questions.length : found;
};

/** The question the page shows: the room's current one, or at the own pace the participant's own. */
function shown() {
  if (!paced.on) return room.question;
  const q = paced.questions[paced.index];
  return q ? withStatus(q) : null;
}

/** A moment as the session's own time zone tells it (the organiser set the deadline in it), in the room's language. */
const when = (ms) => new Intl.DateTimeFormat(roomLang, { dateStyle: 'long', timeStyle: 'short', timeZone: consultation.timezone })
  .format(new Date(ms));

function go(index) {
  paced.index = Math.max(0, Math.min(index, paced.questions.length));
  me.editing = false;
  me.error = '';
  render();
}

/** Back and next, where the participant is, and until when they can answer. Made again only when that changes. */
function drawNav() {
  const nav = parts.nav;
  nav.hidden = !paced.on;
  if (!paced.on) return;
  const signature = JSON.stringify([paced.index, paced.questions.length, consultation.ends_ms, ended()]);
  if (nav.dataset.drawn === signature) return;
  nav.dataset.drawn = signature;
  const last = paced.index === paced.questions.length - 1;
  nav.replaceChildren(
    el('p', { class: 'paced-where', text: t('paced_where', { n: paced.index + 1, of: paced.questions.length }) }),
    consultation.ends_ms && el('p', { class: 'hint', text: ended() ? t('paced_ended') : t('paced_until', { when: when(consultation.ends_ms) }) }),
    el('div', { class: 'paced-buttons' },
      paced.index > 0 && el('button', { type: 'button', class: 'big secondary', text: `← ${t('paced_back')}`, onclick: () => go(paced.index - 1) }),
      el('button', { type: 'button', class: 'big', text: last ? `${t('paced_finish')} →` : `${t('paced_next')} →`, onclick: () => go(paced.index + 1) })));
}

/** Before the start, and after the last question: where the consultation stands, what is still open to answer,
    and once published the results and what came of it. */
function drawPacedEnd() {
  const open = paced.questions.map((q, i) => [q, i]).filter(([q]) => answerable(q) && me.answers[key(q)] === undefined);
  const signature = JSON.stringify(['end', beforeStart(), ended(), open.map(([q]) => q.id), consultation.outcome, Boolean(paced.results)]);
  if (view === 'paced-end' && main.dataset.drawn === signature) return;
  main.dataset.drawn = signature;
  const heading = beforeStart() ? t('paced_not_yet', { when: when(consultation.starts_ms) })
    : ended() ? t('paced_ended') : open.length ? t('paced_open_left', { n: open.length }) : t('paced_done');
  const items = [el('h1', { text: heading, tabindex: '-1' })];
  if (!beforeStart() && !ended() && consultation.ends_ms) items.push(el('p', { class: 'hint', text: t('paced_until', { when: when(consultation.ends_ms) }) }));
  if (!beforeStart() && open.length && !ended()) {
    items.push(el('ul', { class: 'paced-open' }, open.map(([q, i]) => el('li', {},
      el('button', { type: 'button', class: 'link', onclick: () => go(i) }, el('span', { lang: roomLang, text: q.prompt }))))));
  }
  if (!beforeStart() && paced.questions.length) {
    items.push(el('button', { type: 'button', class: 'big secondary', text: t('paced_review'), onclick: () => go(0) }));
  }
  items.push(outcome());
  if (paced.results) items.push(el('p', { class: 'hint', text: t('paced_results_hint') }));
  const had = view === 'question' && main.contains(document.activeElement);
  show(main, el('section', { class: 'screen-message paced-end' }, items));
  if (had || view !== 'paced-end') focusOn(main.querySelector('h1'));
  view = 'paced-end';
}

/** What came of it, once the organiser wrote it ("Wat is er met uw mening gedaan?"); null before. */
function outcome() {
  if (!consultation.outcome) return null;
  return el('section', { class: 'outcome', 'aria-labelledby': 'outcome-title' },
    el('h2', { id: 'outcome-title', text: t('paced_outcome') }),
    consultation.outcome.split(/\n\s*\n/).map((text) => el('p', { lang: roomLang, text })));
}

function waiting() {
  const input = el('input', { id: 'nickname', maxlength: '40', autocomplete: 'nickname', value: me.nickname,
    'aria-describedby': 'nickname-hint' });
  const saved = el('p', { class: 'hint saved', role: 'status' });
  const form = el('form', { class: 'nickname' },
    el('label', { for: 'nickname', text: t('nickname') }),
    el('p', { id: 'nickname-hint', class: 'hint', text: t('nickname_hint') }),
    input,
    el('button', { type: 'submit', class: 'secondary', text: t('save') }), saved);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    me.nickname = input.value.trim();
    saved.textContent = socket.send({ type: 'nickname', nickname: me.nickname }) ? t('saved') : t('offline');
    drawBoard(); // a Q&A question can now go with this name
  });
  return el('section', { class: 'waiting' },
    el('div', { class: 'pulse', 'aria-hidden': 'true' }),
    el('h1', { text: t('waiting'), tabindex: '-1' }),
    el('p', { class: 'hint', text: t('waiting_hint') }),
    data.names ? form : null); // no name where members answer anonymously or under a pseudonym
}

// -- larger text -----------------------------------------------------------------------------------------------

const LARGE = 'lab:large-text';
const larger = document.getElementById('larger-text');
function setLarge(on) {
  document.documentElement.classList.toggle('large-text', on);
  larger.setAttribute('aria-pressed', String(on));
  try { localStorage.setItem(LARGE, on ? '1' : ''); } catch { /* private mode */ }
}
let largeSaved = false;
try { largeSaved = localStorage.getItem(LARGE) === '1'; } catch { /* private mode */ }
setLarge(largeSaved || data.kiosk); // a kiosk (assisted voting) starts with large text for every person

// A kiosk's next person starts afresh: what the previous one left unsent is not theirs to send.
const nextPerson = document.querySelector('.kiosk-next');
if (nextPerson) {
  nextPerson.addEventListener('submit', () => {
    try { localStorage.removeItem(PENDING); localStorage.removeItem(ASKS); } catch { /* private mode */ }
  });
}
larger.addEventListener('click', () => setLarge(larger.getAttribute('aria-pressed') !== 'true'));

render();
