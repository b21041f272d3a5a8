// Multiple choice: one tap for a single choice; checkboxes and a send button for several.
import { complain, el, fmt, roomLang, roving, t } from '../util.js';

export function input(question, { answer, onSubmit, labelledBy }) {
  const { options, max_choices: max } = question.settings;
  const earlier = new Set(answer || []);
  if (max === 1) {
    // One tap answers, so the options are buttons, one stop for Tab with arrow keys inside (a radio would answer
    // on every arrow key). When the answer is being changed, the earlier choice says so in words and a check mark.
    const buttons = options.map((label, index) => el('button', {
      type: 'button', class: 'choice big' + (earlier.has(index) ? ' chosen' : ''), onclick: () => onSubmit([index]),
    },
    el('span', { class: 'mark', 'aria-hidden': 'true' }),
    el('span', { class: 'choice-label', lang: roomLang, text: label }),
    earlier.has(index) && [' ', el('span', { class: 'earlier', text: t('earlier_choice') })]));
    const group = el('div', { class: 'choices', role: 'group', 'aria-labelledby': labelledBy }, buttons);
    roving(group, buttons, Math.max(0, options.findIndex((_, i) => earlier.has(i))));
    return group;
  }
  const hint = el('legend', { class: 'hint', text: t('choose_up_to', { max }) });
  const boxes = options.map((label, index) => el('input', { type: 'checkbox', value: String(index), checked: earlier.has(index) }));
  const send = el('button', { type: 'submit', class: 'send big', text: t('send') });
  const form = el('form', { class: 'choices' },
    el('fieldset', { class: 'plain' }, hint,
      boxes.map((box, index) => el('label', { class: 'choice check-choice' }, box,
        el('span', { class: 'choice-label', lang: roomLang, text: options[index] })))),
    send);
  form.addEventListener('change', (event) => {
    if (event.target.checked && boxes.filter((b) => b.checked).length > max) {
      event.target.checked = false; // a limit said in words, not a box that silently refuses
      complain(form, t('choose_up_to', { max }));
    }
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const chosen = boxes.flatMap((box, index) => (box.checked ? [index] : []));
    if (chosen.length) onSubmit(chosen);
    else complain(form, t('choose_one'));
  });
  return form;
}

export function describe(question, value) {
  return value.map((index) => question.settings.options[index]).join(', ');
}

const barText = (option) => `${option.count} · ${fmt(option.percent)}%`;
const weightedText = (option, weighted) => `${barText(option)} · ${t('choice_weighted')} ${fmt(weighted.percent)}%`;

function bars(results) {
  return el('ol', { class: 'bars' }, results.options.map((option) => {
    const bar = el('span', { class: 'bar-fill' });
    bar.style.width = `${option.percent}%`;
    return el('li', { class: 'bar' },
      el('span', { class: 'bar-label', lang: roomLang, text: option.label }),
      el('span', { class: 'bar-track', 'aria-hidden': 'true' }, bar),
      el('span', { class: 'bar-value', text: barText(option) }));
  }));
}

/** Under the bars, where there are any: the count per channel (phones, paper, a show of hands) as a table, and
    whether the vote met its decision rule, with the reasons in words. */
function extras(question, results) {
  const parts = [];
  if (results.channels) {
    const names = Object.keys(results.channels);
    parts.push(el('table', { class: 'channels' },
      el('caption', { text: t('choice_per_channel') }),
      el('thead', {}, el('tr', {}, el('th', { scope: 'col', text: t('choice_option') }),
        names.map((name) => el('th', { scope: 'col', text: t(`channel_${name}`) })))),
      el('tbody', {}, results.options.map((option, i) => el('tr', {},
        el('th', { scope: 'row', lang: roomLang, text: option.label }),
        names.map((name) => el('td', { text: String(results.channels[name][i]) })))))));
  }
  const verdict = results.verdict;
  if (verdict) {
    const state = verdict.met === true ? 'met' : verdict.met === false ? 'unmet' : 'unknown';
    parts.push(el('p', { class: `verdict ${state}` }, el('strong', { text: verdict.outcome }), ' ',
      el('span', { lang: roomLang, text: verdict.text })));
  }
  return parts;
}

export function results(question, results) {
  const node = el('div', { class: 'choice-results' }, bars(results), el('div', { class: 'choice-extras' }));
  update(node, question, results);
  return node;
}

/** New figures into the drawn results (bars glide to their new width). */
export function update(node, question, fresh) {
  const rows = node.querySelectorAll('.bar');
  if (rows.length !== fresh.options.length) {
    node.replaceChildren(...results(question, fresh).childNodes);
    return;
  }
  fresh.options.forEach((option, i) => {
    rows[i].querySelector('.bar-label').textContent = option.label;
    rows[i].querySelector('.bar-fill').style.width = `${option.percent}%`;
    rows[i].querySelector('.bar-value').textContent = fresh.weighted
      ? weightedText(option, fresh.weighted.options[i]) : barText(option);
  });
  node.querySelector('.choice-extras').replaceChildren(...extras(question, fresh));
}

// -- two rounds side by side (static/compare.js) ---------------------------------------------------------------

/** "+12" / "−5" / "0": a change, signed, with the minus sign a screen reader says as "min". */
const signed = (value) => (value > 0 ? `+${fmt(value)}` : value < 0 ? `−${fmt(-value)}` : '0');

function compareRow(option, before, round, earlierRound) {
  const bar = (percent, cls) => {
    const fill = el('span', { class: `bar-fill ${cls}` });
    fill.style.width = `${percent}%`;
    return el('span', { class: 'bar-track', 'aria-hidden': 'true' }, fill);
  };
  const change = Math.round((option.percent - before.percent) * 10) / 10;
  return el('li', { class: 'bar compare-bar' },
    el('span', { class: 'bar-label', lang: roomLang, text: option.label }),
    el('span', { class: 'compare-lines' },
      el('span', { class: 'compare-line before' }, el('span', { class: 'compare-round', text: t('round_title', { n: earlierRound }) }),
        bar(before.percent, 'before'), el('span', { class: 'bar-value', text: barText(before) })),
      el('span', { class: 'compare-line now' }, el('span', { class: 'compare-round', text: t('round_title', { n: round }) }),
        bar(option.percent, 'now'), el('span', { class: 'bar-value now-value', text: barText(option) }))),
    el('span', { class: 'compare-change', text: t('change_points', { change: signed(change) }) }));
}

/** Each option with both rounds' counts and shares, and the change in percentage points. */
export function compare(question, earlier, now) {
  return el('ol', { class: 'bars compare' }, now.options.map((option, i) =>
    compareRow(option, earlier.results.options[i] || { count: 0, percent: 0 }, question.round, earlier.round)));
}

export function updateCompare(node, question, earlier, now) {
  node.replaceChildren(...compare(question, earlier, now).childNodes);
}
