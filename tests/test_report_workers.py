"""The worker processes that make reports (lab.report.workers): they are not the server's process, they start with
the server, a worker that dies is replaced and its job done again, and they end with the server: when it stops, and
when it is killed."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import signal
import threading
from pathlib import Path

import httpx2 as httpx
import pytest
from conftest import Server
from test_cli import DECK, free_port, start_serve
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


def descendants(pid: int) -> set[int]:
    """The processes `pid` started, and theirs, from /proc (the workers are the fork server's children)."""
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in map(int, (task / "children").read_text().split()):
            found |= {child} | descendants(child)
    return found


def command(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()


@pytest.mark.settings(warm_reports=True)
async def test_the_server_starts_the_fork_server_with_its_imports_when_it_starts(server: Server) -> None:
    assert await server.app.state.reports_warm is True  # before anyone asked for a report
    started = [command(pid) for pid in descendants(os.getpid())]
    assert any("multiprocessing.forkserver" in line and "lab.report.render" in line for line in started), started
    worker = await workers.run(os.getpid)
    ours = os.getpriority(os.PRIO_PROCESS, 0)
    assert os.getpriority(os.PRIO_PROCESS, worker) == min(19, ours + workers.NICENESS)
    forkserver = next(pid for pid in descendants(os.getpid()) if "multiprocessing.forkserver" in command(pid))
    assert os.getpriority(os.PRIO_PROCESS, forkserver) == min(19, ours + workers.NICENESS)  # for its imports too


async def test_the_server_stops_at_once_while_the_fork_server_is_still_importing(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    importing = threading.Event()
    imported = threading.Event()

    def slow_warm() -> None:  # the fork server's imports, on a machine so busy they take a minute
        importing.set()
        imported.wait(60)

    monkeypatch.setattr(workers, "warm", slow_warm)
    await server.stop()
    server.settings = dataclasses.replace(server.settings, warm_reports=True)
    await server.start()
    try:
        assert await asyncio.to_thread(importing.wait, 10)
        await asyncio.wait_for(server.stop(), 10)  # not held up by the imports
        assert not server.app.state.reports_warm.done()
    finally:
        imported.set()


async def test_the_workers_end_when_lab_serve_is_killed(tmp_path: Path) -> None:
    process, printed = await start_serve(
        tmp_path / "lab.db", free_port(), "--deck", str(DECK), environment={"LAB_WARM_REPORTS": "1"}
    )
    try:
        code = printed["Participants"].rsplit(" ", 1)[-1]
        base = printed["Participants"].split()[0]
        async with httpx.AsyncClient(base_url=base, timeout=60) as http:
            assert (await http.get(printed["Facilitator"])).status_code == 303  # the link grants the console
            response = await http.get(f"/f/{code}/report.docx")
        assert response.status_code == 200
        assert "Terugblik op de prestatieafspraken" in docx_text(response.content)
        started = descendants(process.pid)
        assert any("multiprocessing.forkserver" in command(pid) for pid in started)
        assert len(started) >= 3  # the fork server, a worker, and multiprocessing's resource tracker
    finally:
        process.kill()  # kill -9: nobody shuts the pool down
        await asyncio.wait_for(process.wait(), 20)
    for pid in started:
        assert await gone(pid), command(pid)
