// Number: an estimate within a range, with a unit. The phone takes a number as people type it (1250, 1.250, 12,5
// or 12.5); results are the middle answer, the average, the lowest and highest, and a histogram; once answering is
// closed the right answer (if the question has one) is marked, and a phone says how far its own estimate was.
import { complain, data, el, roomLang, t } from '../util.js';

let drawn = 0; // a number per drawn input, so ids stay unique when a question is drawn again

const formats = new Map();
/** A number as people in this language write it, with at most `digits` decimals (1.250 and 12,5 in Dutch). */
function format(value, digits, grouping = true) {
  const key = `${digits}:${grouping}`;
  if (!formats.has(key)) {
    formats.set(key, new Intl.NumberFormat(data.lang || 'nl', { maximumFractionDigits: digits, useGrouping: grouping }));
  }
  return formats.get(key).format(value);
}

/** A number with the question's unit: "1.250 woningen", "12,5%" (a sign such as % goes without a space). */
function withUnit(question, value, digits = question.settings.decimals) {
  if (value === null || value === undefined) return '–';
  const { unit } = question.settings;
  const number = format(value, digits);
  if (!unit) return number;
  return /^[%‰°]/.test(unit) ? `${number}${unit}` : `${number} ${unit}`;
}

/** Steps of the smallest unit (hundredths with two decimals): whole numbers, so differences are exact. */
const steps = (value, decimals) => Math.round(value * 10 ** decimals);

/** What was typed, read as a number: {value}, or {error} ('empty', 'nan', 'whole', 'precise' with `rounded`).
    A comma or a point is a decimal mark, except before exactly three digits (1.250 and 1,250 are 1250: no question
    has three decimals), and either may group thousands (1.250.000, 1.250,5). The unit, a euro sign or a percent
    sign may be typed along. */
export function parse(text, decimals, unit = '') {
  let s = text.trim();
  if (unit && s.toLowerCase().endsWith(unit.toLowerCase())) s = s.slice(0, -unit.length);
  s = s.replace(/[\s\u00a0\u202f']/g, '').replace(/^[€$£]|[€%]$/g, ''); // spaces, and a sign typed along
  if (!text.trim()) return { error: 'empty' };
  let sign = 1;
  if (/^[-\u2212\u2013]/.test(s)) {
    sign = -1;
    s = s.slice(1);
  } else if (s.startsWith('+')) s = s.slice(1);
  if (/^[.,]\d/.test(s)) s = `0${s}`;
  if (!/^\d[\d.,]*$/.test(s) || /[.,]$/.test(s) || /[.,]{2}/.test(s)) return { error: 'nan' };
  const marks = s.replace(/\d/g, '');
  let whole = s;
  let fraction = '';
  if (marks) {
    const last = Math.max(s.lastIndexOf('.'), s.lastIndexOf(','));
    const mark = s[last];
    let decimal = null;
    if (new Set(marks).size === 2) {
      if (marks.indexOf(mark) !== marks.length - 1) return { error: 'nan' }; // 1,2.3,4
      decimal = mark;
    } else if (marks.length === 1) {
      decimal = s.length - last - 1 === 3 && !/^0[.,]/.test(s) ? null : mark;
    }
    if (decimal) {
      whole = s.slice(0, last);
      fraction = s.slice(last + 1);
    }
    const groups = whole.split(/[.,]/);
    if (groups.length > 1 && (groups[0].length > 3 || groups.slice(1).some((g) => g.length !== 3))) return { error: 'nan' };
    whole = groups.join('');
  }
  fraction = fraction.replace(/0+$/, '');
  const value = sign * Number(`${whole}.${fraction || '0'}`);
  if (fraction.length > decimals) {
    return { error: decimals ? 'precise' : 'whole', rounded: steps(value, decimals) / 10 ** decimals };
  }
  return { value: value === 0 ? 0 : value };
}

export function input(question, { answer, onSubmit }) {
  const { min, max, unit, decimals } = question.settings;
  const id = `number${question.id}r${question.round}n${++drawn}`;
  const field = el('input', {
    id, type: 'text', class: 'number-field', inputmode: min < 0 ? 'text' : decimals ? 'decimal' : 'numeric',
    autocomplete: 'off', spellcheck: false, enterkeyhint: 'send', 'aria-describedby': `${id}hint`,
  });
  if (answer !== undefined && answer !== null) field.value = format(answer, decimals, false);
  // The range in words, with the unit, and (with decimals) how to write one, tied to the field.
  const middle = Math.trunc((min + max) / 2) + (decimals === 1 ? 0.5 : 0.25);
  const hint = el('p', { class: 'hint', id: `${id}hint` },
    t('number_range', { min: format(min, decimals), max: withUnit(question, max) }),
    decimals ? ` ${t('number_decimals', { example: format(middle, decimals) })}` : '');
  const form = el('form', { class: 'number-form', novalidate: true },
    el('label', { for: id, text: t('your_answer') }),
    hint,
    el('div', { class: 'number-entry' }, field, unit && el('span', { class: 'number-unit', lang: roomLang, text: unit })),
    el('button', { type: 'submit', class: 'send big', text: t('send') }));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const found = parse(field.value, decimals, unit);
    let problem = null;
    if (found.error === 'empty') problem = t('number_empty');
    else if (found.error === 'nan') problem = t(decimals ? 'number_not_decimal' : 'number_not_whole');
    else if (found.error === 'whole') problem = t('number_whole');
    else if (found.error === 'precise') problem = t('number_too_precise', { example: format(found.rounded, decimals) });
    else if (found.value < min) problem = t('number_too_low', { min: withUnit(question, min) });
    else if (found.value > max) problem = t('number_too_high', { max: withUnit(question, max) });
    if (!problem) {
      field.removeAttribute('aria-invalid');
      onSubmit(found.value);
      return;
    }
    complain(form, problem); // said on the screen above the button, and aloud
    const line = form.querySelector('.form-error');
    line.id = `${id}error`;
    field.setAttribute('aria-invalid', 'true');
    field.setAttribute('aria-describedby', `${id}error ${id}hint`);
    field.focus();
  });
  return form;
}

