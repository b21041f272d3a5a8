// Word cloud: one to three words each; frequent words show larger.
import { complain, el, roomLang, t } from '../util.js';

let drawn = 0;

export function input(question, { answer, onSubmit }) {
  const count = question.settings.max_words;
  const id = `words${question.id}n${++drawn}`;
  const fields = Array.from({ length: count }, (_, i) => el('input', {
    id: `${id}w${i}`, type: 'text', class: 'word', maxlength: '40', autocomplete: 'off', autocapitalize: 'none',
    lang: roomLang, value: (answer && answer[i]) || '',
  }));
  const send = el('button', { type: 'submit', class: 'send big', text: t('send') });
  const form = el('form', { class: 'words' },
    fields.map((field, i) => [el('label', { for: field.id, text: t('word', { n: i + 1 }) }), field]), send);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const words = fields.map((f) => f.value.trim()).filter(Boolean);
    if (words.length) onSubmit(words);
    else {
      complain(form, t('type_word'));
      fields[0].focus();
    }
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
    // The count is text for screen readers (and a tooltip), the size shows it to the eye.
    const word = el('span', { class: `cloud-word tint-${i % 5}`, title: String(w.count) },
      el('span', { class: 'cloud-text', lang: roomLang, text: w.word }),
      el('span', { class: 'sr-only cloud-count', text: ` (${w.count})` }), ' ');
    const share = most === least ? 1 : (w.count - least) / (most - least);
    // Larger for more votes, but not wider than the cloud (a long word shrinks to fit rather than break), and never
    // smaller than the text around it (1em: the reader's text size).
    const fit = 100 / (w.word.length * 0.68 + 0.8);
    word.style.fontSize = `max(1em, min(${(1 + share * 2.5).toFixed(2)}em, ${fit.toFixed(2)}cqi))`;
    return word;
  }));
}

/** A new cloud in place of the drawn one (word sizes are relative to each other, so all may change). */
export function update(node, question, fresh) {
  node.replaceChildren(...results(question, fresh).childNodes);
}
