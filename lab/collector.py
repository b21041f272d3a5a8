"""Garbage collection that stays out of a vote burst.

A room of 10,000 phones holds about 1.6 million objects that Python's cycle collector tracks (each socket's
tasks, coroutines and buffers). A full collection walks all of them: half a second to a second during which
nothing else runs. Python starts one whenever a quarter more objects have survived since the last one, which
in a live session is typically right after a join storm, as the facilitator opens the first question.

So `lab serve` keeps what it loaded at start out of collection (`gc.freeze`), collects the young generations
often and cheaply, leaves full collections to the automatic rule only after a long stretch of allocation, and
runs them itself at quiet moments instead: when the process has hardly used the processor for a few seconds
(the facilitator is talking) and objects have piled up since the last full collection.

During a burst of votes no collection runs at all (`Bursts`): thousands of votes wait for their group commit at
once, each with a dozen objects (its message, value, job, future, coroutines), and every young collection walked
them all, found nothing (a vote leaves no cycles) and moved them on to be walked again: a quarter of the burst's
processor time. They die by reference counting once acknowledged, so holding collection off until the database
writer has caught up skips that work entirely; a burst that goes on longer than HOLD_SECONDS, or piles up
HOLD_OBJECTS, gets its collection anyway. Measured in docs/performance.md ("Collection held off during a burst").
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from collections import deque
from collections.abc import Callable

log = logging.getLogger(__name__)

YOUNG = 10_000  # new tracked objects between young collections: each walks at most this many (a few ms)
MIDDLE = 10  # young collections per middle collection: each walks at most ~100,000 objects
FULL = 100  # middle collections before Python itself may start a full one (about 10 million allocations)
PILED_UP = 2  # middle collections since the last full one that make a quiet full collection worth it
BURST = 100  # votes in one group of the database writer that make a burst (a trickle is a few at a time)
HOLD_SECONDS = 5.0  # the longest collection is held off in one burst
HOLD_OBJECTS = 250_000  # new tracked objects (net) after which a held-off collection runs anyway (~0.1 s to walk)


class Bursts:
    """Holds automatic collection off while a burst of votes waits for the database writer, which reports what
    waits (`waiting`) and when it has caught up (`settled`). Does nothing until `enabled` (by `configure`, which
    `lab serve` calls), and never turns collection on that someone else turned off."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.enabled = False
        self._clock = clock
        self._since: float | None = None  # when collection was held off, while it is

    @property
    def holding(self) -> bool:
        return self._since is not None

    def waiting(self, votes: int) -> None:
        """The writer took a group of `votes` votes (joins and other writes not counted: a join storm's objects
        live on, so it is no burst to hold collection off for)."""
        if self._since is not None:
            self.check()
        elif self.enabled and votes >= BURST and gc.isenabled():
            gc.disable()
            self._since = self._clock()

    def check(self) -> None:
        """Collection as usual if it has been held off for HOLD_SECONDS or HOLD_OBJECTS: called with every group
        the writer takes, and once a second (`collect_when_quiet`), for a commit that hangs. Collection then runs
        at the next allocation; the writer's next group may hold it off again."""
        if self._since is not None and (self._clock() - self._since > HOLD_SECONDS or gc.get_count()[0] > HOLD_OBJECTS):
            self.settled()

    def settled(self) -> None:
        """Nothing waits for the writer any more: collection as usual."""
        if self._since is not None:
            self._since = None
            gc.enable()


bursts = Bursts()  # the process's own


def configure() -> None:
    """Set the thresholds above, freeze what exists now (modules, templates, catalogs) out of collection, and hold
    collection off during bursts of votes."""
    gc.freeze()
    gc.set_threshold(YOUNG, MIDDLE, FULL)
    bursts.enabled = True


async def collect_when_quiet(
    every: float = 1.0, quiet_for: int = 3, busy: float = 0.1, cpu: Callable[[], float] = time.process_time
) -> None:
    """Run a full collection once the process has used under `busy` of a core for `quiet_for` checks in a row
    (`cpu` reads the processor time used so far), if objects piled up since the last one."""
    recent: deque[float] = deque(maxlen=quiet_for)
    last = cpu()
    while True:
        await asyncio.sleep(every)
        bursts.check()
        now = cpu()
        recent.append(now - last)
        last = now
        if len(recent) == quiet_for and max(recent) < busy * every and gc.get_count()[2] >= PILED_UP:
            started = time.perf_counter()
            found = gc.collect()
            log.debug("quiet full collection: %d unreachable, %.0f ms", found, 1000 * (time.perf_counter() - started))
            recent.clear()
            last = cpu()
