/** The console's member codes (docs/consultations.md): a room for members only, codes from a list or a number,
    letters to print, withdrawing a code. The server tells every console the new counts (`members` messages). */
import { callApi, data, el, t } from './util.js';

const status = document.getElementById('members-status');
const only = document.getElementById('members-only');
const problem = document.getElementById('members-error');
const listForm = document.getElementById('members-list-form');
const countForm = document.getElementById('members-count-form');
const withdrawForm = document.getElementById('members-withdraw-form');
const proxyForm = document.getElementById('members-proxy-form');
const proxies = document.getElementById('members-proxies');

/** Draw the room's member summary: `{access, members, withdrawn}`. */
export function drawMembers(summary) {
  if (!summary) return;
  only.checked = summary.access === 'codes';
  const codes = summary.withdrawn
    ? t('member_codes_withdrawn', { n: summary.members, withdrawn: summary.withdrawn })
    : t('member_codes', { n: summary.members });
  status.textContent = summary.access === 'codes' ? `${t('members_only')} ${codes}` : t('anyone_answers');
  const listed = summary.proxies || [];
  proxies.replaceChildren(...(listed.length ? listed.map(([holder, giver]) => el('li', {},
    t('proxy_of', { holder, giver }), ' ',
    el('button', { type: 'button', class: 'small secondary', text: t('proxy_end'),
      'aria-label': t('proxy_end_of', { holder, giver }),
      onclick: () => send(data.members_api.members_proxy, 'POST', { holder, giver: null }) })))
    : [el('li', { text: t('no_proxies') })]));
}

/** Send a change; on a refusal (or no connection) say why beside the field it came from, and answer null. */
async function send(path, method, body, field) {
  problem.hidden = true;
  for (const input of document.querySelectorAll('#members [aria-invalid]')) input.removeAttribute('aria-invalid');
  let payload;
  try {
    payload = await callApi(method, path, body);
  } catch (e) {
    problem.textContent = e.message;
    problem.hidden = false;
    if (field) field.setAttribute('aria-invalid', 'true');
    return null;
  }
  drawMembers(payload);
  return payload;
}

only.addEventListener('change', () => {
  send(data.members_api.room_access, 'PUT', { access: only.checked ? 'codes' : 'open' }, only)
    .then((done) => { if (!done) only.checked = !only.checked; });
});

listForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  const input = document.getElementById('members-list');
  const file = input.files[0];
  if (!file) return;
  const done = await send(data.members_api.members_add, 'POST', { list: await file.text() }, input);
  if (done) listForm.reset();
});

countForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  const input = document.getElementById('members-count');
  const done = await send(data.members_api.members_add, 'POST', { count: Number(input.value) }, input);
  if (done) countForm.reset();
});

withdrawForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  const input = document.getElementById('members-withdraw');
  const id = input.value.trim();
  if (!id || !confirm(t('withdraw_confirm', { id }))) return;
  const done = await send(data.members_api.members_withdraw, 'POST', { id }, input);
  if (done) withdrawForm.reset();
});

proxyForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  const holder = document.getElementById('proxy-holder');
  const giver = document.getElementById('proxy-giver');
  const done = await send(data.members_api.members_proxy, 'POST', { holder: holder.value.trim(), giver: giver.value.trim() }, holder);
  if (done) proxyForm.reset();
});
