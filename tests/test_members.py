"""Member codes (lab.members): a room that asks for them takes answers from members only, one per code per question
on any phone, with the member's group and weight; the code form refuses wrong codes and guessers; `lab codes`
makes codes and prints letters and labels."""

from __future__ import annotations

import asyncio
import io
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import websockets
from conftest import CHOICE, Client, Server, facilitator, page_data, spec
from db import Target, make_store, one, rows
from pypdf import PdfReader
from test_report import docx_text, flat, pdf_text

from lab import export, letters, members
from lab.cli import main
from lab.errors import CodeNeeded, Invalid
from lab.hub import Hub
from lab.members import NewMember
from lab.rooms import Room, Rooms

PRIVATE = {"anonymity": "anonymous", "sealed": None}  # the member summary of a room whose vote runs anonymously

LIST = "\ufeffnummer;complex;gewicht\n12A;De Akker;1\n12B;De Akker;1,5\n14;Het Hof;\n"


def test_a_member_list_is_read_as_a_spreadsheet_saves_it() -> None:
    assert members.parse_list(LIST) == [
        NewMember("12A", "De Akker", 1.0), NewMember("12B", "De Akker", 1.5), NewMember("14", "Het Hof", 1.0),
    ]  # fmt: skip
    assert members.parse_list("id,group\n1,a\n2,\n") == [NewMember("1", "a"), NewMember("2")]
    assert members.parse_list("sep=;\nid;gewicht\n1;2,5\n;;\n") == [NewMember("1", None, 2.5)]  # Excel's own lines


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("", "The list is empty."),
        ("naam;straat\nJan;Dorpsstraat\n", 'The first line must name the columns, with one called "id" (a dwelling '
         'or member number).'),
        ("id\n", "The list has a header but no members."),
        ("id;gewicht\n1;2\n;3\n", "Line 3 has no id."),
        ("id\n7\n8\n7\n", "The id 7 is on the list twice (line 4)."),
        ("id;gewicht\n1;veel\n", "The weight on line 2 is not a number."),
        ("id;gewicht\n1;0\n", "The weight on line 2 must be above 0 and at most 1000."),
        ("id;groep\n1;" + "x" * 61 + "\n", "The group on line 2 is longer than 60 characters."),
        ("id;groep\n\n1;a\n\n;b\n", "Line 5 has no id."),  # numbered as the spreadsheet numbers its rows
        ('id\n1\n"2' + "x" * 200_000 + "\n", "Line 3 cannot be read: check its quotes."),
        ("id\n1\n2\x07\n", "Line 3 holds a character that is not text."),
        ("id\n12A\n12a\n", "The id 12a is on the list twice (line 3)."),
    ],
)  # fmt: skip
def test_a_wrong_member_list_is_refused_naming_the_line(text: str, said: str) -> None:
    with pytest.raises(Invalid) as refused:
        members.parse_list(text)
    assert str(refused.value) == said


def test_codes_are_typed_as_they_come() -> None:
    code = members.new_code()
    assert len(code) == 8 and set(code) <= set(members.ALPHABET)
    assert not set(members.ALPHABET) & set("0O1IL2Z5S8B")
    assert members.tidy(" kt7r-9cxa ") == "KT7R9CXA" and members.shown("KT7R9CXA") == "KT7R-9CXA"


async def coded_room(server: Server) -> tuple[Room, list[members.Member]]:
    room = await server.rooms.create("Renovatie De Akker", [spec(**CHOICE)], access="codes")
    added = await room.add_members(members.parse_list(LIST))
    await room.push(room.questions[0].id)
    return room, added


