// Ranking: put 2 to 10 items in order, number 1 at the top. On the phone an item is dragged (mouse anywhere on it,
// touch on its grip, so the rest of the list still scrolls), or moved with its "Omhoog" and "Omlaag" buttons:
// keyboard, switch and screen reader users, and anyone for whom dragging is fiddly, need no drag at all.
import { announce, el, fmtAverage, roomLang, setText, t } from '../util.js';

let drawn = 0; // a number per drawn input, so ids stay unique when a question is drawn again

/** Whether `value` is a full order of `n` items (a permutation of 0..n-1). */
function isOrder(value, n) {
  return Array.isArray(value) && value.length === n
    && [...value].sort((a, b) => a - b).every((item, i) => item === i);
}

export function input(question, { answer, onSubmit, labelledBy }) {
  const { items } = question.settings;
  const id = `rank${question.id}r${question.round}n${++drawn}`;
  const start = isOrder(answer, items.length) ? answer : items.map((_, i) => i);
  // The order as moved so far, for the phone to keep when the answer area is drawn again (a refused vote, answering
  // closed meanwhile): empty until something moved, so an untouched list does not count as filled in.
  const kept = el('input', { type: 'hidden', name: 'order', value: '' });
  const rows = new Map(); // item index -> its row
  const list = el('ol', { class: 'rank-list', 'aria-labelledby': labelledBy, 'aria-describedby': `${id}hint` });

  function row(index) {
    const item = items[index];
    const label = `${id}i${index}`;
    // Named by its own text and the item's ("Omhoog Betaalbaarheid"): the words on the button come first, in any
    // language, so whoever says what they see (voice control) presses it.
    const button = (by, cls, key, arrow) => el('button', {
      type: 'button', class: `rank-move ${cls}`, 'aria-labelledby': `${label}${cls} ${label}`,
      onclick: (event) => move(index, by, event.currentTarget),
    }, el('span', { class: 'rank-arrow', 'aria-hidden': 'true', text: arrow }), ' ',
    el('span', { id: `${label}${cls}`, text: t(key) }));
    return el('li', { class: 'rank-item', 'data-index': String(index) },
      el('span', { class: 'rank-name' },
        el('span', { class: 'rank-place' }), ' ', el('span', { class: 'rank-label', id: label, lang: roomLang, text: item })),
      el('span', { class: 'rank-moves' }, button(-1, 'rank-up', 'rank_up', '↑'), button(1, 'rank-down', 'rank_down', '↓')),
      el('span', { class: 'rank-handle', 'aria-hidden': 'true', text: '⋮⋮' }));
  }

  const order = () => [...list.children].map((li) => Number(li.dataset.index));

  /** Numbers and edges after any change: the first item cannot go up, the last cannot go down (they say so). */
  function renumber() {
    const total = list.children.length;
    [...list.children].forEach((li, at) => {
      const place = li.querySelector('.rank-place');
      if (place.textContent !== String(at + 1)) place.textContent = String(at + 1);
      li.querySelector('.rank-up').setAttribute('aria-disabled', String(at === 0));
      li.querySelector('.rank-down').setAttribute('aria-disabled', String(at === total - 1));
    });
  }

  function arrange(indexes) {
    indexes.forEach((index, at) => {
      const li = rows.get(index);
      if (list.children[at] !== li) list.insertBefore(li, list.children[at] || null);
    });
    renumber();
  }

  /** After a move: numbers, what the phone keeps, a short highlight where the item landed, and its place aloud. */
  function moved(index) {
    renumber();
    kept.value = order().join(',');
    const li = rows.get(index);
    li.classList.remove('rank-moved');
    void li.offsetWidth; // restart the highlight
    li.classList.add('rank-moved');
    announce(t('rank_moved', { item: items[index], place: order().indexOf(index) + 1, total: items.length }));
  }

  /** One place up (-1) or down (+1). The item's own row is never taken out of the list (its neighbour moves
      instead), so focus stays on the pressed button; at the edge it goes to the other button, which can still act. */
  function move(index, by, pressed) {
    const li = rows.get(index);
    const neighbour = by < 0 ? li.previousElementSibling : li.nextElementSibling;
    if (!neighbour) {
      announce(t(by < 0 ? 'rank_top' : 'rank_bottom', { item: items[index] }));
      return;
    }
    if (by < 0) list.insertBefore(neighbour, li.nextElementSibling);
    else list.insertBefore(neighbour, li);
    moved(index);
    const edge = by < 0 ? !li.previousElementSibling : !li.nextElementSibling;
    const focus = edge ? li.querySelector(by < 0 ? '.rank-down' : '.rank-up') : pressed;
    if (document.activeElement !== focus) focus.focus();
    focus.scrollIntoView({ block: 'nearest' });
  }

  // -- dragging --------------------------------------------------------------------------------------------
  let drag = null;

  /** Put the dragged row under the pointer, swapping it with each neighbour it has passed halfway. */
  function follow() {
    const { li } = drag;
    li.style.transform = '';
    const top = drag.y - drag.grab; // where the row's top should be, in the viewport
    const height = li.getBoundingClientRect().height;
    for (;;) {
      const before = li.previousElementSibling;
      const after = li.nextElementSibling;
      if (before && top < before.getBoundingClientRect().top + before.offsetHeight / 2) {
        list.insertBefore(before, li.nextElementSibling);
      } else if (after && top + height > after.getBoundingClientRect().top + after.offsetHeight / 2) {
        list.insertBefore(after, li);
      } else break;
      renumber();
    }
    li.style.transform = `translateY(${top - li.getBoundingClientRect().top}px)`;
  }

  /** Near the top or bottom of the screen the page scrolls by itself, so a long list can be dragged on a phone. */
  function scroll() {
    if (!drag) return;
    if (!drag.li.isConnected) { // the answer area was drawn anew mid-drag: let go, and stop scrolling
      drag = null;
      return;
    }
    const edge = Math.min(80, innerHeight / 6);
    const speed = drag.y < edge ? drag.y - edge : drag.y > innerHeight - edge ? drag.y - innerHeight + edge : 0;
    if (speed) {
      window.scrollBy(0, speed / 4);
      follow();
    }
    drag.frame = requestAnimationFrame(scroll);
  }

  list.addEventListener('pointerdown', (event) => {
    const li = event.target.closest('.rank-item');
    if (drag || !li || event.button !== 0 || event.target.closest('button')) return;
    if (event.pointerType !== 'mouse' && !event.target.closest('.rank-handle')) return; // touch elsewhere scrolls
    event.preventDefault();
    drag = {
      li, pointer: event.pointerId, y: event.clientY, grab: event.clientY - li.getBoundingClientRect().top,
      from: order().indexOf(Number(li.dataset.index)), frame: 0,
    };
    li.setPointerCapture(event.pointerId);
    li.classList.add('rank-dragging');
    drag.frame = requestAnimationFrame(scroll);
  });
  list.addEventListener('pointermove', (event) => {
    if (!drag || event.pointerId !== drag.pointer) return;
    drag.y = event.clientY;
    follow();
  });
  const drop = (event) => {
    if (!drag || event.pointerId !== drag.pointer) return;
    const { li, from, frame } = drag;
    cancelAnimationFrame(frame);
    drag = null;
    li.style.transform = '';
    li.classList.remove('rank-dragging');
    const index = Number(li.dataset.index);
    if (order().indexOf(index) !== from) moved(index);
  };
  list.addEventListener('pointerup', drop);
  list.addEventListener('pointercancel', drop);
  list.addEventListener('lostpointercapture', drop);

  // The phone fills in what was moved and not sent (the hidden field) when it draws the form again.
  kept.addEventListener('input', () => {
    const saved = kept.value ? kept.value.split(',').map(Number) : null;
    if (isOrder(saved, items.length)) arrange(saved);
  });

  items.forEach((_, index) => rows.set(index, row(index)));
  arrange(start);
  const form = el('form', { class: 'rank-form' },
    el('p', { class: 'hint rank-hint', id: `${id}hint`, text: t('rank_hint') }),
    list,
    el('button', { type: 'submit', class: 'send big', text: t('send') }),
    kept);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    onSubmit(order()); // the deck's order, unchanged, is an answer too
  });
  return form;
}

