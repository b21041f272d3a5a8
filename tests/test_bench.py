"""The benchmark's scenarios run end to end on a small hall: real `lab serve` and reference processes, real load
generators. What they measure is not asserted here (docs/performance.md holds the figures); that every phone joins,
answers and comes back, and that nothing is lost or counted twice, is."""

from __future__ import annotations

import math
import re
import subprocess
import sys

import pytest

from bench.__main__ import Figures, ratio_of
from lab.settings import PROJECT_DIR


def bench(*args: str) -> dict[str, str]:
    """Runs `python -m bench` (bounded in time) and returns its summary line's figures."""
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--participants", "20", "--runs", "1", *args],
        cwd=PROJECT_DIR, capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    last = done.stdout.strip().splitlines()[-1]
    assert last.startswith("bench "), done.stdout
    return dict(re.findall(r"(\w+)=(\S+)", last))


@pytest.mark.parametrize("scenario", ["reconnect", "browser", "words"])
def test_a_scenario_runs_end_to_end_and_loses_nothing(scenario: str) -> None:
    figures = bench("--scenario", scenario)
    assert figures["scenario"] == scenario
    assert (figures["participants"], figures["connected"]) == ("20", "20")
    assert (figures["lost"], figures["duplicated"]) == ("0", "0")
    assert float(figures["votes_per_s"]) > 0  # every phone answered and was acknowledged
    if scenario == "words":
        assert figures["ratio_votes"] == "nan"  # lab alone: the bare server takes no word cloud
    else:
        assert figures["ratio_votes"] != "nan"
        # 20 joins can take the bare server less than the system's tick: the ratio is then nan, never a division error
        join = float(figures["ratio_join_cpu"])
        assert math.isnan(join) or join >= 0
    if scenario == "reconnect":
        assert 0 < float(figures["restart_s"]) <= float(figures["reconnect_s"]) < 60
        assert figures["ratio_reconnect"] != "nan"


def test_a_ratio_is_nan_when_the_bare_server_measured_nothing() -> None:
    """Joins shorter than the system's tick measure 0 CPU seconds on the bare server: no ratio, and no error."""

    def runs(server: str, join_cpu: float) -> list[Figures]:
        return [Figures(server, participants=20, connected=20, join_cpu_s_per_1000=join_cpu)]

    assert math.isnan(ratio_of(runs("lab", 0.5), runs("reference", 0.0), "join_cpu_s_per_1000"))
    assert math.isnan(ratio_of(runs("lab", 0.5), [], "join_cpu_s_per_1000"))  # --no-reference
    assert ratio_of(runs("lab", 0.5), runs("reference", 0.4), "join_cpu_s_per_1000") == 1.25


def test_one_room_over_edges_runs_end_to_end_and_loses_nothing() -> None:
    """`--edges 2`: Redis, PostgreSQL, an owner and two edges that hold every phone (lab.owners)."""
    figures = bench("--edges", "2", "--no-reference")
    assert (figures["scenario"], figures["edges"]) == ("arrival", "2")
    assert (figures["participants"], figures["connected"]) == ("20", "20")
    assert (figures["lost"], figures["duplicated"]) == ("0", "0")
    assert float(figures["votes_per_s"]) > 0
    assert 0 <= float(figures["owner_cpu_share"]) <= 1 and float(figures["load_cpu_push"]) >= 0
    # every server-side process on the server's core: the load generators keep the other to themselves
    assert figures["server_cores"] == "0"


def test_many_rooms_run_end_to_end_and_lose_nothing() -> None:
    """`--rooms 4`: the phones dealt over four rooms, each pushed by its own console, all answering."""
    figures = bench("--rooms", "4")
    assert (figures["scenario"], figures["rooms"]) == ("arrival", "4")
    assert (figures["participants"], figures["connected"]) == ("20", "20")
    assert (figures["lost"], figures["duplicated"], figures["ratio_votes"]) == ("0", "0", "nan")
    assert float(figures["votes_per_s"]) > 0
