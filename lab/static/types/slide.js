// A content slide: its text (paragraphs as written) and an optional image with its description. It takes no answers,
// so the phone shows what the projector shows.
import { data, el, roomLang } from '../util.js';

function content(question) {
  const { text, image, image_alt: alt } = question.settings;
  const paragraphs = (text || '').split(/\n\s*\n|\n/).map((line) => line.trim()).filter(Boolean);
  return el('div', { class: 'slide', lang: roomLang },
    paragraphs.map((line) => el('p', { class: 'slide-text', text: line })),
    image && el('figure', { class: 'slide-figure' },
      el('img', { class: 'slide-image', src: `/r/${encodeURIComponent(data.code)}/images/${image}`, alt, loading: 'lazy' })));
}

export function input(question) {
  return content(question);
}

export function describe() {
  return '';
}

export function results(question) {
  return content(question);
}

/** New settings (an edit) redraw it; nothing else changes a slide. */
export function update(node, question) {
  node.replaceChildren(...content(question).childNodes);
}
