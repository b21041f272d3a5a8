"""Garbage collection that stays out of a vote burst.

A room of 10,000 phones holds about 1.6 million objects that Python's cycle collector tracks (each socket's
tasks, coroutines and buffers). A full collection walks all of them: half a second to a second during which
nothing else runs. Python starts one whenever a quarter more objects have survived since the last one, which
in a live session is typically right after a join storm, as the facilitator opens the first question.

So `lab serve` keeps what it loaded at start out of collection (`gc.freeze`), collects the young generations
often and cheaply, leaves full collections to the automatic rule only after a long stretch of allocation, and
runs them itself at quiet moments instead: when the process has hardly used the processor for a few seconds
(the facilitator is talking) and objects have piled up since the last full collection.
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


def configure() -> None:
    """Set the thresholds above, and freeze what exists now (modules, templates, catalogs) out of collection."""
    gc.freeze()
    gc.set_threshold(YOUNG, MIDDLE, FULL)


async def collect_when_quiet(
    every: float = 1.0, quiet_for: int = 3, busy: float = 0.1, cpu: Callable[[], float] = time.process_time
) -> None:
    """Run a full collection once the process has used under `busy` of a core for `quiet_for` checks in a row
    (`cpu` reads the processor time used so far), if objects piled up since the last one."""
    recent: deque[float] = deque(maxlen=quiet_for)
    last = cpu()
    while True:
        await asyncio.sleep(every)
        now = cpu()
        recent.append(now - last)
        last = now
        if len(recent) == quiet_for and max(recent) < busy * every and gc.get_count()[2] >= PILED_UP:
            started = time.perf_counter()
            found = gc.collect()
            log.debug("quiet full collection: %d unreachable, %.0f ms", found, 1000 * (time.perf_counter() - started))
            recent.clear()
            last = cpu()
