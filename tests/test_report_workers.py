"""The worker processes that make reports (lab.report.workers): they are not the server's process, a worker that
dies is replaced and its job done again, and they end with the server."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

from conftest import Server
from test_report import docx_text, make_room

from lab.report import build, workers


def die_once(flag: str) -> int:
    """A job whose worker dies the first time it runs it (as one killed by the system for memory would)."""
    path = Path(flag)
    if not path.exists():
        path.write_text("died")
        os._exit(1)
    return os.getpid()


async def gone(pid: int, timeout: float = 30) -> bool:
    """Whether process `pid` ends within `timeout` seconds (awaited on a pidfd, which becomes readable when it does:
    the workers are the fork server's children, not ours, so waitpid cannot wait for them)."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    ended = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_reader(fd, ended.set)
    try:
        await asyncio.wait_for(ended.wait(), timeout)
        return True
    except TimeoutError:
        return False
    finally:
        loop.remove_reader(fd)
        os.close(fd)


async def test_a_report_is_made_outside_the_servers_process_and_a_killed_worker_is_replaced(server: Server) -> None:
    room = await make_room(server.rooms)
    worker = await workers.run(os.getpid)
    assert worker != os.getpid()

    os.kill(worker, signal.SIGKILL)  # the system ends a worker between two reports
    assert await gone(worker)
    body = await build(server.app.state.store, room, "docx")
    assert "Participatielab 2026" in docx_text(body)
    assert await workers.run(os.getpid) not in (worker, os.getpid())


async def test_a_job_whose_worker_dies_is_done_again_by_a_new_one(tmp_path: Path) -> None:
    flag = tmp_path / "died"
    pid = await workers.run(die_once, str(flag))
    assert flag.read_text() == "died"
    assert pid != os.getpid()


async def test_the_workers_end_with_the_server_and_the_next_server_starts_new_ones(server: Server) -> None:
    pid = await workers.run(os.getpid)
    await server.stop()
    assert await gone(pid)
    await server.start()
    assert await workers.run(os.getpid) not in (pid, os.getpid())
