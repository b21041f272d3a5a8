"""The facilitator's JSON API for adding, changing, moving and deleting questions, and the exports."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import openpyxl
from conftest import CHOICE, OPEN, SCALE, Client, Server, facilitator, page_data, phone, spec
from db import rows

from lab.questions import TYPES
from lab.rooms import Room

COMMON = {"allow_change": True, "timer": 0, "notes": "", "planned_minutes": 0}  # every question has these
COMMON_JSON = '"allow_change":true,"timer":0,"notes":"","planned_minutes":0}'


async def console_client(clients: Callable[[], Client], room: Room) -> tuple[Client, dict[str, str]]:
    """A facilitator's browser: granted by the key link, with the CSRF token of its console page."""
    client, _ = await facilitator(clients, room)
    page = await client.get(f"/f/{room.code}")
    assert page.status_code == 200
    return client, {"X-CSRF-Token": page_data(page.text)["csrf"]}


def table(server: Server, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    return rows(server.settings, sql, params)


async def test_add_a_question_and_every_screen_hears_of_it(server: Server, clients: Callable[[], Client]) -> None:
    room: Room = await server.rooms.create("Leeg", [])
    client, headers = await console_client(clients, room)
    body = {"type": "choice", "prompt": "Welke kleur?", "options": ["Rood", "Blauw"], "max_choices": 1}
    response = await client.http.post(f"/api/rooms/{room.code}/questions", json=body, headers=headers)
    assert response.status_code == 201
    question = response.json()["question"]
    assert question == {
        "id": question["id"],
        "position": 0,
        "type": "choice",
        "prompt": "Welke kleur?",
        "settings": {"options": ["Rood", "Blauw"], "max_choices": 1, **COMMON},
        "status": "hidden",
        "results_projector": False,
        "results_phones": False,
        "round": 1,
        "closes_ms": None,
        "compare": False,
        "by_group": False,
        "upvotes": False,
        "shown_ms": 0,
        "comparable": None,  # no earlier round to compare with
    }
    listed = await client.expect("questions")
    assert listed["questions"] == [question]
    assert table(server, "SELECT type, prompt, position FROM questions") == [("choice", "Welke kleur?", 0)]


async def test_bad_questions_get_clear_errors_and_change_nothing(server: Server, clients: Callable[[], Client]) -> None:
    room: Room = await server.rooms.create("Leeg", [])
    client, headers = await console_client(clients, room)
    url = f"/api/rooms/{room.code}/questions"
    cases: list[tuple[Any, int, dict[str, str]]] = [
        (
            {"type": "poll", "prompt": "x"},
            400,
            {"error": "invalid", "message": "type: moet een van deze zijn: " + ", ".join(TYPES)},
        ),
        (
            {"type": "choice", "prompt": "x", "options": ["a"]},
            400,
            {"error": "invalid", "message": "options: moet 2 tot en met 12 regels hebben"},
        ),
        ({"type": "choice", "options": ["a", "b"]}, 400, {"error": "invalid", "message": "prompt: is verplicht"}),
        (
            {"type": "scale", "prompt": "x", "statements": ["a"], "scale_max": 99},
            400,
            {"error": "invalid", "message": "scale_max: moet van 2 tot en met 10 zijn"},
        ),
        ([1, 2], 400, {"error": "invalid", "message": "question: moet een tabel met instellingen zijn"}),
    ]
    for body, status, answer in cases:
        response = await client.http.post(url, json=body, headers=headers)
        assert (response.status_code, response.json()) == (status, answer), body
    for raw in (b"{not json", b'{"type": "open", "prompt": "lone \\ud800 surrogate"}'):
        response = await client.http.post(url, content=raw, headers=headers)
        assert (response.status_code, response.json()["error"]) == (400, "invalid"), raw
    response = await client.http.post(url, content=b"x" * 70_000, headers=headers)
    assert (response.status_code, response.json()["error"]) == (413, "too_large")
    assert table(server, "SELECT count(*) FROM questions") == [(0,)]


async def test_editing_needs_the_facilitator_grant_and_the_csrf_token(
    server: Server, clients: Callable[[], Client]
) -> None:
    room: Room = await server.rooms.create("Kamer", [spec(**CHOICE)])
    client, headers = await console_client(clients, room)
    stranger = clients()
    url = f"/api/rooms/{room.code}/questions"
    refused = [
        await stranger.http.post(url, json=CHOICE),
        await stranger.http.post(url, json=CHOICE, headers=headers),
        await client.http.post(url, json=CHOICE),
        await client.http.post(url, json=CHOICE, headers={"X-CSRF-Token": "wrong"}),
        await client.http.delete(f"{url}/{room.questions[0].id}"),
    ]
    assert [(r.status_code, r.json()["error"]) for r in refused] == [(403, "forbidden")] * 5
    missing = await client.http.post("/api/rooms/999999/questions", json=CHOICE, headers=headers)
    assert (missing.status_code, missing.json()["error"]) == (404, "not_found")
    assert table(server, "SELECT count(*) FROM questions") == [(1,)]


async def test_change_move_and_delete_questions(server: Server, clients: Callable[[], Client]) -> None:
    room: Room = await server.rooms.create("Kamer", [spec(**CHOICE), spec(**SCALE), spec(**OPEN)])
    first, second, third = (q.id for q in room.questions)
    client, headers = await console_client(clients, room)
    voter, _ = await phone(clients, room)
    await client.send({"type": "push", "question": first})
    await voter.expect("state")
    await voter.send({"type": "vote", "round": 1, "id": "vote-before-edit", "question": first, "value": [0]})
    await voter.expect("ack")

    url = f"/api/rooms/{room.code}/questions"
    edited = {**CHOICE, "prompt": "Hoe ging de samenwerking?"}
    refused = await client.http.put(f"{url}/{first}", json=edited, headers=headers)
    assert (refused.status_code, refused.json()["error"]) == (409, "open")
    await client.send({"type": "close", "question": first})
    await client.expect("state", lambda m: m["question"]["status"] == "closed")

    changed = await client.http.put(f"{url}/{first}", json=edited, headers=headers)
    assert changed.status_code == 200 and changed.json()["question"]["prompt"] == "Hoe ging de samenwerking?"
    assert table(server, "SELECT value FROM answers") == [("[0]",)]  # same options: the answer keeps its meaning
    reworded = await client.http.put(
        f"{url}/{first}?new_round=1", json={**CHOICE, "options": ["Ja", "Nee"]}, headers=headers
    )  # confirmed: the question has an answer
    assert reworded.json()["question"]["round"] == 2  # other options: a new round; the old answer stays with its own
    assert table(server, "SELECT round, value FROM answers") == [(1, "[0]")]
    assert table(server, "SELECT number, settings FROM rounds WHERE question_id = ? ORDER BY number", first) == [
        (1, '{"options":["Goed","Matig","Slecht"],"max_choices":1,' + COMMON_JSON),
        (2, '{"options":["Ja","Nee"],"max_choices":1,' + COMMON_JSON),
    ]
    again = await client.http.put(f"{url}/{first}", json={**CHOICE, "options": ["Ja", "Nee", "Soms"]}, headers=headers)
    assert again.json()["question"]["round"] == 3  # a phone may hold an answer to round 2's options: a new round
    never_opened = await client.http.put(f"{url}/{third}", json={**OPEN, "max_length": 50}, headers=headers)
    assert never_opened.json()["question"]["round"] == 1
    retyped = await client.http.put(f"{url}/{second}", json=CHOICE, headers=headers)
    assert retyped.json()["question"]["round"] == 1  # never opened: nobody can hold an answer, so no new round

    moved = await client.http.post(f"{url}/{third}/move", json={"position": 0}, headers=headers)
    assert [q["id"] for q in moved.json()["questions"]] == [third, first, second]
    bad_move = await client.http.post(f"{url}/{third}/move", json={"position": 7}, headers=headers)
    assert bad_move.status_code == 400

    deleted = await client.http.delete(f"{url}/{first}", headers=headers)
    assert deleted.json() == {"deleted": first}
    assert table(server, "SELECT id, position FROM questions ORDER BY position") == [(third, 0), (second, 1)]
    state = await voter.expect("state", lambda m: m["question"] is None)
    assert state["question"] is None  # the current question was deleted: phones wait
    gone = await client.http.delete(f"{url}/{first}", headers=headers)
    assert (gone.status_code, gone.json()["error"]) == (404, "unknown_question")


async def test_exports_hold_every_answer(server: Server, clients: Callable[[], Client]) -> None:
    room: Room = await server.rooms.create("Prestatieafspraken 2016", [spec(**CHOICE), spec(**SCALE), spec(**OPEN)])
    choice, scale, text = (q.id for q in room.questions)
    boss, _ = await facilitator(clients, room)
    voters = [await phone(clients, room) for _ in range(3)]
    answers = {choice: [[0], [0], [2]], scale: [[5, 4], [3, None], [4, 2]], text: ["Meer overleg", "=1+1", "Niets"]}
    for question, values in answers.items():
        await boss.send({"type": "push", "question": question})
        for index, (voter, _) in enumerate(voters):
            await voter.expect("state", lambda m, q=question: m["question"]["id"] == q)
            await voter.send(
                {
                    "type": "vote",
                    "round": 1,
                    "id": f"export-{question}-{index}",
                    "question": question,
                    "value": values[index],
                }
            )
            await voter.expect("ack")

    response = await boss.get(f"/f/{room.code}/export.csv")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == f'attachment; filename="prestatieafspraken-2016-{room.code}.csv"'
    lines = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert lines[0] == [
        "Vraag nr.", "Vraag", "Soort", "Ronde", "Deelnemer", "Naam", "Ontvangen op (Europe/Amsterdam)", "Status",
        "Antwoord", "2. Samenwerking", "2. Inbreng van huurders",
    ]  # fmt: skip
    assert {(line[3], line[7]) for line in lines[1:]} == {("1", "getoond")}
    assert [(line[0], line[8], line[9], line[10]) for line in lines[1:]] == [
        ("1", "Goed", "", ""), ("1", "Goed", "", ""), ("1", "Slecht", "", ""),
        ("2", "", "5", "4"), ("2", "", "3", ""), ("2", "", "4", "2"),  # a rating per statement; empty: skipped
        ("3", "Meer overleg", "", ""), ("3", "'=1+1", "", ""), ("3", "Niets", "", ""),
    ]  # fmt: skip
    assert len({line[4] for line in lines[1:]}) == 3  # three anonymous participants

    response = await boss.get(f"/f/{room.code}/export.xlsx")
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == [
        "Samenvatting", "1 Hoe was de samenwerking", "2 Beoordeel de prestatieafspra…", "3 Wat moet beter", "Antwoorden"
    ]  # fmt: skip
    summary = [tuple(c for c in row if c is not None) for row in book["Samenvatting"].iter_rows(values_only=True)]
    assert ("Goed", 2, 66.7) in summary and ("Slecht", 1, 33.3) in summary
    assert ("Samenwerking", 4, 3, 0, 0, 0, 1, 1, 1) in summary
    assert ("Inbreng van huurders", 3, 2, 1, 0, 1, 0, 1, 0) in summary
    assert book["Antwoorden"].max_row == 10
    stranger = clients()
    refused = await stranger.get(f"/f/{room.code}/export.csv")
    assert refused.status_code == 403


async def test_an_edit_that_changes_what_answers_mean_is_asked_about_first(
    server: Server, clients: Callable[[], Client]
) -> None:
    """Fixing a typo keeps the answers in their round; other options are refused until the facilitator confirms,
    and then start a new round with the earlier answers kept. Nothing is deleted."""
    room: Room = await server.rooms.create("Kamer", [spec(**CHOICE)])
    question = room.questions[0]
    await room.push(question.id)
    for n, value in enumerate([[0], [1], [0]]):
        await room.join(f"p{n}")
        await room.vote(f"p{n}", f"v{n:04d}", question.id, 1, value)
    await room.act("close", {"question": question.id})
    client, headers = await console_client(clients, room)
    path = f"/api/rooms/{room.code}/questions/{question.id}"

    typo = {**CHOICE, "prompt": "Hoe was de samenwerking dit jaar?"}
    response = await client.http.put(path, json=typo, headers=headers)
    assert response.status_code == 200 and response.json()["question"]["round"] == 1
    assert len(room.questions[0].tally.answers) == 3

    other = {**typo, "options": ["Goed", "Voldoende", "Onvoldoende"]}
    response = await client.http.put(path, json=other, headers=headers)
    assert response.status_code == 409
    assert response.json() == {
        "error": "new_round",
        "message": "Deze vraag heeft 3 antwoorden. Met deze wijzigingen begint een nieuwe ronde: de antwoorden tot nu "
        "toe blijven bewaard bij de vorige ronde. Toch opslaan?",
    }
    assert room.questions[0].settings["options"] == CHOICE["options"] and room.questions[0].round == 1

    response = await client.http.put(path + "?new_round=1", json=other, headers=headers)
    assert response.status_code == 200
    assert response.json()["question"]["round"] == 2
    assert response.json()["question"]["settings"]["options"] == ["Goed", "Voldoende", "Onvoldoende"]
    assert table(server, "SELECT round, count(*) FROM answers WHERE question_id = ? GROUP BY round", question.id) == [
        (1, 3)
    ]
    assert (
        table(server, "SELECT number, settings FROM rounds WHERE question_id = ? ORDER BY number", question.id)[0][
            1
        ].count("Matig")
        == 1
    )  # the first round keeps its options, so its answers still read
