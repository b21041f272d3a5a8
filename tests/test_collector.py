"""The quiet-time garbage collector: a full collection when the process is idle and objects piled up, none
while it is busy or when nothing piled up."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from lab.collector import BURST, HOLD_OBJECTS, HOLD_SECONDS, PILED_UP, Bursts, collect_when_quiet


class Seen(list[int]):
    """The full collections seen (how many objects each freed), and an event set at each."""

    def __init__(self) -> None:
        super().__init__()
        self.happened = asyncio.Event()

    def clear(self) -> None:
        super().clear()
        self.happened.clear()


@contextmanager
def full_collections() -> Iterator[Seen]:
    """Python's own collections off (explicit ones still run); yields the full collections seen."""
    seen = Seen()

    def callback(phase: str, info: dict[str, Any]) -> None:
        if phase == "stop" and info["generation"] == 2:
            seen.append(info["collected"])
            seen.happened.set()

    was_enabled = gc.isenabled()
    gc.disable()
    gc.callbacks.append(callback)
    try:
        yield seen
    finally:
        gc.callbacks.remove(callback)
        if was_enabled:
            gc.enable()


def pile_up() -> None:
    """Garbage in cycles, and enough middle-generation collections since the last full one."""
    gc.collect()
    for _ in range(PILED_UP):
        for _ in range(100):
            cycle: list[Any] = []
            cycle.append(cycle)
        gc.collect(1)


class Clock:
    """Processor time as the collector reads it: `step` more at each reading; `readings` is set after `after`."""

    def __init__(self, step: float, after: int = 1_000_000) -> None:
        self.now = 0.0
        self.step = step
        self.calls = 0
        self.after = after
        self.readings = asyncio.Event()

    def __call__(self) -> float:
        self.calls += 1
        if self.calls >= self.after:
            self.readings.set()
        self.now += self.step
        return self.now


async def run_until(clock: Clock, done: Callable[[], Any]) -> None:
    task = asyncio.create_task(collect_when_quiet(every=0.001, quiet_for=3, busy=0.1, cpu=clock))
    try:
        await asyncio.wait_for(done(), 10)
    finally:
        task.cancel()


async def test_a_quiet_process_with_piled_up_objects_collects_everything() -> None:
    with full_collections() as seen:
        pile_up()
        seen.clear()
        assert gc.get_count()[2] >= PILED_UP
        clock = Clock(step=0.0)  # no processor time used at all: quiet
        await run_until(clock, seen.happened.wait)
    assert len(seen) == 1
    assert gc.get_count()[2] == 0


async def test_a_busy_process_is_not_paused() -> None:
    with full_collections() as seen:
        pile_up()
        seen.clear()
        clock = Clock(step=1.0, after=20)  # a whole core at every reading: busy
        await run_until(clock, clock.readings.wait)
    assert seen == []


async def test_nothing_is_collected_when_nothing_piled_up() -> None:
    with full_collections() as seen:
        gc.collect()
        seen.clear()
        clock = Clock(step=0.0, after=20)
        await run_until(clock, clock.readings.wait)
    assert seen == []


class Monotonic:
    """time.monotonic as a test moves it."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@contextmanager
def bursts() -> Iterator[tuple[Bursts, Monotonic]]:
    """An enabled `Bursts` on a clock the test moves; collection as it was afterwards."""
    clock = Monotonic()
    held = Bursts(clock)
    held.enabled = True
    try:
        yield held, clock
    finally:
        held.settled()
        gc.enable()


def test_a_burst_of_votes_holds_collection_off_until_the_writer_settles() -> None:
    with bursts() as (held, _):
        held.waiting(BURST - 1)  # a trickle
        assert gc.isenabled() and not held.holding
        held.waiting(BURST)
        assert not gc.isenabled() and held.holding
        held.waiting(BURST)  # the next group of the same burst
        assert not gc.isenabled()
        held.settled()
        assert gc.isenabled() and not held.holding


def test_a_long_burst_gets_its_collection_after_hold_seconds() -> None:
    with bursts() as (held, clock):
        held.waiting(BURST)
        clock.now += HOLD_SECONDS
        held.waiting(BURST)
        assert not gc.isenabled()
        clock.now += 0.001
        held.waiting(BURST)
        assert gc.isenabled() and not held.holding  # collection runs; the next group holds it off again
        held.waiting(BURST)
        assert not gc.isenabled()


def test_a_hold_ends_after_hold_seconds_without_another_group() -> None:
    """A commit that hangs takes no further group: the collector's once-a-second check ends the hold."""
    with bursts() as (held, clock):
        held.waiting(BURST)
        clock.now += HOLD_SECONDS
        held.check()
        assert not gc.isenabled()
        clock.now += 0.001
        held.check()
        assert gc.isenabled() and not held.holding


def test_a_burst_that_piles_up_objects_gets_its_collection() -> None:
    with bursts() as (held, _):
        held.waiting(BURST)
        piled = [[] for _ in range(HOLD_OBJECTS)]  # tracked objects, alive: what waiting votes would be
        piled.append([])
        held.waiting(BURST)
        assert gc.isenabled() and not held.holding
        del piled


def test_collection_turned_off_elsewhere_stays_off_and_an_unconfigured_process_holds_nothing() -> None:
    with bursts() as (held, _):
        gc.disable()  # (a test that counts collections itself, say)
        held.waiting(BURST)
        held.settled()
        assert not gc.isenabled() and not held.holding
    idle = Bursts()  # not enabled: `lab serve` enables its own (collector.configure)
    idle.waiting(10 * BURST)
    assert gc.isenabled() and not idle.holding
