/** Paper ballots in the console (docs/consultations.md): two tellers each type every ballot in; a ballot counts
    once both entered the same. The form holds the deck's questions that a ballot asks, each as the paper shows it,
    with "not filled in" as the starting answer. It is made again only when those questions change, so what a
    teller is typing is never redrawn away. Every console is told of each entry (`ballots` messages). */
import { callApi, data, el, roomLang, t } from './util.js';

const form = document.getElementById('ballot-form');
const code = document.getElementById('ballot-code');
const slot = document.getElementById('ballot-questions');
const problem = document.getElementById('ballot-error');
const summaryLine = document.getElementById('ballots-summary');
const saved = document.getElementById('ballot-saved');
const list = document.getElementById('ballots-list');
const api = data.members_api.ballots;

const teller = () => Number(form.querySelector('input[name="teller"]:checked').value);
let drawnFor = '';
let asked = []; // the questions in the form, with how each reads its answer from the fields

/** One question as a fieldset; `read()` gives its answer as the API takes it (null: not filled in), `fill(value)`
    puts an entered answer back. */
function field(q, number) {
  const id = `ballot-q${q.id}`;
  const legend = el('legend', {}, `${t('question_n', { n: number })}: `, el('span', { lang: roomLang, text: q.prompt }));
  const box = el('fieldset', { class: 'ballot-question' }, legend);
  if (q.type === 'choice') {
    const single = q.settings.max_choices === 1;
    const none = single && el('input', { type: 'radio', name: id, value: '', checked: true, id: `${id}-none` });
    const inputs = q.settings.options.map((label, i) => el('input', { type: single ? 'radio' : 'checkbox', name: id, value: String(i), id: `${id}-${i}` }));
    if (single) box.append(el('label', { class: 'check', for: none.id }, none, ` ${t('not_filled_in')}`));
    inputs.forEach((input, i) => box.append(el('label', { class: 'check', for: input.id }, input, ' ', el('span', { lang: roomLang, text: q.settings.options[i] }))));
    return {
      q, box,
      read: () => { const chosen = inputs.flatMap((input, i) => (input.checked ? [i] : [])); return chosen.length ? chosen : null; },
      fill: (value) => { if (none) none.checked = !value; inputs.forEach((input, i) => { input.checked = Boolean(value && value.includes(i)); }); },
    };
  }
  if (q.type === 'scale') {
    const selects = q.settings.statements.map((statement, i) => {
      const select = el('select', { id: `${id}-${i}` }, el('option', { value: '', text: t('not_filled_in') }),
        Array.from({ length: q.settings.scale_max }, (_, n) => el('option', { value: String(n + 1), text: String(n + 1) })));
      box.append(el('p', { class: 'ballot-rating' }, el('label', { for: select.id, lang: roomLang, text: statement }), select));
      return select;
    });
    return {
      q, box,
      read: () => { const ratings = selects.map((s) => (s.value ? Number(s.value) : null)); return ratings.some((r) => r !== null) ? ratings : null; },
      fill: (value) => { selects.forEach((s, i) => { s.value = value && value[i] ? String(value[i]) : ''; }); },
    };
  }
  const area = el('textarea', { id, rows: '2', lang: roomLang, maxlength: String(q.settings.max_length || 500) });
  box.append(el('label', { for: id, class: 'sr-only', text: t('ballot_text') }), area);
  return { q, box, read: () => area.value.trim() || null, fill: (value) => { area.value = value || ''; } };
}

const entry = document.getElementById('ballot-entry');
let latest = [];
entry.addEventListener('toggle', () => { if (entry.open) drawBallotForm(latest); });

/** The form for the deck's questions that a ballot asks (call on every change of the room's questions). It is
    made while the tellers' part is open only: a console that counts no paper does not repeat every question. */
export function drawBallotForm(questions) {
  latest = questions;
  if (!entry.open) return;
  const paper = questions.filter((q) => data.paper.includes(q.type));
  const signature = JSON.stringify(paper.map((q) => [q.id, q.round, q.prompt, q.settings]));
  if (signature === drawnFor) return;
  drawnFor = signature;
  asked = paper.map((q) => field(q, questions.indexOf(q) + 1));
  slot.replaceChildren(...(asked.length ? asked.map((f) => f.box) : [el('p', { class: 'hint', text: t('no_paper_questions') })]));
}

/** The summary `{entered, counted, differing}`; the list is asked for again, as another teller may have entered. */
export function drawBallots(summary) {
  if (!summary) return;
  summaryLine.textContent = summary.entered ? t('ballots_summary', summary) : t('no_ballots');
  refresh();
}

function say(text) {
  problem.textContent = text;
  problem.hidden = !text;
  if (text) code.setAttribute('aria-invalid', 'true');
  else code.removeAttribute('aria-invalid');
}

async function refresh() {
  let listed;
  try { listed = await callApi('GET', api); } catch { return; }
  const open = listed.ballots.filter((b) => !b.counted);
  list.replaceChildren(...(open.length ? open.map((b) => el('li', {},
    el('strong', { text: b.ballot }), ' ',
    b.differences.length
      ? [t('ballot_differs'), el('ul', {}, b.differences.map((d) => el('li', {},
        `${t('question_n', { n: d.number })}: ${t('teller_said', { n: 1 })} “${d.tellers[0] || t('not_filled_in')}”, `
        + `${t('teller_said', { n: 2 })} “${d.tellers[1] || t('not_filled_in')}”`)))]
      : t('ballot_waits', { n: b.tellers.includes(1) ? 2 : 1 }))) : [el('li', { text: t('no_ballots_to_check') })]));
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  if (!code.value.trim()) { say(t('ballot_code_needed')); code.focus(); return; }
  const answers = Object.fromEntries(asked.map((f) => [String(f.q.id), f.read()]));
  try {
    const done = await callApi('POST', api, { ballot: code.value, teller: teller(), answers });
    say('');
    const b = done.ballot;
    saved.textContent = b.counted ? t('ballot_counted', { ballot: b.ballot })
      : b.differences.length ? t('ballot_entered_differs', { ballot: b.ballot }) : t('ballot_entered', { ballot: b.ballot });
    if (b.on_phone.length) saved.textContent += ` ${t('ballot_on_phone', { questions: b.on_phone.join(', ') })}`;
    asked.forEach((f) => f.fill(null));
    code.value = '';
    code.focus(); // the next ballot
  } catch (e) {
    say(e.message);
  }
});

document.getElementById('ballot-load').addEventListener('click', async () => {
  if (!code.value.trim()) { say(t('ballot_code_needed')); code.focus(); return; }
  try {
    const own = await callApi('GET', `${api}?${new URLSearchParams({ ballot: code.value, teller: String(teller()) })}`);
    say('');
    asked.forEach((f) => f.fill(own.answers[String(f.q.id)] ?? null));
  } catch (e) {
    say(e.message);
  }
});