async def test_members_answer_once_per_question_with_their_weight_and_others_are_refused(server: Server) -> None:
    room, (first, second, third) = await coded_room(server)
    question = room.questions[0]
    await room.join("a-stranger")
    with pytest.raises(CodeNeeded):
        await room.vote("a-stranger", "v0", question.id, 1, [0])

    await room.join(second.participant)
    await room.vote(second.participant, "v1", question.id, 1, [0])
    await room.vote(second.participant, "v2", question.id, 1, [2])  # the same code again, on another phone: changed
    assert rows(server.settings, "SELECT participant_id, value, group_name, weight FROM answers") == [
        (second.participant, "[2]", "De Akker", 1.5)
    ]
    assert room.turnout(question.tally) == {
        "eligible": 3, "answered": 1, "eligible_weight": 3.5, "answered_weight": 1.5,
    }  # fmt: skip

    await room.withdraw_member(third.ref)
    assert room.turnout(question.tally) == {
        "eligible": 2,
        "answered": 1,
        "eligible_weight": 2.5,
        "answered_weight": 1.5,
    }
    await room.join(third.participant)
    with pytest.raises(CodeNeeded):
        await room.vote(third.participant, "v3", question.id, 1, [1])
    assert room.member(first.shown.lower()) == first and room.member(third.code) is None


async def test_a_list_with_an_id_that_has_a_code_already_changes_nothing(server: Server) -> None:
    room, added = await coded_room(server)
    with pytest.raises(Invalid) as refused:
        await room.add_members([NewMember("15"), NewMember("12B")])
    assert str(refused.value) == "12B has a code already."
    assert rows(server.settings, "SELECT ref FROM members ORDER BY id") == [("12A",), ("12B",), ("14",)]
    assert room.members == added
    assert [m.ref for m in await room.add_members(members.counted(2, room.next_number()))] == ["15", "16"]


def csrf(page: str) -> str:
    return re.findall(r'name="csrf" value="([^"]+)"', page)[0]


async def enter(client: Client, room: Room, typed: str) -> Any:
    page = await client.get(f"/r/{room.code}")
    return await client.http.post(f"/r/{room.code}/member", data={"csrf": csrf(page.text), "member_code": typed})


async def test_a_member_types_their_code_and_goes_on_later_on_another_phone(
    server: Server, clients: Callable[[], Client]
) -> None:
    room, (member, *_) = await coded_room(server)
    phone = clients()
    page = await phone.get(f"/r/{room.code}")
    assert page.status_code == 200 and "Typ de code van uw brief" in page.text

    wrong = await enter(phone, room, "AAAA-AAAA")
    assert wrong.status_code == 400
    assert "De code AAAA-AAAA kennen we niet. Kijk of u hem precies goed heeft overgenomen van uw brief." in wrong.text
    right = await enter(phone, room, " " + member.shown.lower() + " ")
    assert right.status_code == 303 and right.headers["location"] == f"/r/{room.code}"
    assert 'id="member-code"' not in (await phone.get(f"/r/{room.code}")).text  # the questions now
    await phone.connect(f"/ws/r/{room.code}")
    await phone.send({"type": "vote", "round": 1, "id": "home-0001", "question": room.questions[0].id, "value": [1]})
    assert (await phone.expect("ack"))["value"] == [1]

    tablet = clients()  # later, on another device: the same code, the same answer
    assert (await enter(tablet, room, member.code)).status_code == 303
    snapshot = await tablet.connect(f"/ws/r/{room.code}")
    assert snapshot["answer"] == [1]
    _boss, start = await facilitator(clients, room)
    assert start["turnout"] == {"eligible": 3, "answered": 1, "eligible_weight": 3.5,
                                           "answered_weight": 1.0}  # fmt: skip


async def test_a_letters_qr_code_fills_the_code_in_and_a_stale_form_changes_nothing(
    server: Server, clients: Callable[[], Client]
) -> None:
    room, (member, *_) = await coded_room(server)
    scanned = await clients().get(f"/r/{room.code}?member={member.code}")
    assert f'value="{member.code}"' in scanned.text
    stale = await clients().http.post(f"/r/{room.code}/member", data={"member_code": member.code})
    assert stale.status_code == 403
    assert one(server.settings, "SELECT count(*) FROM participants") == (0,)