export function describe(question, value) {
  return value.map((item, place) => `${place + 1}. ${question.settings.items[item]}`).join('; ');
}

// -- results ---------------------------------------------------------------------------------------------------

/** Bars of every item share one scale (the largest count of all), so a longer bar means more people. */
const tallest = (results) => Math.max(1, ...results.items.flatMap((item) => item.distribution));
const spoken = (item) => item.distribution.map((count, i) => `${i + 1}: ${count}`).join(', ');

/** Each item's place in the results: 1 + how many have a better (lower) average; equal averages share a place. */
function places(results) {
  return results.items.map((item) => (item.average === null ? '–'
    : String(1 + results.items.filter((other) => other.average !== null && other.average < item.average).length)));
}

function resultRow(question, item) {
  const n = item.distribution.length;
  return el('li', { class: 'rank-result', 'data-index': String(item.index) },
    el('span', { class: 'rank-result-name' },
      el('span', { class: 'rank-result-place' }), ' ', el('span', { class: 'rank-result-label', lang: roomLang })),
    el('span', { class: 'rank-result-score' },
      el('span', { class: 'sr-only', text: `${t('rank_average')} ` }),
      el('span', { class: 'rank-result-average' })),
    el('span', { class: 'dist-box rank-dist' },
      el('span', { class: 'dist', 'aria-hidden': 'true' }, item.distribution.map(() => el('span', { class: 'dist-bar' }))),
      el('span', { class: 'dist-ends', 'aria-hidden': 'true' },
        el('span', { text: t('rank_place_n', { n: 1 }) }),
        el('span', { text: t('rank_place_n', { n }) })),
      el('span', { class: 'sr-only dist-text' })));
}

