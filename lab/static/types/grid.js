// 2x2 grid: every item gets a score on two scales (say "Belangrijk" and "Haalbaar"). On the phone each scale of each
// item is a group of native radio buttons, like the scale type: large targets, arrow keys within a group and Tab to
// the next, a screen reader says "3 of 5", and nothing is chosen until the participant chooses (a slider always has
// a value, and a thumb is hard to move by one step for an unsteady hand). Results: a chart of four labelled quarters
// with a numbered point per item and an oval for the spread, and beside it the same in words.
import { complain, el, fmtAverage, roomLang, t } from '../util.js';

let drawn = 0; // a number per drawn input, so names stay unique when a question is drawn again

export function input(question, { answer, onSubmit }) {
  const { items, x_label: xLabel, y_label: yLabel, scale_max: max, allow_skip: skip } = question.settings;
  const form = `grid${question.id}r${question.round}n${++drawn}`;
  const rows = items.map((item, row) => {
    const earlier = answer ? answer[row] : undefined;
    const scale = (axis, label) => {
      const chosen = earlier ? earlier[axis] : null;
      const buttons = [];
      for (let value = 1; value <= max; value++) {
        buttons.push(el('label', { class: 'rate' },
          el('input', { type: 'radio', name: `${form}i${row}a${axis}`, value: String(value), checked: chosen === value }),
          el('span', { text: String(value) })));
      }
      return el('fieldset', { class: 'grid-scale', role: 'radiogroup', 'data-axis': String(axis) },
        el('legend', { lang: roomLang, text: label }),
        el('div', { class: 'rates' }, buttons));
    };
    const box = skip && el('input', { type: 'checkbox', class: 'grid-skip-box', checked: earlier === null });
    return el('fieldset', { class: 'grid-item' + (earlier === null ? ' is-skipped' : '') },
      el('legend', { class: 'grid-item-label', lang: roomLang, text: item }),
      scale(0, xLabel), scale(1, yLabel),
      box && el('label', { class: 'check grid-skip' }, box, el('span', { text: t('skip') })));
  });
  const send = el('button', { type: 'submit', class: 'send big', text: t('send') });
  const node = el('form', { class: 'grid-form' }, el('p', { class: 'hint', text: t('grid_hint', { max }) }), rows, send);
  // "Weet niet" and a score exclude each other: ticking one clears the other, so what is shown is what is sent.
  // (Also on 'input': the phone fills in again what was refused or not sent, and says so with that event.)
  const exclude = (event) => {
    const row = event.target.closest('.grid-item');
    if (!row) return;
    const box = row.querySelector('.grid-skip-box');
    if (event.target.checked && event.target === box) {
      for (const radio of row.querySelectorAll('input[type=radio]')) radio.checked = false;
    } else if (event.target.checked && box) box.checked = false;
    row.classList.toggle('is-skipped', Boolean(box && box.checked));
  };
  node.addEventListener('change', exclude);
  node.addEventListener('input', exclude);
  node.addEventListener('submit', (event) => {
    event.preventDefault();
    const value = [];
    for (const [index, row] of rows.entries()) {
      const box = row.querySelector('.grid-skip-box');
      if (box && box.checked) {
        value.push(null);
        continue;
      }
      const scales = [...row.querySelectorAll('.grid-scale')];
      const chosen = scales.map((scale) => scale.querySelector('input:checked'));
      const open = chosen.indexOf(null);
      if (open >= 0) {
        complain(node, t('grid_place_every', { item: items[index] })); // and take the reader to what is missing
        scales[open].querySelector('input').focus();
        return;
      }
      value.push(chosen.map((radio) => Number(radio.value)));
    }
    onSubmit(value);
  });
  return node;
}

export function describe(question, value) {
  const { items, x_label: xLabel, y_label: yLabel } = question.settings;
  return items.map((item, i) => `${item}: ${value[i] === null ? t('skip')
    : t('grid_values', { x_label: xLabel, x: value[i][0], y_label: yLabel, y: value[i][1] })}`).join('; ');
}

// -- results --------------------------------------------------------------------------------------------------

const SVG = 'http://www.w3.org/2000/svg';
function svg(tag, attrs = {}) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  return node;
}

const PAD = 8; // the chart's margin, in percent of its side: a point at 1 or at the top score stays whole
const INSIDE = 100 - 2 * PAD;
const CORNERS = ['top-left', 'top-right', 'bottom-left', 'bottom-right'];
const NEAR = 8; // percent of the chart's side: about the size of a point

/** Where a score lies along a side, in percent from the low end. */
const along = (score, max) => PAD + (INSIDE * (score - 1)) / (max - 1);

/** The quarter an item's averages fall in (its name, if the question names the quarters), or '' on a middle line. */
function quarter(question, item) {
  const { scale_max: max, quadrants } = question.settings;
  const middle = (1 + max) / 2;
  if (item.x === middle || item.y === middle) return '';
  return quadrants[(item.y > middle ? 0 : 2) + (item.x > middle ? 1 : 0)] || '';
}

function entry(number) {
  return el('li', { class: 'grid-entry' },
    el('span', { class: 'grid-badge', 'aria-hidden': 'true', text: String(number) }),
    el('span', { class: 'grid-entry-text' },
      el('span', { class: 'grid-label', lang: roomLang }), ' ',
      el('span', { class: 'grid-values' }), ' ',
      el('span', { class: 'grid-meta' })));
}