@pytest.mark.parametrize("wrong", [20])
async def test_an_address_that_guesses_codes_is_stopped_for_a_minute(
    server: Server, clients: Callable[[], Client], wrong: int
) -> None:
    room, (member, *_) = await coded_room(server)
    now = [1000.0]
    server.app.state.code_guard._failures._clock = lambda: now[0]
    guesser = clients()
    statuses = [(await enter(guesser, room, f"AAAA{n:04d}")).status_code for n in range(wrong)]
    assert statuses == [400] * wrong
    stopped = await enter(guesser, room, member.code)  # even the right code, from this address, for now
    assert stopped.status_code == 429
    assert "Te veel verkeerde codes. Wacht een minuut en probeer het opnieuw." in stopped.text
    assert 'id="member-code"' in (await guesser.get(f"/r/{room.code}")).text  # still the form
    now[0] += 61  # a minute later
    assert (await enter(guesser, room, member.code)).status_code == 303


def test_labels_fill_a_sheet_of_24_before_the_next() -> None:
    made = [members.Member(n, members.new_code(), str(n), None, 1.0, f"p{n}") for n in range(1, 26)]
    body = letters.pdf("Ledenraadpleging", "nl", "http://192.168.1.20:8000", "123456", made, "labels")
    sheets = [" ".join((p.extract_text() or "").split()) for p in PdfReader(io.BytesIO(body)).pages]
    assert [sum(m.shown in sheet for m in made) for sheet in sheets] == [24, 1]
    assert sheets[0].count("192.168.1.20:8000 · code 123456") == 24


def room_in_file(db: Target, title: str) -> str:
    """A room in a database of its own, for `lab codes` (no server holds it); returns its code."""

    async def fill() -> str:
        store = make_store(db)
        await store.open()
        room = await Rooms(store, Hub()).create(title, [spec(**CHOICE)])
        await store.close()
        return room.code

    return asyncio.run(fill())


def test_lab_codes_makes_codes_and_prints_letters_and_labels(
    tmp_path: Path, store_target: Target, capsys: pytest.CaptureFixture[str]
) -> None:
    db = store_target
    code = room_in_file(db, "Ledenraadpleging 2027")
    listed = tmp_path / "leden.csv"
    listed.write_text(LIST, encoding="utf-8")
    letter_pdf, label_pdf = tmp_path / "brieven.pdf", tmp_path / "etiketten.pdf"
    assert main(["codes", code, "--db", str(db), "--from", str(listed), "--letters", str(letter_pdf),
                 "--labels", str(label_pdf), "--url", "https://lab.example.nl"]) == 0  # fmt: skip
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert lines[0] == "id;group;weight;code" and len(lines) == 4
    made = [line.split(";") for line in lines[1:]]
    assert [row[:3] for row in made] == [["12A", "De Akker", "1"], ["12B", "De Akker", "1.5"], ["14", "Het Hof", "1"]]
    assert all(re.fullmatch(r"[A-Z3-9]{4}-[A-Z3-9]{4}", row[3]) for row in made)
    assert err == (f"room {code} now asks for member codes\n{letter_pdf}: 3 letters\n{label_pdf}: 3 labels\n"
                   f"3 new codes, 3 in room {code}\n")  # fmt: skip

    pages = [" ".join((p.extract_text() or "").split()) for p in PdfReader(io.BytesIO(letter_pdf.read_bytes())).pages]
    assert len(pages) == 3
    for page, row in zip(pages, made, strict=True):
        assert "Ledenraadpleging 2027" in page and f"Uw persoonlijke code: {row[3]}" in page
        assert f"ga op een telefoon of computer naar lab.example.nl, typ de sessiecode {code}" in page
    (sheet,) = PdfReader(io.BytesIO(label_pdf.read_bytes())).pages
    assert [row[3] in (sheet.extract_text() or "") for row in made] == [True] * 3

    assert main(["codes", code, "--db", str(db), "--count", "2"]) == 0
    out, err = capsys.readouterr()
    assert [line.split(";")[:3] for line in out.splitlines()[1:]] == [["15", "", "1"], ["16", "", "1"]]
    assert err == f"2 new codes, 5 in room {code}\n"
    assert main(["codes", code, "--db", str(db), "--from", str(listed)]) == 2
    assert capsys.readouterr().err == "lab: 12A has a code already.\n"
    assert main(["codes", code, "--db", str(db), "--withdraw", "12B"]) == 0
    out, err = capsys.readouterr()
    assert [line.split(";")[0] for line in out.splitlines()] == ["id", "12A", "14", "15", "16"]
    assert err == f"withdrew the code of 12B\n0 new codes, 4 in room {code}\n"
    assert main(["codes", code, "--db", str(db), "--withdraw", "99"]) == 2
    assert capsys.readouterr().err == "lab: 99 is not on the member list.\n"
    counted = (
        "SELECT count(*), count(*) FILTER (WHERE withdrawn), min(access) FROM members JOIN rooms ON rooms.id = room_id"
    )
    assert one(db, counted) == (5, 1, "codes")


