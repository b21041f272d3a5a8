"""`python -m bench.report`: how long the report (verslag) takes for a big room, and the seed scenario's pages.

Makes a room in a new SQLite file from decks, lets `--participants` participants answer every question (through the
room itself: real answer records, real commits), then times `lab.report.build` for each format. With
`--keep DIR` it also writes the files there. The default is the Participatielab seed scenario: 25 participants
rating the prestatieafspraken on five aspects with skips, a word cloud and open answers.

    python -m bench.report                                # 25 participants, sessions/prestatieafspraken.toml
    python -m bench.report --participants 1000 --questions 20 --decks sessions/prestatieafspraken.toml \
        sessions/participatielab.toml sessions/goed-bestuur.toml
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lab.decks import load_deck
from lab.hub import Hub
from lab.questions import JSON, TYPES
from lab.report import build, filename, workers
from lab.rooms import Room, Rooms
from lab.store import open_store

ROOT = Path(__file__).parent.parent
WORDS = ("samenwerking", "overleg", "traag", "goed", "moeizaam", "open", "respect", "communicatie", "vertrouwen",
         "stroef", "constructief", "beter", "informatie", "luisteren", "afstand", "positief", "eerlijk", "onduidelijk",
         "betrokken", "bureaucratisch", "vriendelijk", "te laat", "huurverhoging", "onderhoud", "samen")  # fmt: skip
OPEN = (
    "Eerder de stukken krijgen, niet een week van tevoren",
    "Meer onderhoud aan de galerijen en trappenhuizen",
    "De huren moeten omlaag, veel mensen komen niet rond",
    "Betere communicatie van de corporatie naar de bewoners",
    "Sneller reageren op klachten over schimmel",
    "Zonnepanelen op alle daken",
    "Meer sociale huurwoningen bouwen in het dorp",
    "Duidelijk opschrijven wie wat doet en wanneer",
    "De gemeente moet vaker aan tafel zitten",
    "Reparaties duren veel te lang",
    "Isolatie van de oude woningen, de energierekening is te hoog",
    "Meer woningen voor ouderen, gelijkvloers",
    "Huurders eerder betrekken, niet achteraf",
    "Er is te weinig groen in de wijk",
    "Overlast in de buurt aanpakken",
    "Een vast aanspreekpunt bij de corporatie",
    "Jaarlijks evalueren met alle partijen",
    "Minder vergaderen, meer doen",
    "De huurverhoging beperken voor lage inkomens",
    "Nieuwbouw ook voor jongeren",
)


# Open answers: the 240 different answers of the labelled set (bench/themes_nl.toml), as a room would give them.
LABELLED = [text for q in tomllib.loads((Path(__file__).parent / "themes_nl.toml").read_text(encoding="utf-8"))
            ["question"] for _theme, text in q["answers"]]  # fmt: skip


def answer_for(kind: str, settings: dict[str, JSON], rng: random.Random) -> JSON:
    """A plausible answer to a question of `kind` (the scenario's generator: bench knows the types it seeds)."""
    makers: dict[str, Callable[[], JSON]] = {
        "choice": lambda: sorted(rng.sample(range(len(settings["options"])),
                                            rng.randint(1, settings.get("max_choices", 1)))),
        "scale": lambda: [None if settings["allow_skip"] and rng.random() < 0.12 else
                          min(settings["scale_max"], max(1, round(rng.gauss(settings["scale_max"] * 0.6 + i * 0.2, 1))))
                          for i, _ in enumerate(settings["statements"])],
        "wordcloud": lambda: rng.sample(WORDS, rng.randint(1, settings["max_words"])),
        "open": lambda: rng.choice(LABELLED)[: settings["max_length"]],
        "ranking": lambda: rng.sample(range(len(settings["items"])), len(settings["items"])),
        "points": lambda: _points(len(settings["items"]), settings["budget"], rng),
        "number": lambda: round(rng.uniform(settings["min"], settings["max"])),
        "grid": lambda: [[rng.randint(1, settings["scale_max"]), rng.randint(1, settings["scale_max"])]
                         for _ in settings["items"]],
        "pin": lambda: [[round(rng.random(), 3), round(rng.random(), 3)]],
        "quiz": lambda: rng.randrange(len(settings["options"])) if settings.get("options") else rng.choice(
            ["Overlegwet", "de overlegwet", "Woningwet", "weet niet"]),
    }  # fmt: skip
    return makers[kind]()


def _points(items: int, budget: int, rng: random.Random) -> list[int]:
    cuts = sorted(rng.randint(0, budget) for _ in range(items - 1))
    return [b - a for a, b in zip([0, *cuts], [*cuts, budget], strict=True)]


async def seed(room: Room, participants: int, rng: random.Random) -> int:
    """Every participant joins and answers every question (a few skip one); returns the answers stored."""
    people = [f"bench-{i:05d}" for i in range(participants)]
    for person in people:
        await room.join(person)
    stored = 0
    for question in room.questions:
        if not question.type.asks:
            continue
        await room.push(question.id)
        if question.type.anytime:  # a Q&A: some send a question
            for i, person in enumerate(people[: max(1, participants // 5)]):
                await room.ask(person, f"q{i}", question.id, rng.choice(OPEN), False)
            continue
        votes = []
        for i, person in enumerate(people):
            if rng.random() < 0.06:  # not everyone answers every question
                continue
            value = answer_for(question.type.name, dict(question.tally.settings), rng)
            votes.append(room.vote(person, f"v{question.id}-{i:05d}", question.id, question.round, value))
        stored += len(await asyncio.gather(*votes))
        await room.act("close", {"question": question.id})
    return stored


async def run(args: argparse.Namespace) -> int:
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(Path(folder) / "lab.db")
        await store.open()
        try:
            rooms = Rooms(store, Hub())
            decks = [load_deck(Path(d)) for d in args.decks]
            questions = [q for deck in decks for q in deck.questions]
            if args.questions:  # the first N that participants answer (slides between them kept)
                asking = [i for i, q in enumerate(questions) if TYPES[q.type].asks]
                questions = questions[: asking[args.questions - 1] + 1] if len(asking) >= args.questions else questions
            details = tomllib.loads(args.details) if args.details else {}
            room = await rooms.create(decks[0].title, questions, lang=decks[0].language)
            if details:
                await room.act("details", details)
            for deck in decks:
                for image in deck.images.values():
                    await room.add_image(image)
            started = time.perf_counter()
            stored = await seed(room, args.participants, rng)
            print(f"seeded {args.participants} participants, {sum(q.type.asks for q in room.questions)} "
                  f"questions, {stored} answers in {time.perf_counter() - started:.1f} s")  # fmt: skip
            started = time.perf_counter()
            await asyncio.to_thread(workers.warm)  # as `lab serve` does when it starts
            print(f"report workers started in {time.perf_counter() - started:.1f} s (their imports)")
            for kind in args.formats:
                times: list[float] = []
                late: list[float] = []
                for _ in range(args.runs):
                    ticking = asyncio.create_task(lateness(late))
                    started = time.perf_counter()
                    body = await build(store, room, kind)
                    times.append(time.perf_counter() - started)
                    ticking.cancel()
                late.sort()
                print(
                    f"report {kind}: {min(times):.2f} s best of {args.runs} (each: "
                    f"{', '.join(f'{t:.2f}' for t in times)} s; {len(body) // 1024} KB); the event loop "
                    f"late by p99 {1000 * late[int(len(late) * 0.99)]:.0f} ms, max {1000 * late[-1]:.0f} ms"
                )
                if args.keep:
                    keep(Path(args.keep) / filename(room, kind), body)
        finally:
            await store.close()
    return 0


async def lateness(late: list[float], every: float = 0.01) -> None:
    """How late the event loop wakes a task that sleeps `every` seconds, while a report is made: what a live room
    on the same server would wait for."""
    while True:
        started = time.perf_counter()
        await asyncio.sleep(every)
        late.append(time.perf_counter() - started - every)


def keep(path: Path, body: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(body)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.report", description=__doc__.split("\n\n")[0])
    parser.add_argument("--participants", type=int, default=25)
    parser.add_argument("--decks", nargs="+", default=[str(ROOT / "sessions" / "prestatieafspraken.toml")])
    parser.add_argument("--formats", nargs="+", default=["pdf", "docx", "html"], choices=["pdf", "docx", "html"])
    parser.add_argument("--questions", type=int, help="only the decks' first N questions that take answers")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep", help="write the reports into this folder")
    parser.add_argument("--details", default='place = "Buurthuis De Schakel, Utrecht"\nfacilitator = "Participatielab"'
                        '\ndate = "2026-11-19"', help="the room's details for the title page, as TOML")  # fmt: skip
    args: Any = parser.parse_args(argv)
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