const hasCorrect = (question) => question.settings.correct !== undefined && question.settings.correct !== null;

export function describe(question, value) {
  const mine = withUnit(question, value);
  if (!hasCorrect(question)) return mine;
  const { correct, decimals } = question.settings;
  const diff = (steps(value, decimals) - steps(correct, decimals)) / 10 ** decimals;
  const verdict = diff === 0 ? t('number_exact')
    : t(diff < 0 ? 'number_below' : 'number_above', { diff: withUnit(question, Math.abs(diff)) });
  return `${mine}. ${t('number_correct', { value: withUnit(question, correct) })}. ${verdict}`;
}

// -- results --------------------------------------------------------------------------------------------------

const STATS = [
  ['median', 'number_median', 1],
  ['mean', 'number_mean', 1],
  ['lowest', 'number_lowest', 0],
  ['highest', 'number_highest', 0],
]; // [result key, label, extra decimals shown]

/** "1.000–1.499", or "5" for a bin of one number. */
function range(question, bin) {
  const { decimals } = question.settings;
  return bin.low === bin.high ? format(bin.low, decimals) : `${format(bin.low, decimals)}–${format(bin.high, decimals)}`;
}

/** The bin the right answer falls in (it has no more decimals than the answers, so it is in one of them). */
function correctBin(question, bins) {
  if (!hasCorrect(question)) return -1;
  const { correct } = question.settings;
  return bins.findIndex((bin) => correct >= bin.low && correct <= bin.high);
}

function bar() {
  return el('li', { class: 'bar' },
    el('span', { class: 'bar-label' },
      el('span', { class: 'number-range', 'aria-hidden': 'true' }),
      el('span', { class: 'sr-only number-range-text' }),
      el('span', { class: 'number-here', hidden: true, text: t('number_correct_here') })),
    el('span', { class: 'bar-track', 'aria-hidden': 'true' }, el('span', { class: 'bar-fill' })),
    el('span', { class: 'bar-value' }));
}

export function results(question, results, options = {}) {
  const node = el('div', { class: 'number-results' },
    el('p', { class: 'number-correct', hidden: true }),
    el('p', { class: 'hint number-secret', hidden: true, text: t('number_correct_secret') }),
    el('dl', { class: 'number-stats' }, STATS.map(([key, label]) => el('div', { class: `number-stat number-${key}` },
      el('dt', { text: t(label) }),
      el('dd', {}, el('span', { class: 'number-value' }), el('span', { class: 'number-stat-unit', lang: roomLang }))))),
    el('ol', { class: 'bars number-bins', 'aria-label': t('number_histogram') }, results.bins.map(bar)));
  update(node, question, results, options);
  return node;
}

/** New figures into the drawn results; the right answer appears when the question is closed (and goes when it is
    opened again), as the question's settings say. */
export function update(node, question, fresh, options = {}) {
  const { decimals, unit } = question.settings;
  const list = node.querySelector('.number-bins');
  if (list.children.length !== fresh.bins.length) list.replaceChildren(...fresh.bins.map(bar));
  const known = hasCorrect(question);
  const correctLine = node.querySelector('.number-correct');
  correctLine.hidden = !known;
  correctLine.textContent = known ? t('number_correct', { value: withUnit(question, question.settings.correct) }) : '';
  node.querySelector('.number-secret').hidden = !(known && options.facilitator && question.status !== 'closed');
  const plainUnit = /^[%‰°]/.test(unit || '') ? unit : unit ? `\u00a0${unit}` : '';
  for (const [key, , extra] of STATS) {
    const stat = node.querySelector(`.number-${key}`);
    const value = fresh[key];
    stat.querySelector('.number-value').textContent = value === null ? '–' : format(value, Math.min(3, decimals + extra));
    stat.querySelector('.number-stat-unit').textContent = value === null ? '' : plainUnit;
  }
  const tallest = Math.max(1, ...fresh.bins.map((bin) => bin.count));
  const marked = correctBin(question, fresh.bins);
  [...list.children].forEach((row, i) => {
    const bin = fresh.bins[i];
    row.classList.toggle('is-correct', i === marked);
    row.querySelector('.number-range').textContent = range(question, bin);
    row.querySelector('.number-range-text').textContent = bin.low === bin.high ? withUnit(question, bin.low)
      : t('number_bin', { low: format(bin.low, decimals), high: withUnit(question, bin.high) });
    row.querySelector('.number-here').hidden = i !== marked;
    row.querySelector('.bar-fill').style.width = `${(100 * bin.count) / tallest}%`;
    row.querySelector('.bar-value').textContent = String(bin.count);
  });
}
