"""deploy/compose.yaml run for real: its images built from deploy/Containerfile with podman, then three lab processes,
PostgreSQL, Redis and nginx started by podman-compose, as an organiser who hosts lab would. An organiser makes a room
through nginx, a phone votes, the answer is a row in the containers' PostgreSQL, and it is still there after the
whole set was taken down and started again (the database's volume stays).

Building the images takes the machine's cores for a minute or two, so this runs on its own (`make test`'s last
step, `pytest -m containers`), not beside timing-sensitive tests."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import phone
from services import free_port
from test_deploy import Front
from test_members import csrf

from lab.settings import PROJECT_DIR

pytestmark = [pytest.mark.containers, pytest.mark.timeout(1800)]  # (the first build of the images takes minutes)

COMPOSE = PROJECT_DIR / "deploy" / "compose.yaml"
PODMAN_COMPOSE = Path(sys.executable).parent / "podman-compose"
BASE = "localhost/lab-test-debian:bookworm"  # deploy/Containerfile's base here (ARG BASE): see `Podman.base`
DEBIAN = "http://deb.debian.org/debian"
PROJECT = f"labtest{os.getpid()}"
PASSWORD = "organiser-wachtwoord-proef"
DECK = "prestatieafspraken.toml"  # its first question: a choice
BUILD_TIMEOUT = 900.0
TIMEOUT = 120.0


class Podman:
    """podman and podman-compose as the test runs them: runc (crun cannot run on every machine's cgroups) and open
    files and processes within this machine's own limits (podman asks for a million open files by default)."""

    def __init__(self, folder: Path, port: int) -> None:
        # The system's own programs too (runc; iptables, which netavark runs to make the compose network), where a
        # user's PATH may leave them out
        path = f"{os.environ.get('PATH', '')}:/usr/sbin:/sbin"
        podman = shutil.which("podman")
        if podman is None or shutil.which("runc", path=path) is None:
            pytest.fail("podman and runc are not installed: run scripts/install-containers (make test does)")
        self.podman = podman
        self.port = port  # nginx's, on the loopback
        conf = folder / "containers.conf"
        conf.write_text(
            '[containers]\ndefault_ulimits = ["nofile=4096:4096", "nproc=4096:4096"]\n[engine]\nruntime = "runc"\n'
        )
        self.env = {**os.environ, "PATH": path, "CONTAINERS_CONF": str(conf)}
        self.settings = folder / "lab.env"  # deploy/.env for this run: loopback only, http
        self.settings.write_text(
            f"LAB_ORGANISER_PASSWORD={PASSWORD}\nLAB_DB_PASSWORD=database-wachtwoord-proef\n"
            f"LAB_LISTEN=127.0.0.1:{port}\nLAB_PUBLIC_URL=http://127.0.0.1:{port}\nLAB_HTTPS=0\n"
        )

    def run(self, *args: str, timeout: float = TIMEOUT, check: bool = True) -> str:
        """podman with `args`: what it printed (it must succeed, unless not `check`)."""
        return self._call([self.podman, *args], timeout, check)

    def compose(self, *args: str, timeout: float = TIMEOUT, check: bool = True) -> str:
        """podman-compose with `args` on deploy/compose.yaml, as this run's project with its settings."""
        project = ["--project-name", PROJECT, "--env-file", str(self.settings), "--file", str(COMPOSE)]
        return self._call([str(PODMAN_COMPOSE), *project, "--parallel", "1", *args], timeout, check)

    def _call(self, argv: list[str], timeout: float, check: bool) -> str:
        done = subprocess.run(argv, env=self.env, capture_output=True, text=True, timeout=timeout)
        assert done.returncode == 0 or not check, f"{' '.join(argv)}:\n{done.stdout}{done.stderr}"
        return done.stdout

    def base(self, folder: Path) -> None:
        """deploy/Containerfile's base image, under a name of the tests' own (no image registry may be reachable
        here): made as Debian makes debian:bookworm-slim, bookworm's minimal variant from Debian's archive, with this
        machine's own certificate authorities (its https may pass through them) for pip in the build."""
        if subprocess.run([self.podman, "image", "exists", BASE], env=self.env).returncode == 0:
            return
        tar = folder / "bookworm.tar"
        copy = 'mkdir -p "$1/usr/local/share/ca-certificates" && cp /usr/local/share/ca-certificates/*.crt '
        copy += '"$1/usr/local/share/ca-certificates/" 2>/dev/null || true'
        subprocess.run(
            ["mmdebstrap", "--quiet", "--variant=minbase", f"--customize-hook={copy}", "bookworm", str(tar),
             f"deb {DEBIAN} bookworm main", f"deb {DEBIAN} bookworm-updates main",
             f"deb {DEBIAN}-security bookworm-security main"],
            check=True, timeout=BUILD_TIMEOUT,
        )  # fmt: skip
        self.run("import", "--change", "ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt", str(tar), BASE)
        tar.unlink()

    async def started(self, service: str, line: str) -> None:
        """Returns once `service`'s container has written `line` (read from its log as it grows)."""
        follow = await asyncio.create_subprocess_exec(
            self.podman, "logs", "--follow", f"{PROJECT}_{service}_1",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, env=self.env,
        )  # fmt: skip
        assert follow.stdout is not None
        printed = ""
        try:
            while line not in printed:
                read = (await asyncio.wait_for(follow.stdout.readline(), TIMEOUT)).decode()
                assert read, f"{service} ended before it wrote {line!r}:\n{printed}"
                printed += read
        finally:
            follow.kill()
            await follow.wait()


@pytest.fixture
def podman(tmp_path: Path) -> Iterator[Podman]:
    """Images built, nothing of this run left afterwards: containers, network and volume taken down."""
    engine = Podman(tmp_path, free_port())
    engine.base(tmp_path)
    engine.compose("build", "--build-arg", f"BASE={BASE}", timeout=BUILD_TIMEOUT)
    try:
        yield engine
    finally:
        engine.compose("down", "--volumes", check=False)  # (a failure here must not hide the test's own)


async def up(podman: Podman) -> None:
    await asyncio.to_thread(podman.compose, "up", "--detach")
    for service in ("lab1", "lab2", "lab3"):
        await podman.started(service, "Organiser page")


async def test_the_compose_file_runs_lab_behind_nginx_and_keeps_its_data(podman: Podman) -> None:
    await up(podman)
    front = Front(podman.port)
    try:
        proxied = await front.client().http.get("/", headers={"X-Forwarded-For": "203.0.113.7"})
        assert proxied.status_code == 200  # as the https proxy in front passes a phone's request on
        organiser = front.client()
        home = await organiser.get("/organiser")
        assert home.status_code == 200
        token = csrf(home.text)
        logged_in = await organiser.http.post("/organiser/login", data={"csrf": token, "password": PASSWORD})
        assert logged_in.status_code == 303
        made = await organiser.http.post("/organiser/rooms", data={"csrf": token, "deck": DECK, "title": ""})
        assert made.status_code == 303
        code = made.headers["location"].removeprefix("/f/")
        assert re.fullmatch(r"\d{6}", code), made.headers["location"]
        console = await organiser.connect(f"/ws/f/{code}")
        question = console["questions"][0]["id"]
        voter, _ = await phone(front.client, SimpleNamespace(code=code))  # type: ignore[arg-type]
        await organiser.send({"type": "push", "question": question})
        await voter.expect("state", lambda m: m["question"] is not None)
        await voter.send({"type": "vote", "id": "stem-compose-1", "question": question, "round": 1, "value": [2]})
        assert (await voter.expect("ack"))["status"] == "shown"
        counted = await organiser.expect("results", lambda m: m["answers"] == 1)
        assert [option["count"] for option in counted["results"]["options"]][:3] == [0, 0, 1]
    finally:
        await front.close()
    stored = (
        "SELECT r.code, a.value FROM answers a JOIN questions q ON q.id = a.question_id JOIN rooms r ON r.id = room_id"
    )
    psql = ("exec", f"{PROJECT}_postgres_1", "psql", "--username=lab", "--dbname=lab", "--no-align", "--tuples-only")
    assert podman.run(*psql, f"--command={stored}") == f"{code}|[2]\n"
    logged = podman.run("logs", f"{PROJECT}_nginx_1").splitlines()
    assert any(line.startswith("203.0.113.7 - - [") and '"GET / HTTP/1.1" 200' in line for line in logged), logged
    # (nginx took the phone's address from the proxy's header: lab's limits per address count phones, not the proxy)

    await asyncio.to_thread(podman.compose, "down")  # every container gone; the volume stays
    assert podman.run("ps", "--all", "--quiet", "--filter", f"name={PROJECT}_") == ""
    await up(podman)
    front = Front(podman.port)
    try:
        again = front.client()
        assert (await again.get(f"/r/{code}")).status_code == 200
        _, snapshot = await phone(front.client, SimpleNamespace(code=code))  # type: ignore[arg-type]
        assert snapshot["question"]["id"] == question  # the room, its pushed question and (below) the answer
    finally:
        await front.close()
    assert podman.run(*psql, f"--command={stored}") == f"{code}|[2]\n"
