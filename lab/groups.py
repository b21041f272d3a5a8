"""Results per group, with a privacy floor.

In a tripartite session on the prestatieafspraken the tenants, the housing association and the municipality each
want to see what the others think; in a klantenpanel the complexes or neighbourhoods are compared. A participant's
group is the member list's group where members answer with a code, or else their answer to the room's group
question (a multiple-choice question with `group_question = true`: "Wie bent u vandaag?").

Twenty-five people in a room can be singled out in a small group. So no group with fewer respondents than the room's
privacy floor (5 unless the deck says otherwise) is shown apart: the small ones are shown together as "other groups",
and where even that stays under the floor, the smallest group shown apart joins them, so that no group's answers can
be worked out by taking the others from the total. Where fewer than two groups remain, there is no split at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

FLOOR: Final = 5  # the default privacy floor: respondents a group needs to be shown apart
MOST_FLOOR: Final = 100


def protect(sizes: Mapping[str, int], floor: int) -> list[tuple[str | None, list[str]]]:
    """Which groups are shown, each as (label, the groups it holds): a group of at least `floor` respondents on its
    own (largest first, equal sizes by name), and the smaller ones together under None ("other groups"), topped up
    with the smallest of the others until it reaches `floor` too. [] when fewer than two would be shown."""
    apart = sorted((g for g, n in sizes.items() if n >= floor), key=lambda g: (-sizes[g], g))
    small = sorted(g for g, n in sizes.items() if 0 < n < floor)
    while small and sum(sizes[g] for g in small) < floor and apart:
        small.append(apart.pop())  # the smallest shown apart joins the others
    shown: list[tuple[str | None, list[str]]] = [(g, [g]) for g in apart]
    if small:
        shown.append((None, sorted(small)))
    if len(shown) < 2 or (small and sum(sizes[g] for g in small) < floor):
        return []
    return shown