async def test_the_console_makes_codes_withdraws_one_and_hands_out_letters(
    server: Server, clients: Callable[[], Client]
) -> None:
    room = await server.rooms.create("Klantenpanel Zuid", [spec(**CHOICE)])
    boss, start = await facilitator(clients, room)
    assert start["members"] == {"access": "open", "members": 0, "withdrawn": 0, "proxies": [], **PRIVATE}
    page = await boss.get(f"/f/{room.code}")
    headers = {"X-CSRF-Token": page_data(page.text)["csrf"]}
    api = f"/api/rooms/{room.code}"

    wrong = await boss.http.post(f"{api}/members", json={"list": "id\n7\n7\n"}, headers=headers)
    assert (wrong.status_code, wrong.json()) == (
        400,
        {"error": "invalid", "message": "Het nummer 7 staat twee keer op de lijst (regel 3)."},
    )
    assert room.members == [] and room.access == "open"  # nothing changed

    made = await boss.http.post(f"{api}/members", json={"list": LIST}, headers=headers)
    assert (made.status_code, made.json()) == (
        201,
        {"added": 3, "access": "codes", "members": 3, "withdrawn": 0, "proxies": [], **PRIVATE},
    )
    assert (await boss.expect("members"))["members"] == 3
    more = await boss.http.post(f"{api}/members", json={"count": 2}, headers=headers)
    assert more.json() == {"added": 2, "access": "codes", "members": 5, "withdrawn": 0, "proxies": [], **PRIVATE}
    gone = await boss.http.post(f"{api}/members/withdraw", json={"id": "12B"}, headers=headers)
    assert gone.json() == {"access": "codes", "members": 4, "withdrawn": 1, "proxies": [], **PRIVATE}
    unknown = await boss.http.post(f"{api}/members/withdraw", json={"id": "12B"}, headers=headers)
    assert (unknown.status_code, unknown.json()["message"]) == (400, "12B staat niet op de ledenlijst.")

    listed = await boss.get(f"/f/{room.code}/members/csv")
    lines = listed.text.splitlines()
    assert listed.headers["content-type"] == "text/csv; charset=utf-8"
    assert [line.split(";")[:3] for line in lines] == [
        [
            "id",
            "group",
            "weight",
        ],
        ["12A", "De Akker", "1"],
        ["14", "Het Hof", "1"],
        ["15", "", "1"],
        ["16", "", "1"],
    ]
    letters_pdf = await boss.http.get(f"/f/{room.code}/members/letters", timeout=60)  # made by the report workers
    assert (
        letters_pdf.headers["content-disposition"]
        == f'attachment; filename="brieven-klantenpanel-zuid-{room.code}.pdf"'
    )
    pages = PdfReader(io.BytesIO(letters_pdf.content)).pages
    assert [line.split(";")[3] in (page.extract_text() or "") for line, page in zip(lines[1:], pages, strict=True)] \
        == [True] * 4  # fmt: skip

    opened = await boss.http.put(f"{api}/access", json={"access": "open"}, headers=headers)
    assert opened.json() == {"access": "open", "members": 4, "withdrawn": 1, "proxies": [], **PRIVATE}
    refused = await boss.http.put(f"{api}/access", json={"access": "iedereen"}, headers=headers)
    assert refused.status_code == 400 and room.access == "open"


