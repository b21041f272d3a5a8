// Multiple choice: one tap for a single choice; toggles and a send button for several.
import { el, fmt, t } from '../util.js';

export function input(question, { answer, onSubmit }) {
  const { options, max_choices: max } = question.settings;
  if (max === 1) {
    return el('div', { class: 'choices' },
      options.map((label, index) => el('button', {
        type: 'button', class: 'choice big' + (answer && answer.includes(index) ? ' chosen' : ''),
        text: label, onclick: () => onSubmit([index]),
      })));
  }
  const chosen = new Set(answer || []);
  const send = el('button', { type: 'button', class: 'send big', text: t('send'), disabled: chosen.size === 0 });
  const buttons = options.map((label, index) => el('button', {
    type: 'button', class: 'choice big', text: label, 'aria-pressed': String(chosen.has(index)),
    onclick: (event) => {
      if (chosen.has(index)) chosen.delete(index);
      else if (chosen.size < max) chosen.add(index);
      event.currentTarget.setAttribute('aria-pressed', String(chosen.has(index)));
      send.disabled = chosen.size === 0;
    },
  }));
  send.addEventListener('click', () => onSubmit([...chosen].sort((a, b) => a - b)));
  return el('div', { class: 'choices' }, el('p', { class: 'hint', text: t('choose_up_to', { max }) }), buttons, send);
}

export function describe(question, value) {
  return value.map((index) => question.settings.options[index]).join(', ');
}

const barText = (option) => `${option.count} · ${fmt(option.percent)}%`;

export function results(question, results) {
  return el('ol', { class: 'bars' }, results.options.map((option) => {
    const bar = el('span', { class: 'bar-fill' });
    bar.style.width = `${option.percent}%`;
    return el('li', { class: 'bar' },
      el('span', { class: 'bar-label', text: option.label }),
      el('span', { class: 'bar-track' }, bar),
      el('span', { class: 'bar-value', text: barText(option) }));
  }));
}

/** New figures into the drawn results (bars glide to their new width). */
export function update(node, question, fresh) {
  const rows = node.querySelectorAll('.bar');
  if (rows.length !== fresh.options.length) {
    node.replaceChildren(...results(question, fresh).childNodes);
    return;
  }
  fresh.options.forEach((option, i) => {
    rows[i].querySelector('.bar-fill').style.width = `${option.percent}%`;
    rows[i].querySelector('.bar-value').textContent = barText(option);
  });
}
