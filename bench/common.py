"""What the coordinator, the load generators and the reference server share."""

from __future__ import annotations

import contextlib
import os
import resource
from collections.abc import Iterator
from pathlib import Path

SERVER_CPU = 0
LOAD_CPU = 1
OPTIONS = 4


def pin(cpu: int) -> None:
    """Run this process on one core (when the machine has it), so server and load do not share a core."""
    if hasattr(os, "sched_setaffinity") and cpu < (os.cpu_count() or 1):
        os.sched_setaffinity(0, {cpu})


@contextlib.contextmanager
def on_core(cpu: int) -> Iterator[None]:
    """Processes started within run on core `cpu` (they inherit this process's, which is put back afterwards)."""
    if not hasattr(os, "sched_getaffinity"):
        yield
        return
    before = os.sched_getaffinity(0)
    pin(cpu)
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)


def raise_open_files() -> None:
    """Allow as many sockets as the machine allows (the soft limit up to the hard one)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def as_server() -> None:
    """In a server's process before it starts (`preexec_fn`): the server's core, and as many sockets as it may."""
    pin(SERVER_CPU)
    raise_open_files()


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time a process has used."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0
