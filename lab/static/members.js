/** The console's member codes (docs/consultations.md): a room for members only, codes from a list or a number,
    letters to print, withdrawing a code. The server tells every console the new counts (`members` messages). */
import { data, t } from './util.js';

const status = document.getElementById('members-status');
const only = document.getElementById('members-only');
const problem = document.getElementById('members-error');
const listForm = document.getElementById('members-list-form');
const countForm = document.getElementById('members-count-form');
const withdrawForm = document.getElementById('members-withdraw-form');

/** Draw the room's member summary: `{access, members, withdrawn}`. */
export function drawMembers(summary) {
  if (!summary) return;
  only.checked = summary.access === 'codes';
  const codes = summary.withdrawn
    ? t('member_codes_withdrawn', { n: summary.members, withdrawn: summary.withdrawn })
    : t('member_codes', { n: summary.members });
  status.textContent = summary.access === 'codes' ? `${t('members_only')} ${codes}` : t('anyone_answers');
}

async function send(path, method, body) {
  problem.hidden = true;
  const response = await fetch(path, {
    method, headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': data.csrf },
    body: JSON.stringify(body), credentials: 'same-origin',
  });
  let payload = {};
  try { payload = await response.json(); } catch { /* empty body */ }
  if (!response.ok) {
    problem.textContent = payload.message || t('error');
    problem.hidden = false;
    return null;
  }
  drawMembers(payload);
  return payload;
}

only.addEventListener('change', () => {
  send(data.members_api.room_access, 'PUT', { access: only.checked ? 'codes' : 'open' })
    .then((done) => { if (!done) only.checked = !only.checked; });
});

listForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  const file = document.getElementById('members-list').files[0];
  if (!file) return;
  const done = await send(data.members_api.members_add, 'POST', { list: await file.text() });
  if (done) listForm.reset();
});

countForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  const done = await send(data.members_api.members_add, 'POST', { count: Number(document.getElementById('members-count').value) });
  if (done) countForm.reset();
});

withdrawForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  const id = document.getElementById('members-withdraw').value.trim();
  if (!id || !confirm(t('withdraw_confirm', { id }))) return;
  const done = await send(data.members_api.members_withdraw, 'POST', { id });
  if (done) withdrawForm.reset();
});
