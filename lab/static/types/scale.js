// Scales: several statements, each rated 1 to N, with "weet niet / sla over" per statement.
import { el, fmtAverage, t } from '../util.js';

export function input(question, { answer, onSubmit }) {
  const { statements, scale_max: max, min_label: low, max_label: high, allow_skip: skip } = question.settings;
  const ratings = answer ? [...answer] : statements.map(() => undefined);
  const send = el('button', { type: 'button', class: 'send big', text: t('send') });
  const ready = () => { send.disabled = ratings.some((r) => r === undefined); };
  const rows = statements.map((statement, row) => {
    const buttons = [];
    const pick = (value) => {
      ratings[row] = value;
      for (const b of buttons) b.setAttribute('aria-pressed', String(b.dataset.value === String(value)));
      ready();
    };
    for (let value = 1; value <= max; value++) {
      buttons.push(el('button', {
        type: 'button', class: 'rate', text: String(value), 'data-value': String(value),
        'aria-pressed': String(ratings[row] === value), onclick: () => pick(value),
      }));
    }
    if (skip) {
      buttons.push(el('button', {
        type: 'button', class: 'rate skip', text: t('skip'), 'data-value': 'null',
        'aria-pressed': String(ratings[row] === null), onclick: () => pick(null),
      }));
    }
    return el('fieldset', { class: 'scale-row' },
      el('legend', { text: statement }),
      el('div', { class: 'rates' }, buttons),
      (low || high) && el('div', { class: 'ends' }, el('span', { text: low }), el('span', { text: high })));
  });
  send.addEventListener('click', () => onSubmit(ratings));
  ready();
  return el('div', { class: 'scale' }, rows, send);
}

export function describe(question, value) {
  return question.settings.statements
    .map((statement, i) => `${statement}: ${value[i] === null ? t('skip') : value[i]}`).join('; ');
}

const height = (count, distribution) => `${(100 * count) / Math.max(1, ...distribution)}%`;

export function results(question, results) {
  const max = question.settings.scale_max;
  return el('ol', { class: 'scale-results' }, results.statements.map((s) => {
    const bars = s.distribution.map((count, i) => {
      const bar = el('span', { class: 'dist-bar', title: `${i + 1}: ${count}` });
      bar.style.height = height(count, s.distribution);
      return bar;
    });
    return el('li', { class: 'scale-result' },
      el('span', { class: 'scale-label', text: s.label }),
      el('span', { class: 'scale-average', text: fmtAverage(s.average) }),
      el('span', { class: 'scale-of', text: `/ ${max}` }),
      el('span', { class: 'dist' }, bars),
      el('span', { class: 'scale-meta', text: s.skipped ? t('skipped', { n: s.skipped }) : '' }));
  }));
}

/** New figures into the drawn results: averages (rounded once, here), bars and skips. */
export function update(node, question, fresh) {
  const rows = node.querySelectorAll('.scale-result');
  if (rows.length !== fresh.statements.length) {
    node.replaceChildren(...results(question, fresh).childNodes);
    return;
  }
  fresh.statements.forEach((s, i) => {
    rows[i].querySelector('.scale-average').textContent = fmtAverage(s.average);
    rows[i].querySelectorAll('.dist-bar').forEach((bar, value) => {
      bar.style.height = height(s.distribution[value], s.distribution);
      bar.title = `${value + 1}: ${s.distribution[value]}`;
    });
    rows[i].querySelector('.scale-meta').textContent = s.skipped ? t('skipped', { n: s.skipped }) : '';
  });
}
