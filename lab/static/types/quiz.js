// Quiz: one tap on an option (or a typed answer); the right answer stays secret until the question closes. Then
// the phone says who was right (verdict()), and the projector marks the right answer and shows the leaderboard.
import { complain, el, fmt, roomLang, roving, t } from '../util.js';

let drawn = 0;

/** A typed answer as it is compared (the server's lab.questions.quiz.fold): case, accents, punctuation and
    spacing do not matter. */
export function fold(text) {
  return text.toLocaleLowerCase().normalize('NFKD').replace(/\p{M}/gu, '').replace(/[^\p{L}\p{N}\s_]/gu, ' ')
    .split(/\s+/).filter(Boolean).join(' ');
}

const isRight = (question, value) => (question.settings.options.length
  ? question.settings.correct.includes(question.settings.options[value])
  : question.settings.correct.some((c) => fold(c) === fold(value)));

export function input(question, { answer, onSubmit, labelledBy }) {
  const { options } = question.settings;
  const speed = question.settings.speed_bonus && el('p', { class: 'hint', text: t('quiz_speed') });
  if (options.length) { // one tap answers: buttons, one stop for Tab with arrow keys inside
    const buttons = options.map((label, index) => el('button', {
      type: 'button', class: 'choice big' + (answer === index ? ' chosen' : ''), onclick: () => onSubmit(index),
    }, el('span', { class: 'mark', 'aria-hidden': 'true' }), el('span', { class: 'choice-label', lang: roomLang, text: label })));
    const group = el('div', { class: 'choices', role: 'group', 'aria-labelledby': labelledBy }, buttons);
    roving(group, buttons, Math.max(0, answer ?? 0));
    return el('div', {}, speed, group);
  }
  const id = `quiz${question.id}n${++drawn}`;
  const field = el('input', { id, class: 'quiz-text', maxlength: String(question.settings.max_length), autocomplete: 'off',
    lang: roomLang, value: answer || '' });
  const form = el('form', { class: 'quiz-form' }, speed, el('label', { for: id, text: t('quiz_your_answer') }), field,
    el('button', { type: 'submit', class: 'send big', text: t('quiz_send') }));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (fold(field.value)) onSubmit(field.value.trim());
    else {
      complain(form, t('quiz_type_first'));
      field.focus();
    }
  });
  return form;
}

export function describe(question, value) {
  return question.settings.options.length ? question.settings.options[value] : String(value);
}

/** On a phone once the question is closed: right or not, the right answer, and the points (`score`, from the
    server: this question's points, the total and the place); without a name, how to get on the leaderboard. */
export function verdict(question, answer, score, nickname) {
  const { correct } = question.settings;
  const right = answer !== undefined && answer !== null && isRight(question, answer);
  const said = answer === undefined || answer === null ? t('quiz_no_answer') : right ? t('quiz_right') : t('quiz_wrong');
  const list = correct.join(', ');
  return el('div', { class: `quiz-verdict ${right ? 'quiz-good' : 'quiz-bad'}`, tabindex: '-1' },
    el('p', { class: 'quiz-said' }, el('span', { class: 'quiz-sign', 'aria-hidden': 'true', text: right ? '✓' : '✗' }), ' ', said),
    !right && el('p', { lang: roomLang, text: t(correct.length > 1 ? 'quiz_answers_were' : 'quiz_answer_was', { answer: list }) }),
    score && score.points !== null && score.points !== undefined && el('p', { class: 'quiz-points', text: t('quiz_points', { n: score.points }) }),
    score && el('p', { text: t('quiz_total', { n: score.total }) }),
    score && score.of > 0 && el('p', { text: t('quiz_rank', { rank: score.rank, of: score.of }) }),
    !nickname && el('p', { class: 'hint', text: t('quiz_no_name') }));
}

// -- the projector and the console ------------------------------------------------------------------------------

const barText = (row) => `${row.count} · ${fmt(row.percent)}%`;

export function results(question, results) {
  const box = el('div', { class: 'quiz-results' },
    el('p', { class: 'quiz-right-count' }),
    el('ol', { class: 'bars' }),
    el('section', { class: 'quiz-board', hidden: true }, el('h2', { class: 'quiz-board-title' }), el('ol', { class: 'quiz-rows' })));
  update(box, question, results);
  return box;
}

export function update(box, question, results) {
  const closed = question.status === 'closed' && Array.isArray(question.settings.correct);
  const count = box.querySelector('.quiz-right-count');
  count.hidden = !closed;
  if (closed) count.textContent = t('quiz_right_count', { n: results.right, of: results.respondents });
  const rows = question.settings.options.length ? results.options
    : results.answers.map((a) => ({ label: a.text, count: a.count, percent: results.respondents ? Math.round(1000 * a.count / results.respondents) / 10 : 0 }));
  const list = box.querySelector('.bars');
  const signature = JSON.stringify([rows, closed]);
  if (list.dataset.signature !== signature) {
    list.dataset.signature = signature;
    list.replaceChildren(...rows.map((row, index) => {
      const right = closed && isRight(question, question.settings.options.length ? index : row.label);
      const bar = el('span', { class: 'bar-fill' });
      bar.style.width = `${row.percent}%`;
      return el('li', { class: `bar${right ? ' quiz-correct' : ''}` },
        el('span', { class: 'bar-label' }, el('span', { lang: roomLang, text: row.label }),
          right && [' ', el('span', { class: 'quiz-mark', text: `✓ ${t('quiz_correct_mark')}` })]),
        el('span', { class: 'bar-track', 'aria-hidden': 'true' }, bar),
        el('span', { class: 'bar-value', text: barText(row) }));
    }));
  }
  const board = box.querySelector('.quiz-board');
  const leaders = results.leaderboard;
  board.hidden = !leaders;
  if (leaders) {
    board.querySelector('h2').textContent = leaders.final ? t('quiz_final') : t('quiz_leaderboard');
    board.querySelector('ol').replaceChildren(...(leaders.rows.length ? leaders.rows.map((row) => el('li', { class: 'quiz-row' },
      el('span', { class: 'quiz-rank', text: String(row.rank) }), el('span', { class: 'quiz-name', text: row.name }),
      el('span', { class: 'quiz-score', text: t('quiz_points_short', { n: row.points }) })))
      : [el('li', { class: 'hint', text: t('quiz_nobody') })]));
  }
}
