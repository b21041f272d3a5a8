"""Background tasks that nobody forgets: each is watched, a failure is logged and the task started again.

A task that ends with an exception nobody retrieves is the classic silent failure of asyncio programs: retention
stops deleting old rooms and nobody notices. `supervise` runs a coroutine function until it returns, and when it
raises, logs the error with its traceback and starts it again after a pause that doubles up to a ceiling (so a
task that fails at once does not spin). Cancelling the supervising task stops it.

`stop` and `end` cancel a task until it has ended, not once: Python 3.11's `asyncio.wait_for` can swallow a
cancellation that arrives as the awaited thing finishes (CPython issue 86296, fixed in 3.12), and redis-py awaits
every command through it. A loop cancelled there runs on as if nothing happened, and whoever awaited its end waited
forever (a hub on Redis that never stopped). So a task still running a moment after its cancellation is cancelled
again: level-triggered cancellation, as anyio and Trio do it. Meant for tasks that end when cancelled, not for ones
that clean up slowly on the way out.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

Pause = Callable[[float], Awaitable[None]]

AGAIN = 0.05  # seconds a cancelled task has to end before it is cancelled again


async def supervise(
    name: str,
    run: Callable[[], Awaitable[None]],
    *,
    first_pause: float = 1.0,
    longest_pause: float = 60.0,
    pause: Pause = asyncio.sleep,
) -> None:
    """Run `run()` until it returns; restart it (after a pause) whenever it fails."""
    delay = first_pause
    while True:
        try:
            await run()
            return
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("background task %s failed; starting it again in %.1f s", name, delay)
        await pause(delay)
        delay = min(longest_pause, delay * 2)


def start(name: str, run: Callable[[], Awaitable[None]], **options: float | Pause) -> asyncio.Task[None]:
    """Start a supervised background task (see `supervise`)."""
    return asyncio.create_task(supervise(name, run, **options), name=name)  # type: ignore[arg-type]


async def stop(*tasks: asyncio.Task[None] | None, again: float = AGAIN) -> None:
    """Cancel tasks and wait until they have ended (cancelling again those that swallowed it, see above)."""
    given = {task for task in tasks if task is not None}
    running = given
    while running := {task for task in running if not task.done()}:
        for task in running:
            task.cancel()
        await asyncio.wait(running, timeout=again)
    for task in given:  # retrieved, so that asyncio does not log them as never retrieved
        if not task.cancelled():
            task.exception()


async def end(task: asyncio.Task[None] | None) -> BaseException | None:
    """Cancel a task and wait until it has ended; returns what it had failed with before (None when it was still
    running, or ended well), for its owner to raise."""
    if task is None:
        return None
    failure = task.exception() if task.done() and not task.cancelled() else None
    await stop(task)
    return failure
