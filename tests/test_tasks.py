"""Background tasks (lab.tasks): stopping one ends it, even when a cancellation was swallowed on the way."""

from __future__ import annotations

import asyncio

from lab import tasks

TIMEOUT = 10.0


async def test_a_task_that_swallowed_its_cancellation_is_stopped_all_the_same() -> None:
    """Python 3.11's `asyncio.wait_for` returns the result of what it awaited when that finished as the
    cancellation came, and the cancellation is lost (CPython issue 86296): redis-py awaits each command so, and a
    hub on Redis once never stopped. Here each turn of the loop is such a `wait_for`, and the task is cancelled
    right as the first one finishes."""
    turns = 0

    async def quick() -> None:
        return None

    async def loop() -> None:
        nonlocal turns
        while True:
            await asyncio.wait_for(quick(), 100)
            turns += 1
            await asyncio.sleep(0.001)  # the rest of its turn (a loop that did nothing but such wait_fors could
            # swallow every cancellation that came; a real one spends its time elsewhere, as the hub's listener does)

    task = asyncio.create_task(loop())
    await asyncio.sleep(0)  # it has started its first wait_for
    await asyncio.wait_for(tasks.stop(task), TIMEOUT)
    assert task.cancelled() and turns > 0  # (it did run on after the first cancellation)


async def test_ending_a_task_gives_back_what_it_had_failed_with() -> None:
    async def fail() -> None:
        raise LookupError("kapot")

    failed = asyncio.create_task(fail())
    await asyncio.wait({failed})
    error = await tasks.end(failed)
    assert isinstance(error, LookupError) and str(error) == "kapot"
    running = asyncio.create_task(asyncio.sleep(100))
    assert await tasks.end(running) is None and running.cancelled()
    assert await tasks.end(None) is None
