"""The worker processes that draw a report's charts, group its open answers and write its file.

These take seconds of CPU. In a thread they would hold the interpreter lock that the live rooms need between their
messages; in processes they leave the server alone and use the machine's other cores, so a report's charts are
drawn side by side while its open answers are grouped.

Two processes (enough for one report at a time, and a laptop has two cores or more), forked from a fork server
that has already imported matplotlib, WeasyPrint and the document writers. Those imports take seconds; `lab serve`
starts the fork server when it starts (`warm`), so that the first report of the evening does not wait for them. A
worker that dies (killed, out of memory) is replaced in a moment. The fork server is a clean process of its own:
forking the server itself, with its threads and open sockets, would not be safe.

The fork server and the workers run at a lower priority than the server (lab.report.background: their imports
and reports never take the core a live room needs) and end when the server's process ends, however it ended: after
a kill -9 nobody shuts the pool down, and a worker would wait for jobs for ever, and keep the fork server with it.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import select
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

T = TypeVar("T")

WORKERS = 2
# Imported once in the fork server, in this order, and shared by every worker: first its lower priority.
PRELOAD = ["lab.report.background", "lab.report.render", "weasyprint"]
NICENESS = 10  # added to their priority number (the server's plus 10; 19 is the lowest)

_pool: ProcessPoolExecutor | None = None
_making = threading.Lock()


def _get() -> ProcessPoolExecutor:
    global _pool
    with _making:
        if _pool is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(PRELOAD)
            _pool = ProcessPoolExecutor(WORKERS, mp_context=context, initializer=_start, initargs=(os.getpid(),))
        return _pool


def warm() -> None:
    """Start the fork server and the workers now, and wait until they can take a job (seconds: the imports).
    Blocks: call it in a thread."""
    pool = _get()
    for started in [pool.submit(os.getpid) for _ in range(WORKERS)]:  # a job each: the pool starts a worker for
        started.result()  # a job that finds none idle


def _start(server: int) -> None:
    """In each worker as it starts: a watch on the server's process."""
    threading.Thread(target=_end_with, args=(server,), name="lab-server-watch", daemon=True).start()


def _end_with(server: int) -> None:
    """End this worker once process `server` has ended: awaited on a pidfd where the system has them (Linux), else
    asked every second."""
    try:
        ended = os.pidfd_open(server)
    except ProcessLookupError:
        os._exit(0)
    except (AttributeError, OSError):
        while _alive(server):
            time.sleep(1)
    else:
        select.select([ended], [], [])
    os._exit(0)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # there, but another user's: our server's number was given to a new process
        return False
    return True


async def run(job: Callable[..., T], *args: Any) -> T:
    """`job(*args)` in a worker process. `job` must be a module-level function of a module that imports nothing
    heavy itself (the workers have the heavy ones); its arguments and result go through pickle.

    Jobs are handed over from a thread: the pool starts a worker on a job's arrival, and the first one waits for
    the fork server's imports (seconds), which the event loop must not."""
    pool = await asyncio.to_thread(_get)
    try:
        return await _submit(pool, job, *args)
    except BrokenProcessPool:  # a worker died (killed, out of memory): start new ones and try once more
        _replace(pool)
        return await _submit(await asyncio.to_thread(_get), job, *args)


async def _submit(pool: ProcessPoolExecutor, job: Callable[..., T], *args: Any) -> T:
    return await asyncio.wrap_future(await asyncio.to_thread(pool.submit, job, *args))


def _replace(broken: ProcessPoolExecutor) -> None:
    global _pool
    with _making:
        if _pool is broken:  # the report's other jobs broke with it: the first to get here replaces it
            _pool = None
            broken.shutdown(wait=False, cancel_futures=True)


def shutdown() -> None:
    """End the workers (when the server stops; a command's process ends them as it exits)."""
    global _pool
    with _making:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)
