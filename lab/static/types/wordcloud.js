// Word cloud: one to three words each; frequent words show larger.
import { el, t } from '../util.js';

export function input(question, { answer, onSubmit }) {
  const count = question.settings.max_words;
  const fields = Array.from({ length: count }, (_, i) => el('input', {
    type: 'text', class: 'word', maxlength: '40', autocomplete: 'off', autocapitalize: 'none',
    'aria-label': t('word', { n: i + 1 }), placeholder: t('word', { n: i + 1 }), value: (answer && answer[i]) || '',
  }));
  const send = el('button', { type: 'submit', class: 'send big', text: t('send') });
  const form = el('form', { class: 'words' }, fields, send);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const words = fields.map((f) => f.value.trim()).filter(Boolean);
    if (words.length) onSubmit(words);
  });
  return form;
}

export function describe(question, value) {
  return value.join(', ');
}

export function results(question, results) {
  const counts = results.words.map((w) => w.count);
  const most = Math.max(1, ...counts);
  const least = Math.min(most, ...counts);
  return el('p', { class: 'cloud' }, results.words.map((w, i) => {
    const word = el('span', { class: `cloud-word tint-${i % 5}`, text: w.word, title: String(w.count) });
    const share = most === least ? 1 : (w.count - least) / (most - least);
    word.style.fontSize = `${1 + share * 2.5}em`;
    return word;
  }));
}

/** A new cloud in place of the drawn one (word sizes are relative to each other, so all may change). */
export function update(node, question, fresh) {
  node.replaceChildren(...results(question, fresh).childNodes);
}
