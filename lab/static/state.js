// The room as a screen knows it, kept by one set of rules for the phone, the projector and the console.
// A screen applies every server message here and learns what changed, so it redraws only that part: nobody's
// typing, selection, focus or half-pressed button is lost to a message about something else.

/** "id:round": a question's identity; a new round is a new question to answer. */
export const key = (q) => (q ? `${q.id}:${q.round}` : '');

/** Which results flag of a question says whether this audience sees results. */
const SHOWN = { phone: 'results_phones', projector: 'results_projector', facilitator: null };

/** A fresh room for `audience` ('phone', 'projector' or 'facilitator'). */
export function createRoom(audience) {
  return {
    audience, lang: null, question: null, questions: [], results: null, answers: 0, participants: 0,
    queue: null, // the console: answers waiting for approval or hidden, {waiting, hidden, items}
    earlier: null, // the previous round's results beside the current ones, when the facilitator compares rounds
    offset: 0, // the server's clock minus this device's (ms), from each message's `now`: countdowns use it
    since: null, // the console: since when the current question is on the screen (server ms)
  };
}

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/** Apply a server message to `room`; returns the set of what changed: 'question' (which question, its round,
    status, text or flags), 'results', 'counts', 'questions' and 'lang' (the room's language). A message a screen need not know is ignored. */
export function apply(room, message) {
  const changed = new Set();
  if (typeof message.now === 'number') room.offset = message.now - Date.now();
  if ('current_since_ms' in message && message.current_since_ms !== room.since) {
    room.since = message.current_since_ms;
    changed.add('questions');
  }
  const setQuestion = (question) => {
    if (key(question) !== key(room.question) && (room.results !== null || room.earlier !== null)) {
      room.results = null; // results belong to one question and round
      room.earlier = null;
      changed.add('results');
    }
    if (!same(question, room.question)) changed.add('question');
    room.question = question;
    const flag = SHOWN[room.audience];
    if (question && flag && !question[flag] && room.results !== null) {
      room.results = null;
      room.earlier = null;
      changed.add('results');
    }
  };
  const setLang = (lang) => {
    if (lang && lang !== room.lang) changed.add('lang');
    room.lang = lang || room.lang;
  };
  const setCounts = (answers, participants, turnout = null) => {
    if (answers !== room.answers || participants !== room.participants || !same(turnout, room.turnout)) {
      changed.add('counts');
    }
    room.answers = answers;
    room.participants = participants;
    room.turnout = turnout; // in a room that asks for member codes: members who may answer, and who did
  };
  switch (message.type) {
    case 'snapshot':
      room.results = null;
      setQuestion(message.question);
      room.results = message.results;
      room.earlier = message.earlier || null;
      room.queue = message.queue || null;
      setCounts(message.answers, message.participants, message.turnout);
      if (message.questions) room.questions = message.questions;
      setLang(message.room && message.room.lang);
      ['question', 'results', 'questions'].forEach((part) => changed.add(part));
      break;
    case 'state':
      setQuestion(message.question);
      setLang(message.lang);
      if (message.question) {
        const index = room.questions.findIndex((q) => q.id === message.question.id);
        if (index >= 0 && !same(room.questions[index], message.question)) {
          room.questions = room.questions.map((q, i) => (i === index ? message.question : q));
          changed.add('questions');
        }
      }
      break;
    case 'questions':
      if (!same(message.questions, room.questions)) changed.add('questions');
      room.questions = message.questions;
      break;
    case 'results':
      setCounts(message.answers, message.participants, message.turnout);
      if (room.question && message.question === room.question.id && message.round === room.question.round) {
        room.results = message.results;
        room.earlier = message.earlier || null;
        room.queue = message.queue || null;
        changed.add('results');
      }
      break;
    default:
      break;
  }
  return changed;
}