async def test_the_report_of_a_members_room_gives_the_turnout_per_question(server: Server) -> None:
    room, (_first, second, _third) = await coded_room(server)
    await room.join(second.participant)
    await room.vote(second.participant, "vote-0001", room.questions[0].id, 1, [0])
    from lab.report import build

    text = flat(docx_text(await build(server.app.state.store, room, "docx")))
    assert "Leden met een code | 3" in text
    assert "1 van de 3 leden met een code heeft geantwoord (33%); gewogen 1,5 van 3,5 (43%)" in text
    assert "Alleen leden konden antwoorden, elk met de persoonlijke code op hun brief" in text
    assert "3 leden hadden een code." in text
    pdf = pdf_text(await build(server.app.state.store, room, "pdf"))
    assert "1 van de 3 leden met een code heeft geantwoord (33%); gewogen 1,5 van 3,5 (43%)" in pdf


async def test_without_a_code_one_cannot_react_name_oneself_or_even_watch_a_members_room(
    server: Server, clients: Callable[[], Client]
) -> None:
    room, _added = await coded_room(server)
    await room.join("a-stranger")
    with pytest.raises(CodeNeeded):
        room.react("a-stranger", "like")
    with pytest.raises(CodeNeeded):
        await room.set_nickname("a-stranger", "Piet")
    stranger = clients()
    await stranger.get(f"/r/{room.code}")  # the code form; the browser has a participant id, and no code
    cookie = "; ".join(f"{k}={v}" for k, v in stranger.http.cookies.items())
    async with websockets.connect(f"{server.ws_base}/ws/r/{room.code}", additional_headers={"Cookie": cookie}) as ws:
        told = json.loads(await ws.recv())
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await ws.recv()
    assert told == {"type": "error", "error": "code_needed",
                    "message": "Voor deze sessie vult u eerst de code van uw brief in."}  # fmt: skip
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403


async def test_a_questions_from_the_room_turnout_counts_who_asked(server: Server) -> None:
    room = await server.rooms.create("Vragenronde", [spec(type="qa", prompt="Uw vragen aan de corporatie")],
                                     access="codes")  # fmt: skip
    first, _second = await room.add_members([NewMember("1"), NewMember("2")])
    question = room.questions[0]
    await room.push(question.id)
    await room.join(first.participant)
    await room.ask(first.participant, "ask-00000001", question.id, "Wanneer komen de nieuwe kozijnen?", False)
    assert room.turnout_of(question.tally) == members.Turnout(2, 1, 2.0, 1.0)


async def test_an_id_differing_only_in_capitals_gets_no_second_code_and_odd_ids_do_not_upset_numbering(
    server: Server,
) -> None:
    room, _added = await coded_room(server)
    with pytest.raises(Invalid) as refused:
        await room.add_members([NewMember("12a")])
    assert str(refused.value) == "12a has a code already."
    await room.add_members([NewMember("12\u00b2"), NewMember("=1+1")])  # a superscript two: a digit, no number
    assert [m.ref for m in await room.add_members(members.counted(1, room.next_number()))] == ["15"]
    lines = export.codes_csv(room.members).splitlines()
    assert [line.split(";")[0] for line in lines] == ["id", "12A", "12B", "14", "12\u00b2", "'=1+1", "15"]


def test_lab_codes_says_what_to_do_with_a_list_that_is_not_utf8(
    tmp_path: Path, store_target: Target, capsys: pytest.CaptureFixture[str]
) -> None:
    db = store_target
    code = room_in_file(db, "Ledenraadpleging")
    listed = tmp_path / "leden.csv"
    listed.write_bytes("nummer;straat\n1;Caf\u00e9laan\n".encode("cp1252"))  # Dutch Excel's plain "CSV"
    assert main(["codes", code, "--db", str(db), "--from", str(listed)]) == 2
    assert capsys.readouterr().err == f'lab: {listed}: not UTF-8 text. In Excel, save it as "CSV UTF-8".\n'
    assert main(["codes", code, "--db", str(db)]) == 0  # listing the codes (none) leaves the room as it is
    assert one(db, "SELECT access FROM rooms") == ("open",)
