/** Results per group (lab.groups), under the question's own results on the console and the projector: a panel per
    group with its name, its number of respondents and the type's own results. The server has applied the privacy
    floor: the small groups come together as "other groups" (label null). Drawn anew when the split changes; it
    holds nothing to type in or press. */
import { answersText, el, roomLang, show, t } from './util.js';

export function drawGroups(target, type, q, results) {
  const groups = results && results.groups;
  const signature = JSON.stringify(groups === undefined ? null : groups);
  if (target.dataset.drawn === signature) return;
  target.dataset.drawn = signature;
  if (groups === undefined) { show(target); target.hidden = true; return; }
  target.hidden = false;
  if (groups === null) { show(target, el('p', { class: 'hint', text: t('groups_none') })); return; }
  show(target, el('h2', { class: 'groups-title', text: t('groups_title') }),
    el('div', { class: 'groups' }, groups.map((group) => el('section', { class: 'group', 'aria-label': group.label || t('groups_other') },
      el('h3', { class: 'group-name' }, group.label ? el('span', { lang: roomLang, text: group.label }) : t('groups_other')),
      el('p', { class: 'count', text: answersText(group.respondents) }),
      type.results(q, group.results)))));
}
