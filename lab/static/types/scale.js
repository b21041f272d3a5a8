// Scales: several statements, each rated 1 to N, with "weet niet / sla over" per statement.
import { complain, el, fmtAverage, roomLang, t } from '../util.js';

let drawn = 0; // a number per drawn input, so ids stay unique when a question is drawn again

export function input(question, { answer, onSubmit }) {
  const { statements, scale_max: max, min_label: low, max_label: high, allow_skip: skip } = question.settings;
  const form = `scale${question.id}r${question.round}n${++drawn}`;
  // Each statement is a group of native radio buttons: arrow keys move and choose within a statement, Tab goes on
  // to the next, and forced-colours mode shows the choice. The end labels describe the first and last buttons.
  const rows = statements.map((statement, row) => {
    const name = `${form}s${row}`;
    const ends = { 1: low && `${name}low`, [max]: high && `${name}high` };
    const choice = (value, text, extra = {}) => el('label', { class: 'rate' + (value === 'skip' ? ' skip' : '') },
      el('input', {
        type: 'radio', name, value: String(value), 'aria-describedby': ends[value] || undefined,
        checked: answer ? (value === 'skip' ? answer[row] === null : answer[row] === value) : false, ...extra,
      }),
      el('span', { text }));
    const buttons = [];
    for (let value = 1; value <= max; value++) buttons.push(choice(value, String(value)));
    if (skip) buttons.push(choice('skip', t('skip')));
    return el('fieldset', { class: 'scale-row', role: 'radiogroup' },
      el('legend', { lang: roomLang, text: statement }),
      el('div', { class: 'rates' }, buttons),
      (low || high) && el('div', { class: 'ends', 'aria-hidden': 'true' },
        el('span', { id: ends[1] || undefined, lang: roomLang, text: low }),
        el('span', { id: ends[max] || undefined, lang: roomLang, text: high })));
  });
  const send = el('button', { type: 'submit', class: 'send big', text: t('send') });
  const node = el('form', { class: 'scale' }, rows, send);
  const ratings = () => rows.map((row) => {
    const checked = row.querySelector('input:checked');
    return checked ? (checked.value === 'skip' ? null : Number(checked.value)) : undefined;
  });
  node.addEventListener('submit', (event) => {
    event.preventDefault();
    const value = ratings();
    const open = value.indexOf(undefined);
    if (open < 0) {
      onSubmit(value);
      return;
    }
    complain(node, t('rate_every', { statement: statements[open] })); // and take the reader to what is missing
    rows[open].querySelector('input').focus();
  });
  return node;
}

export function describe(question, value) {
  return question.settings.statements
    .map((statement, i) => `${statement}: ${value[i] === null ? t('skip') : value[i]}`).join('; ');
}

/** Bars of every statement share one scale (the largest count of all), so a longer bar means more people. */
const tallest = (results) => Math.max(1, ...results.statements.flatMap((s) => s.distribution));
const spoken = (s) => s.distribution.map((count, i) => `${i + 1}: ${count}`).join(', ');

/** What stands under the ends of a distribution: "1 Slecht" and "5 Uitstekend", or just the numbers. */
function endLabels(question) {
  const { scale_max: max, min_label: low, max_label: high } = question.settings;
  return [low ? `1 ${low}` : '1', high ? `${max} ${high}` : String(max)];
}

function row(question, s, top) {
  const max = question.settings.scale_max;
  const [low, high] = endLabels(question);
  const bars = s.distribution.map((count) => {
    const bar = el('span', { class: 'dist-bar' });
    bar.style.height = `${(100 * count) / top}%`;
    return bar;
  });
  return el('li', { class: 'scale-result' },
    el('span', { class: 'scale-label', lang: roomLang, text: s.label }),
    el('span', { class: 'scale-score' },
      el('span', { class: 'scale-average', text: fmtAverage(s.average) }),
      el('span', { class: 'scale-of', text: ` / ${max}` })),
    el('span', { class: 'dist-box' },
      el('span', { class: 'dist', 'aria-hidden': 'true' }, bars),
      el('span', { class: 'dist-ends', 'aria-hidden': 'true' },
        el('span', { lang: roomLang, text: low }),
        el('span', { lang: roomLang, text: high })),
      el('span', { class: 'sr-only dist-text', text: t('distribution', { counts: spoken(s) }) })),
    el('span', { class: 'scale-meta', text: s.skipped ? t('skipped', { n: s.skipped }) : '' }));
}

export function results(question, results) {
  const top = tallest(results);
  return el('ol', { class: 'scale-results' }, results.statements.map((s) => row(question, s, top)));
}

/** New figures into the drawn results: averages (rounded once, here), bars and skips. */
export function update(node, question, fresh) {
  const rows = node.querySelectorAll('.scale-result');
  if (rows.length !== fresh.statements.length) {
    node.replaceChildren(...results(question, fresh).childNodes);
    return;
  }
  const top = tallest(fresh);
  fresh.statements.forEach((s, i) => {
    rows[i].querySelector('.scale-average').textContent = fmtAverage(s.average);
    rows[i].querySelectorAll('.dist-bar').forEach((bar, value) => {
      bar.style.height = `${(100 * s.distribution[value]) / top}%`;
    });
    rows[i].querySelector('.dist-text').textContent = t('distribution', { counts: spoken(s) });
    const ends = endLabels(question); // they may have been edited meanwhile
    rows[i].querySelectorAll('.dist-ends span').forEach((span, end) => { span.textContent = ends[end]; });
    rows[i].querySelector('.scale-meta').textContent = s.skipped ? t('skipped', { n: s.skipped }) : '';
  });
}

// -- two rounds side by side (static/compare.js) ---------------------------------------------------------------

const signed = (value) => (value > 0 ? `+${fmtAverage(value)}` : value < 0 ? `−${fmtAverage(-value)}` : '0');

/** Each statement's average in both rounds and the change (rounded once, for display). */
export function compare(question, earlier, now) {
  const max = question.settings.scale_max;
  return el('ol', { class: 'scale-results compare' }, now.statements.map((s, i) => {
    const before = earlier.results.statements[i] || { average: null };
    const known = s.average !== null && before.average !== null;
    const change = known ? Math.round((s.average - before.average) * 10) / 10 : null;
    return el('li', { class: 'scale-result compare-scale' },
      el('span', { class: 'scale-label', lang: roomLang, text: s.label }),
      el('span', { class: 'compare-lines' },
        el('span', { class: 'compare-line before' },
          el('span', { class: 'compare-round', text: t('round_title', { n: earlier.round }) }),
          el('span', { class: 'scale-average', text: `${fmtAverage(before.average)} / ${max}` })),
        el('span', { class: 'compare-line now' },
          el('span', { class: 'compare-round', text: t('round_title', { n: question.round }) }),
          el('span', { class: 'scale-average', text: `${fmtAverage(s.average)} / ${max}` }))),
      el('span', { class: 'compare-change', text: change === null ? '' : t('round_change', { change: signed(change) }) }));
  }));
}

export function updateCompare(node, question, earlier, now) {
  node.replaceChildren(...compare(question, earlier, now).childNodes);
}
