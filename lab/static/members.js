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
const reissueForm = document.getElementById('members-reissue-form');
const reissued = document.getElementById('members-reissued');
const modes = document.getElementById('anonymity');
const seal = document.getElementById('seal');
const sealButton = document.getElementById('seal-button');
let mode = modes.querySelector(':checked')?.value; // the anonymity as the server last said

/** Draw the room's member summary: `{access, members, withdrawn, proxies, anonymity, sealed}`. */
export function drawMembers(summary) {
  if (!summary) return;
  mode = summary.anonymity;
  only.checked = summary.access === 'codes';
  const codes = summary.withdrawn
    ? t('member_codes_withdrawn', { n: summary.members, withdrawn: summary.withdrawn })
    : t('member_codes', { n: summary.members });
  status.textContent = summary.sealed ? t('sealed')
    : summary.access === 'codes' ? `${t('members_only')} ${codes}` : t('anyone_answers');
  for (const radio of modes.querySelectorAll('input')) {
    radio.checked = radio.value === summary.anonymity;
    radio.disabled = Boolean(summary.sealed);
  }
  only.disabled = Boolean(summary.sealed);
  // Ending the vote erases the link between codes and answers: only where that is the promise made.
  seal.hidden = summary.access !== 'codes' || summary.anonymity !== 'anonymous' || Boolean(summary.sealed);
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

/** Switch who may answer. Once answers were given the server asks to confirm (they stay counted): the console
    asks the facilitator with the server's own words, and sends again if they agree. */
only.addEventListener('change', async () => {
  const body = { access: only.checked ? 'codes' : 'open' };
  problem.hidden = true;
  let payload = null;
  try {
    payload = await callApi('PUT', data.members_api.room_access, body);
  } catch (e) {
    if (e.code === 'conflict' && confirm(e.message)) {
      payload = await send(data.members_api.room_access, 'PUT', { ...body, confirmed: true }, only);
    } else if (e.code !== 'conflict') {
      problem.textContent = e.message;
      problem.hidden = false;
    }
  }
  if (payload) drawMembers(payload);
  else only.checked = !only.checked;
});

modes.addEventListener('change', async (event) => {
  const done = await send(data.members_api.room_access, 'PUT', { anonymity: event.target.value }, event.target);
  if (!done) { // refused (answers were given under a more private promise): the choice as it stands
    for (const radio of modes.querySelectorAll('input')) radio.checked = radio.value === mode;
  }
});

sealButton.addEventListener('click', () => {
  if (confirm(t('seal_confirm'))) send(data.members_api.room_seal, 'POST', undefined, sealButton);
});

reissueForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  const input = document.getElementById('members-reissue');
  const id = input.value.trim();
  if (!id || !confirm(t('reissue_confirm', { id }))) return;
  const done = await send(data.members_api.members_reissue, 'POST', { id }, input);
  if (!done) return;
  reissueForm.reset();
  const { reissued: given } = done;
  reissued.replaceChildren(t('reissued', { id: given.id, code: given.code }), ' ',
    el('a', { href: given.letter, text: t('reissued_letter') }));
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
