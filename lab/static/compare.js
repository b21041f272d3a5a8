// Two rounds of a question side by side: the same question at the start and at the end of a session, to see what
// the conversation changed. A type whose renderer can compare (it exports compare() and updateCompare()) shows each
// option or statement with both rounds and the change; any other type shows the two rounds' results side by side.
import { el, t } from './util.js';

/** The results of round `earlier.round` and of the current round, drawn together. */
export function compared(type, question, earlier, now) {
  if (type.compare) return type.compare(question, earlier, now);
  const panel = (title, body) => el('section', { class: 'round-panel' }, el('h3', { class: 'round-title', text: title }), body);
  return el('div', { class: 'rounds' },
    panel(t('round_title', { n: earlier.round }), type.results(question, earlier.results)),
    panel(t('round_now', { n: question.round }), type.results(question, now)));
}

/** New figures of the current round into what compared() drew (the earlier round is over: it does not change). */
export function updateCompared(node, type, question, earlier, now) {
  if (type.compare) type.updateCompare(node, question, earlier, now);
  else type.update(node.querySelectorAll('.round-panel')[1].lastElementChild, question, now);
}