export function results(question, results) {
  const { quadrants } = question.settings;
  const area = svg('svg', { class: 'grid-svg', viewBox: '0 0 100 100', preserveAspectRatio: 'none', focusable: 'false' });
  area.append(
    svg('rect', { class: 'grid-area', x: PAD, y: PAD, width: INSIDE, height: INSIDE }),
    svg('line', { class: 'grid-middle', x1: 50, y1: PAD, x2: 50, y2: 100 - PAD, 'vector-effect': 'non-scaling-stroke' }),
    svg('line', { class: 'grid-middle', x1: PAD, y1: 50, x2: 100 - PAD, y2: 50, 'vector-effect': 'non-scaling-stroke' }),
    svg('g', { class: 'grid-spreads' }));
  const chart = el('div', { class: 'grid-chart' }, area,
    CORNERS.map((corner, i) => el('span', { class: `grid-quadrant ${corner}`, lang: roomLang, text: quadrants[i] || '' })),
    el('div', { class: 'grid-points' }));
  // The chart is drawn for the eye; the list beside it says the same in words (and numbers the points).
  const node = el('div', { class: 'grid-results' },
    el('div', { class: 'grid-figure', 'aria-hidden': 'true' },
      el('p', { class: 'grid-y-caption' }, '↑ ', el('span', { class: 'grid-y-label', lang: roomLang })),
      chart,
      el('p', { class: 'grid-x-axis' },
        el('span', { class: 'grid-tick grid-low', text: '1' }),
        el('span', { class: 'grid-x-caption' }, el('span', { class: 'grid-x-label', lang: roomLang }), ' →'),
        el('span', { class: 'grid-tick grid-high' }))),
    el('div', { class: 'grid-key' },
      el('p', { class: 'grid-key-text' }),
      el('ol', { class: 'grid-legend' })));
  update(node, question, results);
  return node;
}

/** New figures into the drawn chart and list: points move, ovals grow or shrink, words follow. */
export function update(node, question, fresh) {
  const { scale_max: max, x_label: xLabel, y_label: yLabel, quadrants } = question.settings;
  const legend = node.querySelector('.grid-legend');
  const points = node.querySelector('.grid-points');
  const spreads = node.querySelector('.grid-spreads');
  if (legend.children.length !== fresh.items.length) {
    legend.replaceChildren(...fresh.items.map((_, i) => entry(i + 1)));
    points.replaceChildren(...fresh.items.map((_, i) => el('span', { class: 'grid-point', text: String(i + 1) })));
    spreads.replaceChildren(...fresh.items.map(() => svg('ellipse', { class: 'grid-spread', 'vector-effect': 'non-scaling-stroke' })));
  }
  node.querySelector('.grid-y-label').textContent = yLabel;
  node.querySelector('.grid-x-label').textContent = xLabel;
  node.querySelector('.grid-high').textContent = String(max);
  node.querySelector('.grid-key-text').textContent = t('grid_key', { max });
  node.querySelectorAll('.grid-quadrant').forEach((span, i) => { span.textContent = quadrants[i] || ''; });
  const placed = []; // where the points already put down are
  fresh.items.forEach((item, i) => {
    const point = points.children[i];
    const oval = spreads.children[i];
    const answered = item.answered > 0;
    point.hidden = !answered;
    oval.style.display = answered ? '' : 'none';
    const row = legend.children[i];
    row.querySelector('.grid-label').textContent = item.label;
    row.classList.toggle('is-empty', !answered);
    if (!answered) {
      row.querySelector('.grid-values').textContent = t('grid_none');
      row.querySelector('.grid-meta').textContent = item.skipped ? t('skipped', { n: item.skipped }) : '';
      return;
    }
    const left = along(item.x, max);
    const top = 100 - along(item.y, max);
    // A point as near another as its own size moves aside by whole points (right, left, further right ...; only
    // inwards near an edge), so every number stays readable; the oval stays where the averages are.
    const near = placed.filter(([l, tp]) => Math.abs(l - left) < NEAR && Math.abs(tp - top) < NEAR).length;
    placed.push([left, top]);
    let aside = Math.ceil(near / 2) * (near % 2 ? 1 : -1);
    if (left > 75) aside = -near;
    else if (left < 25) aside = near;
    point.style.left = aside ? `calc(${left}% + ${aside * 1.8}em)` : `${left}%`;
    point.style.top = `${top}%`;
    oval.setAttribute('cx', String(along(item.x, max)));
    oval.setAttribute('cy', String(top));
    oval.setAttribute('rx', String((INSIDE * item.x_spread) / (max - 1)));
    oval.setAttribute('ry', String((INSIDE * item.y_spread) / (max - 1)));
    const values = t('grid_values', { x_label: xLabel, x: fmtAverage(item.x), y_label: yLabel, y: fmtAverage(item.y) });
    const where = quarter(question, item);
    row.querySelector('.grid-values').textContent = where ? `${values} (${t('grid_quadrant', { name: where })})` : values;
    const meta = [t(item.answered === 1 ? 'one_answer' : 'answers', { n: item.answered }),
      t('grid_spread', { x: fmtAverage(item.x_spread), y: fmtAverage(item.y_spread) })];
    if (item.skipped) meta.push(t('skipped', { n: item.skipped }));
    row.querySelector('.grid-meta').textContent = meta.join(' · ');
  });
}