function fill(node, item, place, top) {
  const set = (selector, text) => setText(node, selector, text);
  set('.rank-result-place', place);
  set('.rank-result-label', item.label);
  set('.rank-result-average', fmtAverage(item.average));
  set('.dist-text', t('rank_places', { counts: spoken(item) }));
  node.querySelectorAll('.dist-bar').forEach((bar, i) => { bar.style.height = `${(100 * item.distribution[i]) / top}%`; });
}

export function results(question, results) {
  const top = tallest(results);
  const numbers = places(results);
  const list = el('ol', { class: 'rank-results' }, results.items.map((item, i) => {
    const node = resultRow(question, item);
    fill(node, item, numbers[i], top);
    return node;
  }));
  return el('div', { class: 'rank-board' }, el('p', { class: 'hint rank-caption', text: t('rank_caption') }), list);
}

const still = () => matchMedia('(prefers-reduced-motion: reduce)').matches;

/** New figures into the drawn results; rows that change places glide to their new place (nothing is redrawn). */
export function update(node, question, fresh) {
  const list = node.querySelector('.rank-results');
  const have = new Map([...list.children].map((child) => [Number(child.dataset.index), child]));
  if (have.size !== fresh.items.length || fresh.items.some((item) => !have.has(item.index))) {
    node.replaceChildren(...results(question, fresh).childNodes);
    return;
  }
  const top = tallest(fresh);
  const numbers = places(fresh);
  const before = new Map([...have].map(([index, child]) => [index, child.getBoundingClientRect().top]));
  fresh.items.forEach((item, i) => {
    const child = have.get(item.index);
    fill(child, item, numbers[i], top);
    if (list.children[i] !== child) list.insertBefore(child, list.children[i] || null);
  });
  if (still()) return;
  for (const [index, child] of have) {
    const shift = before.get(index) - child.getBoundingClientRect().top;
    if (!shift) continue;
    child.animate([{ transform: `translateY(${shift}px)` }, { transform: 'none' }], { duration: 500, easing: 'ease' });
  }
}
