"""Anonymity modes (lab.anonymity): told before answering and in the report, the link from a code to its answers
kept only as the mode requires and erased when an anonymous vote ends; a code given anew for a lost letter; a
switch of who may answer once answers were given."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import Any

import pytest
import websockets
from conftest import CHOICE, Client, Server, facilitator, page_data, spec
from db import rows
from pypdf import PdfReader
from test_members import enter
from test_report import docx_text, flat
from test_votes import VOTE, vote

from lab.errors import Conflict, Ended, Invalid
from lab.members import NewMember
from lab.report import build
from lab.rooms import Room


async def panel(server: Server, mode: str = "anonymous") -> tuple[Room, list[Any]]:
    room = await server.rooms.create("Renovatie De Akker", [spec(**VOTE), spec(**CHOICE)], access="codes",
                                     anonymity=mode)  # fmt: skip
    added = await room.add_members([NewMember(str(n), "De Akker", 2.0 if n == 1 else 1.0) for n in range(1, 6)])
    await room.push(room.questions[0].id)
    return room, added


async def api(client: Client, room: Room) -> tuple[str, dict[str, str]]:
    page = await client.get(f"/f/{room.code}")
    return f"/api/rooms/{room.code}", {"X-CSRF-Token": page_data(page.text)["csrf"]}


def everything(room: Room, question: Any) -> Any:
    """A question's results as the console gets them, with the rule's verdict."""
    return room.judged(question.tally, question.tally.results(facilitator=True))


def stored(server: Server, sql: str) -> list[Any]:
    return rows(server.settings, sql)


@pytest.mark.parametrize(
    ("mode", "access", "said"),
    [
        ("anonymous", "codes", "Anoniem: uw code zorgt er alleen voor dat u één keer antwoordt. Niemand kan zien wat u "
                               "antwoordt. Als de stemming is afgelopen, wordt de koppeling tussen uw code en uw "
                               "antwoorden gewist."),
        ("pseudonymous", "codes", "Met schuilnaam: uw antwoorden worden bewaard onder een nummer, niet onder uw naam. "
                                  "Alleen de organisatie kan dat nummer koppelen aan haar ledenlijst."),
        ("named", "codes", "Op naam: de organisatie ziet wat u antwoordt, bij uw nummer op de ledenlijst."),
        ("named", "open", "Anoniem: niemand kan zien wat u antwoordt."),  # no list to name anyone by
    ],
)  # fmt: skip
async def test_a_participant_is_told_how_anonymous_they_answer_before_answering(
    server: Server, clients: Callable[[], Client], mode: str, access: str, said: str
) -> None:
    room = await server.rooms.create("Raadpleging", [spec(**CHOICE)], access=access, anonymity=mode)
    (member,) = await room.add_members([NewMember("12A")])
    phone = clients()
    first = await phone.get(f"/r/{room.code}")  # the code form, or (an open room) the questions
    assert f'<p class="privacy">{said}</p>' in first.text
    if access == "codes":
        assert 'id="member-code"' in first.text
        await enter(phone, room, member.code)
        assert f'<p class="privacy">{said}</p>' in (await phone.get(f"/r/{room.code}")).text
        boss, _ = await facilitator(clients, room)
        letter = await boss.http.get(f"/f/{room.code}/members/letters", timeout=60)
        text = " ".join((PdfReader(io.BytesIO(letter.content)).pages[0].extract_text() or "").split())
        assert said in text


async def test_a_room_becomes_more_private_at_any_time_but_less_only_before_anyone_answered(server: Server) -> None:
    room, (first, *_rest) = await panel(server, "pseudonymous")
    await room.set_anonymity("named")  # nobody answered yet: the promise can still change
    await vote(room, first, 0)
    await room.set_anonymity("pseudonymous")  # more private: always
    with pytest.raises(Conflict) as refused:
        await room.set_anonymity("named")
    assert str(refused.value) == ("Answers have been given under a more private promise; the room can only become "
                                  "more private now.")  # fmt: skip
    with pytest.raises(Invalid):
        await room.set_anonymity("secret")
    assert room.anonymity == "pseudonymous"
    assert stored(server, f"SELECT anonymity FROM rooms WHERE id = {room.id}") == [("pseudonymous",)]
    await room.set_anonymity("anonymous")
    assert stored(server, f"SELECT anonymity FROM rooms WHERE id = {room.id}") == [("anonymous",)]


async def test_ending_an_anonymous_vote_erases_the_link_and_keeps_every_count(
    server: Server, clients: Callable[[], Client]
) -> None:
    room, added = await panel(server)
    question = room.questions[0]
    await room.set_proxy("2", "3")
    for member, option in zip(added[:3], (0, 0, 1), strict=True):  # 3 votes for 2 by proxy, in the same way
        await vote(room, member, option)
    boss, _ = await facilitator(clients, room)
    ballots, headers = await api(boss, room)
    for teller in (1, 2):  # member 4 on paper
        entered = await boss.http.post(f"{ballots}/ballots", headers=headers, json={
            "ballot": added[3].code, "teller": teller, "answers": {str(question.id): [0]}})  # fmt: skip
        assert entered.status_code == 200
    results = everything(room, question)
    turnout = room.turnout(question.tally)
    assert turnout == {"eligible": 5, "answered": 4, "eligible_weight": 6.0, "answered_weight": 5.0}
    linked = {m.participant for m in added}
    assert {p for (p,) in stored(server, "SELECT participant_id FROM answers")} == linked - {added[4].participant}

    member_phone = clients()
    await enter(member_phone, room, added[0].code)
    await member_phone.connect(f"/ws/r/{room.code}")
    sealed = await boss.http.post(f"{ballots}/seal", headers=headers)
    assert sealed.status_code == 200 and room.sealed is not None
    assert sealed.json() == {
        "access": "codes",
        "members": 5,
        "withdrawn": 0,
        "proxies": [["2", "3"]],
        "anonymity": "anonymous",
        "sealed": room.sealed.at_ms,
    }
    assert (await boss.expect("members"))["sealed"] == room.sealed.at_ms
    with pytest.raises(websockets.ConnectionClosed):  # the member's phone is sent away, and comes back read only
        await member_phone.expect("never")

    # In the store no member leads to an answer any more, and no ballot to a member's code.
    now_bound = {p for (p,) in stored(server, "SELECT participant_id FROM members")}
    answered = {p for (p,) in stored(server, "SELECT participant_id FROM answers")}
    assert len(now_bound) == 5 and not now_bound & answered and not now_bound & linked
    assert len(answered) == 4
    assert stored(server, "SELECT DISTINCT ballot FROM ballots") == [("sealed-1",)]
    assert {code for (code,) in stored(server, "SELECT code FROM members")} == {m.code for m in added}  # kept
    # Every count stays as it was: results, turnout, proxies.
    assert everything(room, question) == results
    assert room.turnout(question.tally) == turnout
    assert room.by_proxy(question.tally) == 1
    assert [q.status for q in room.questions] == ["closed", "hidden"]  # the one open closed; the other never opened

    # Nothing more is taken, on a phone or on paper; nothing about who may answer changes.
    with pytest.raises(Ended):
        await room.vote(added[4].participant, "late-vote-01", question.id, 1, [0])
    late = await boss.http.post(f"{ballots}/ballots", headers=headers, json={
        "ballot": added[4].code, "teller": 1, "answers": {str(question.id): [0]}})  # fmt: skip
    assert (late.status_code, late.json()) == (409, {"error": "ended", "message": "Deze stemming is afgelopen. "
                                                     "Bedankt voor het meedoen."})  # fmt: skip
    for body in ({"access": "open"}, {"anonymity": "named"}):
        refused = await boss.http.put(f"{ballots}/access", headers=headers, json=body)
        assert refused.status_code == 409
    assert (await boss.http.post(f"{ballots}/seal", headers=headers)).status_code == 409
    assert (room.access, room.anonymity) == ("codes", "anonymous")

    # Anyone with the link reads the outcome now, without a code.
    reader = clients()
    page = await reader.get(f"/r/{room.code}")
    assert page.status_code == 200 and 'id="member-code"' not in page.text
    assert ("Anoniem: de stemming is afgelopen, en de koppeling tussen de codes en de antwoorden is gewist."
            in page.text)  # fmt: skip
    snapshot = await reader.connect(f"/ws/r/{room.code}")
    assert snapshot["type"] == "snapshot"

    # After a restart the counts come back from the store, as numbers.
    server.rooms._loaded.clear()
    again = await server.rooms.get(room.code)
    assert again is not None and again is not room and again.sealed == room.sealed
    assert again.turnout(again.questions[0].tally) == turnout
    assert everything(again, again.questions[0]) == results
    text = flat(docx_text(await build(server.app.state.store, again, "docx")))
    turnout_line = "4 van de 5 leden met een code heeft geantwoord (80%); gewogen 5,0 van 6,0 (83%)"
    assert f"{turnout_line}; waarvan 1 via een volmacht" in text
    assert "De antwoorden waren anoniem." in text and "is de koppeling tussen codes en antwoorden gewist" in text


async def test_only_an_anonymous_vote_with_codes_is_ended_by_erasing(server: Server) -> None:
    room, _ = await panel(server, "named")
    with pytest.raises(Conflict):
        await room.seal()
    open_room = await server.rooms.create("Open", [spec(**CHOICE)])
    with pytest.raises(Conflict):
        await open_room.seal()
    assert room.sealed is None and open_room.sealed is None
    assert stored(server, "SELECT sealed FROM rooms") == [(None,), (None,)]


@pytest.mark.parametrize("mode", ["anonymous", "pseudonymous", "named"])
async def test_the_exports_link_answers_to_members_only_as_the_mode_says(
    server: Server, clients: Callable[[], Client], mode: str
) -> None:
    room, (first, second, *_rest) = await panel(server, mode)
    await vote(room, first, 0)
    await vote(room, second, 1)
    boss, _ = await facilitator(clients, room)
    answers = list(csv.reader(io.StringIO((await boss.get(f"/f/{room.code}/export.csv")).text)))
    header, rows = answers[0], answers[1:]
    handles = [row[header.index("Deelnemer")] for row in rows]
    codes = list(csv.reader(io.StringIO((await boss.get(f"/f/{room.code}/members/csv")).text), delimiter=";"))
    if mode == "named":
        assert [row[header.index("Lid")] for row in rows] == ["1", "2"]
    else:
        assert "Lid" not in header
    if mode == "pseudonymous":  # the codes file is the key: its pseudonym is the export's participant
        assert codes[0] == ["id", "group", "weight", "code", "pseudonym"]
        key = {row[4]: row[0] for row in codes[1:]}
        assert [key[handle] for handle in handles] == ["1", "2"]
    else:
        assert codes[0] == ["id", "group", "weight", "code"]
    report = flat(docx_text(await build(server.app.state.store, room, "docx")))
    said = {
        "anonymous": "De koppeling tussen de code van een lid en zijn antwoorden wordt alleen bewaard zolang de "
                     "stemming open is",
        "pseudonymous": "De antwoorden zijn bewaard onder een schuilnaam",
        "named": "De antwoorden zijn op naam gegeven",
    }  # fmt: skip
    assert said[mode] in report


async def test_a_lost_letter_gets_a_new_code_and_the_old_one_stops(
    server: Server, clients: Callable[[], Client]
) -> None:
    room, (member, *_rest) = await panel(server)
    question = room.questions[0]
    finder = clients()  # whoever found the letter, and typed its code
    await enter(finder, room, member.code)
    await finder.connect(f"/ws/r/{room.code}")
    await finder.send({"type": "vote", "round": 1, "id": "found-vote-01", "question": question.id, "value": [1]})
    await finder.expect("ack")

    boss, _ = await facilitator(clients, room)
    base, headers = await api(boss, room)
    given = await boss.http.post(f"{base}/members/reissue", headers=headers, json={"id": "1"})
    assert given.status_code == 200
    new = room.members[0]
    assert new.code != member.code and new.participant == member.participant
    assert given.json()["reissued"] == {"id": "1", "code": new.shown,
                                        "letter": f"/f/{room.code}/members/letters?id=1"}  # fmt: skip
    assert stored(server, f"SELECT code FROM members WHERE id = {member.id}") == [(new.code,)]
    with pytest.raises(websockets.ConnectionClosed):  # the finder's phone is sent away
        await finder.expect("never")
    cookie = "; ".join(f"{k}={v}" for k, v in finder.http.cookies.items())
    async with websockets.connect(f"{server.ws_base}/ws/r/{room.code}", additional_headers={"Cookie": cookie}) as ws:
        assert json.loads(await ws.recv())["error"] == "code_needed"  # and cannot come back with the old code
    assert 'id="member-code"' in (await finder.get(f"/r/{room.code}")).text
    assert (await enter(finder, room, member.code)).status_code == 400

    owner = clients()  # the member, with the new letter: their answer, to change
    assert (await enter(owner, room, new.shown)).status_code == 303
    snapshot = await owner.connect(f"/ws/r/{room.code}")
    assert snapshot["answer"] == [1]
    await owner.send({"type": "vote", "round": 1, "id": "owner-vote-01", "question": question.id, "value": [0]})
    await owner.expect("ack")
    assert stored(server, "SELECT participant_id, value FROM answers") == [(member.participant, "[0]")]

    letter = await boss.http.get(given.json()["reissued"]["letter"], timeout=60)
    pages = PdfReader(io.BytesIO(letter.content)).pages
    assert len(pages) == 1 and new.shown in (pages[0].extract_text() or "")
    assert member.shown not in (pages[0].extract_text() or "")
    missing = await boss.http.get(f"/f/{room.code}/members/letters?id=99")
    assert missing.status_code == 404 and "99 staat niet op de ledenlijst." in missing.text
    unknown = await boss.http.post(f"{base}/members/reissue", headers=headers, json={"id": "99"})
    assert (unknown.status_code, unknown.json()["message"]) == (400, "99 staat niet op de ledenlijst.")


async def test_a_withdrawn_code_is_given_anew_and_answers_again(server: Server) -> None:
    room, (member, *_rest) = await panel(server)
    await room.withdraw_member("1")
    again = await room.reissue("1")
    assert not again.withdrawn and room.member(again.code) == again and room.member(member.code) is None
    await vote(room, again, 0)
    assert set(room.questions[0].tally.answers) == {member.participant}


async def test_switching_who_may_answer_once_answers_were_given_asks_to_confirm(
    server: Server, clients: Callable[[], Client]
) -> None:
    room = await server.rooms.create("Bewonersavond", [spec(**CHOICE)])
    await room.push(room.questions[0].id)
    await room.join("walk-in")
    await room.vote("walk-in", "walk-in-vote-1", room.questions[0].id, 1, [0])
    boss, _ = await facilitator(clients, room)
    base, headers = await api(boss, room)
    made = await boss.http.post(f"{base}/members", headers=headers, json={"count": 3})
    assert made.status_code == 201 and made.json()["access"] == "open"  # codes, but the switch is theirs to make
    asked = await boss.http.put(f"{base}/access", headers=headers, json={"access": "codes"})
    assert (asked.status_code, asked.json()) == (409, {"error": "conflict", "message": (
        "Er zijn al antwoorden gegeven (1). Die blijven meetellen na het omzetten: kijk of u dat wilt, en "
        "bevestig dan.")})  # fmt: skip
    assert room.access == "open" and stored(server, "SELECT access FROM rooms") == [("open",)]
    confirmed = await boss.http.put(f"{base}/access", headers=headers, json={"access": "codes", "confirmed": True})
    assert confirmed.status_code == 200 and confirmed.json()["access"] == "codes"
    assert stored(server, "SELECT access FROM rooms") == [("codes",)]
    nothing = await boss.http.put(f"{base}/access", headers=headers, json={"confirmed": True})
    assert (nothing.status_code, nothing.json()["message"]) == (400, 'Stuur "access", "anonymity" of allebei.')


def test_a_deck_sets_the_anonymity(tmp_path: Any) -> None:
    from lab.decks import DeckError, load_deck

    deck = tmp_path / "panel.toml"
    deck.write_text('title = "Panel"\naccess = "codes"\nanonymity = "named"\n[[questions]]\ntype = "choice"\n'
                    'prompt = "Ja?"\noptions = ["Ja", "Nee"]\n', encoding="utf-8")  # fmt: skip
    assert load_deck(deck).anonymity == "named"
    deck.write_text(deck.read_text(encoding="utf-8").replace('"named"', '"geheim"'), encoding="utf-8")
    with pytest.raises(DeckError) as refused:
        load_deck(deck)
    assert str(refused.value) == 'panel.toml: anonymity: must be "anonymous", "pseudonymous" or "named"'


@pytest.mark.parametrize(("mode", "names"), [("anonymous", False), ("pseudonymous", False), ("named", True)])
async def test_a_member_gives_a_name_only_where_answers_are_named(
    server: Server, clients: Callable[[], Client], mode: str, names: bool
) -> None:
    room, (member, *_rest) = await panel(server, mode)
    phone = clients()
    await enter(phone, room, member.code)
    assert page_data((await phone.get(f"/r/{room.code}")).text)["names"] is names
    await room.join(member.participant)
    if names:
        assert await room.set_nickname(member.participant, "Jan de Vries") == "Jan de Vries"
    else:
        with pytest.raises(Invalid) as refused:
            await room.set_nickname(member.participant, "Jan de Vries")
        assert str(refused.value) == "In this vote the answers go without names."
        assert stored(server, "SELECT nickname FROM participants") == [("",)]  # none given
    open_room = await server.rooms.create("Open", [spec(**CHOICE)], anonymity=mode)
    assert open_room.names_allowed()  # nobody is on a list: a name is the participant's own choice
