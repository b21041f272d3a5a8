"""The worker processes that draw a report's charts, group its open answers and write its file.

These take seconds of CPU. In a thread they would hold the interpreter lock that the live rooms need between their
messages; in processes they leave the server alone and use the machine's other cores, so a report's charts are
drawn side by side while its open answers are grouped.

Two processes (enough for one report at a time, and a laptop has two cores or more), forked from a fork server
that has already imported matplotlib, WeasyPrint and the document writers: the first report waits for those imports
once, later ones do not, and a worker that dies (killed, out of memory) is replaced in a moment. The fork server is
a clean process of its own: forking the server itself, with its threads and open sockets, would not be safe.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

T = TypeVar("T")

WORKERS = 2
PRELOAD = ["lab.report.render", "weasyprint"]  # imported once in the fork server, shared by every worker

_pool: ProcessPoolExecutor | None = None
_making = threading.Lock()


def _get() -> ProcessPoolExecutor:
    global _pool
    with _making:
        if _pool is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(PRELOAD)
            _pool = ProcessPoolExecutor(WORKERS, mp_context=context)
        return _pool


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
