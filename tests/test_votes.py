"""Votes that hold up: decision rules (lab.rules) counted with weights and non-responders, a show of hands beside the
phones, and paper ballots entered twice (lab.paper)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from conftest import CHOICE, SCALE, Client, Server, facilitator, page_data, projector, spec
from db import one, rows

from lab import members
from lab.errors import OnPaper
from lab.members import NewMember
from lab.questions import SettingsError
from lab.rooms import Room
from lab.rules import Rule, judge

VOTE = {"type": "choice", "prompt": "Gaat u akkoord met de renovatie?", "options": ["Ja", "Nee", "Blanco"],
        "rule": "eligible", "rule_for": 1, "rule_blank": 3}  # fmt: skip


def test_each_rule_counts_as_its_name_says() -> None:
    def met(kind: str, favour: int, blank: int, voted: int, eligible: int | None, **more: int) -> bool | None:
        return judge(Rule(kind, 0, **more), "Ja", favour * 1000, blank * 1000, voted * 1000,
                     None if eligible is None else eligible * 1000).met  # fmt: skip

    assert met("majority", 5, 0, 10, None) is False  # half is not more than half
    assert met("majority", 6, 0, 10, None) is True
    assert met("majority", 5, 2, 10, None) is True  # 5 of 8 cast: blank votes are not cast
    assert met("majority", 0, 3, 3, None) is False  # nothing cast
    assert met("two_thirds", 6, 0, 9, None) is True and met("two_thirds", 5, 0, 8, None) is False
    assert met("eligible", 140, 0, 150, 200) is True  # 70% of everyone who may vote
    assert met("eligible", 139, 0, 139, 200) is False  # those who did not answer count against
    assert met("eligible", 139, 0, 139, None) is None  # an open room: not known who could have voted
    assert met("eligible", 9, 0, 10, 10, share=90) is True
    assert met("majority", 30, 0, 40, 100, quorum=50) is False  # a clear majority, but 40% voted
    assert met("majority", 30, 0, 50, 100, quorum=50) is True
    assert met("majority", 30, 0, 50, None, quorum=50) is None


@pytest.mark.parametrize(
    ("settings", "said"),
    [
        ({"rule": "most"}, "rule: must be one of: majority, two_thirds, eligible"),
        ({"rule": "majority", "max_choices": 2}, "rule: needs one choice per person"),
        ({"rule": "majority", "rule_for": 4}, "rule_for: must be from 1 to 3"),
        ({"rule": "majority", "rule_blank": 1}, "rule_blank: cannot be the option that says yes"),
        ({"rule": "eligible", "rule_share": 0}, "rule_share: must be from 1 to 100"),
        ({"rule": "majority", "quorum": 101}, "quorum: must be from 0 to 100"),
    ],
)
def test_a_rule_that_cannot_be_applied_is_refused(settings: dict[str, Any], said: str) -> None:
    with pytest.raises(SettingsError) as refused:
        spec(**{**CHOICE, **settings})
    assert str(refused.value) == said  # the field first


async def renovation(server: Server, weights: list[float]) -> tuple[Room, list[members.Member]]:
    room = await server.rooms.create("Renovatie De Akker", [spec(**VOTE)], access="codes")
    added = await room.add_members([NewMember(str(n + 1), "De Akker", w) for n, w in enumerate(weights)])
    await room.push(room.questions[0].id)
    return room, added


async def vote(room: Room, member: members.Member, option: int) -> None:
    await room.join(member.participant)
    await room.vote(member.participant, f"vote-{member.ref}-{option}", room.questions[0].id, 1, [option])


async def test_a_renovation_needs_70_percent_of_all_dwellings_and_the_console_sees_it_live(
    server: Server, clients: Callable[[], Client]
) -> None:
    room, dwellings = await renovation(server, [1.0] * 10)
    boss, _ = await facilitator(clients, room)
    for dwelling in dwellings[:6]:
        await vote(room, dwelling, 0)
    await vote(room, dwellings[6], 2)  # blank: voted, not in favour
    message = await boss.expect("results", lambda m: m["answers"] == 7)
    assert message["results"]["verdict"] == {
        "rule": "eligible", "share": 70, "quorum": 0, "option": "Ja", "favour": 6.0, "cast": 6.0, "voted": 7.0,
        "eligible": 10.0, "met": False, "quorum_met": None, "outcome": "Niet aangenomen",
        "text": "6 van alle 10 stemgerechtigden zijn voor ‘Ja’ (60%). Wie niet stemde, telt als niet akkoord. Nodig: "
                "minstens 70%.",
    }  # fmt: skip
    await vote(room, dwellings[7], 0)  # 7 of 10 dwellings: 70%, whoever did not vote counting against
    message = await boss.expect("results", lambda m: m["answers"] == 8)
    verdict = message["results"]["verdict"]
    assert (verdict["favour"], verdict["met"], verdict["outcome"]) == (7.0, True, "Aangenomen")

    await room.withdraw_member(dwellings[9].ref)  # a dwelling that is empty: 7 of 9 now
    assert room.judged(room.questions[0].tally, {})["verdict"]["eligible"] == 9.0


async def test_weights_count_in_the_result_and_the_rule(server: Server) -> None:
    room, (big, small, other) = await renovation(server, [2.5, 1.0, 1.0])
    await vote(room, big, 0)
    await vote(room, small, 1)
    results = room.judged(room.questions[0].tally, room.questions[0].tally.results())
    assert results["options"][0] == {"label": "Ja", "count": 1, "percent": 50.0}
    assert results["weighted"] == {
        "respondents": 3.5,
        "options": [
            {"weight": 2.5, "percent": 71.4},
            {"weight": 1.0, "percent": 28.6},
            {"weight": 0.0, "percent": 0.0},
        ],
    }
    verdict = results["verdict"]
    assert (verdict["favour"], verdict["eligible"], verdict["met"]) == (2.5, 4.5, False)
    assert verdict["text"].startswith("2,5 van alle 4,5 stemgerechtigden zijn voor ‘Ja’ (56%).")
    await vote(room, other, 0)
    assert room.judged(room.questions[0].tally, {})["verdict"]["met"] is True  # 3.5 of 4.5 is 78%


async def test_an_open_room_cannot_judge_a_rule_on_everyone_and_says_so(server: Server) -> None:
    room = await server.rooms.create("Zaal", [spec(**VOTE)])
    await room.push(room.questions[0].id)
    await room.join("someone-1")
    await room.vote("someone-1", "vote-000001", room.questions[0].id, 1, [0])
    verdict = room.judged(room.questions[0].tally, {})["verdict"]
    assert (verdict["eligible"], verdict["met"], verdict["outcome"]) == (None, None, "Niet te beoordelen")
    assert verdict["text"] == (
        "Stemmen voor ‘Ja’: 1. Nodig: minstens 70% van iedereen die mag stemmen. Dat aantal is alleen bekend in "
        "een sessie voor leden met een code."
    )


async def test_a_show_of_hands_counts_beside_the_phones_and_survives_a_restart(
    server: Server, clients: Callable[[], Client]
) -> None:
    room = await server.rooms.create("Ledenvergadering", [spec(**{**CHOICE, "rule": "majority"}), spec(**SCALE)])
    choice, scale = room.questions
    await room.push(choice.id)
    await room.act("show_results", {"question": choice.id, "target": "projector", "show": True})
    await room.join("phone-1")
    await room.vote("phone-1", "vote-000001", choice.id, 1, [1])
    boss, _ = await facilitator(clients, room)
    screen, _ = await projector(clients, room)

    await boss.send({"type": "hands", "question": choice.id, "counts": [14, 3, 2]})
    shown = await screen.expect("results", lambda m: m["answers"] == 20)
    assert shown["results"] == {
        "respondents": 20,
        "options": [{"label": "Goed", "count": 14, "percent": 70.0}, {"label": "Matig", "count": 4, "percent": 20.0},
                    {"label": "Slecht", "count": 2, "percent": 10.0}],
        "channels": {"phone": [0, 1, 0], "hands": [14, 3, 2]},
        "verdict": {"rule": "majority", "share": 70, "quorum": 0, "option": "Goed", "favour": 14.0, "cast": 20.0,
                    "voted": 20.0, "eligible": None, "met": True, "quorum_met": None, "outcome": "Aangenomen",
                    "text": "14 van de 20 uitgebrachte stemmen zijn voor ‘Goed’ (70%). Nodig: meer dan de helft."},
    }  # fmt: skip

    for wrong in ([1, 2], [1, -1, 0], [1, 2.5, 0], "14,3,2", [True, 0, 0]):
        await boss.send({"type": "hands", "question": choice.id, "counts": wrong})
        error = await boss.expect("error")
        assert error["message"] == "Geef bij elke optie een heel getal van 0 tot 100000."
    await boss.send({"type": "hands", "question": scale.id, "counts": [1, 2]})
    assert (await boss.expect("error"))["message"] == "Alleen een meerkeuzevraag kan met handopsteking worden geteld."
    assert choice.tally.hands == [14, 3, 2]  # nothing changed

    await server.stop()
    await server.start()
    again = await server.rooms.get(room.code)
    assert again.questions[0].tally.results()["channels"]["hands"] == [14, 3, 2]
    assert again.questions[0].tally.responses == 20
    await again.set_hands(choice.id, [0, 0, 0])  # all zero: the count is taken away
    assert again.questions[0].tally.results() == {
        "respondents": 1,
        "options": [{"label": "Goed", "count": 0, "percent": 0.0}, {"label": "Matig", "count": 1, "percent": 100.0},
                    {"label": "Slecht", "count": 0, "percent": 0.0}],
    }  # fmt: skip
    assert one(server.settings, "SELECT count(*) FROM hands") == (0,)


async def ballots_api(client: Client, room: Room) -> tuple[str, dict[str, str]]:
    page = await client.get(f"/f/{room.code}")
    return f"/api/rooms/{room.code}/ballots", {"X-CSRF-Token": page_data(page.text)["csrf"]}


async def test_paper_ballots_count_once_both_tellers_entered_the_same(
    server: Server, clients: Callable[[], Client]
) -> None:
    room = await server.rooms.create("Raadpleging", [spec(**VOTE), spec(**SCALE)], access="codes")
    vote_q, scale_q = room.questions
    added = await room.add_members([NewMember("12A", "De Akker", 1.5), NewMember("12B", "De Akker")])
    paper, phoned = added
    boss, _ = await facilitator(clients, room)
    api, headers = await ballots_api(boss, room)
    teller = clients()
    await teller.get(f"/f/{room.code}?key={room.facilitator_key}")
    api2, headers2 = await ballots_api(teller, room)

    async def enter(client: Client, headers: dict[str, str], ballot: str, number: int, answers: dict[str, Any]) -> Any:
        return await client.http.post(api, json={"ballot": ballot, "teller": number, "answers": answers},
                                      headers=headers)  # fmt: skip

    first = await enter(boss, headers, paper.shown.lower(), 1, {str(vote_q.id): [0], str(scale_q.id): [4, 2]})
    assert first.status_code == 200
    assert first.json() == {
        "ballot": {"ballot": paper.shown, "tellers": [1], "counted": False, "differences": [], "on_phone": []},
        "entered": 1, "counted": 0, "differing": 0,
    }  # fmt: skip
    second = await enter(teller, headers2, paper.code, 2, {str(vote_q.id): [1], str(scale_q.id): [4, 2]})
    assert second.json()["ballot"]["differences"] == [{"question": vote_q.id, "number": 1, "tellers": ["Ja", "Nee"]}]
    assert second.json()["differing"] == 1
    assert (await boss.expect("ballots", lambda m: m["entered"] == 1 and m["differing"] == 1))["counted"] == 0
    assert one(server.settings, "SELECT count(*) FROM answers") == (0,)  # nothing counted yet

    own = await teller.http.get(api2, params={"ballot": paper.shown, "teller": "2"}, headers=headers2)
    assert own.json() == {"answers": {str(vote_q.id): [1], str(scale_q.id): [4, 2]}}
    listed = await boss.http.get(api, headers=headers)
    assert listed.json()["ballots"][0]["differences"][0]["tellers"] == ["Ja", "Nee"]

    agreed = await enter(teller, headers2, paper.shown, 2, {str(vote_q.id): [0], str(scale_q.id): [4, 2]})
    assert agreed.json() == {
        "ballot": {"ballot": paper.shown, "tellers": [1, 2], "counted": True, "differences": [], "on_phone": []},
        "entered": 1, "counted": 1, "differing": 0,
    }  # fmt: skip
    assert rows(
        server.settings, "SELECT question_id, participant_id, value, weight, channel FROM answers ORDER BY question_id"
    ) == [
        (vote_q.id, paper.participant, "[0]", 1.5, "paper"), (scale_q.id, paper.participant, "[4,2]", 1.5, "paper"),
    ]  # fmt: skip
    assert room.turnout(vote_q.tally) == {"eligible": 2, "answered": 1, "eligible_weight": 2.5, "answered_weight": 1.5}

    again = await enter(boss, headers, paper.shown, 1, {str(vote_q.id): [1]})
    assert (again.status_code, again.json()["message"]) == (
        409,
        "Dit stembiljet is al geteld: beide tellers voerden hetzelfde in.",
    )
    await room.push(vote_q.id)
    await room.join(paper.participant)
    with pytest.raises(OnPaper):  # the member's phone cannot change what the paper said
        await room.vote(paper.participant, "vote-phone-01", vote_q.id, 1, [1])

    await room.join(phoned.participant)
    await room.vote(phoned.participant, "vote-phone-02", vote_q.id, 1, [1])  # this one voted on a phone first
    for number, client, heads in ((1, boss, headers), (2, teller, headers2)):
        both = await enter(client, heads, phoned.shown, number, {str(vote_q.id): [0], str(scale_q.id): [1, 1]})
    assert both.json()["ballot"]["on_phone"] == [1]  # question 1 is not taken from the ballot
    assert vote_q.tally.answers[phoned.participant].value == [1]
    assert scale_q.tally.answers[phoned.participant].channel == "paper"

    for ballot, answers, said in [
        ("KT7R-9CXA", {}, "Geen lid heeft deze code. Controleer hem op het stembiljet."),
        ("", {}, "Typ de code van het stembiljet."),
        (
            phoned.shown,
            {str(vote_q.id): [7]},
            "Vraag 1: Dat antwoord kunt u niet kiezen. Kies een antwoord uit de lijst.",
        ),
        (phoned.shown, {str(scale_q.id): "veel"}, None),
    ]:
        refused = await enter(boss, headers, ballot, 1, answers)
        assert refused.status_code in (400, 409)
        if said:
            assert refused.json()["message"] == said
    bad_teller = await boss.http.post(api, json={"ballot": paper.shown, "teller": 3, "answers": {}}, headers=headers)
    assert bad_teller.json()["message"] == "Zeg welke teller u bent: 1 of 2."
    assert len(room.ballots) == 2


async def test_an_open_room_numbers_its_ballots(server: Server, clients: Callable[[], Client]) -> None:
    room = await server.rooms.create("Zaal", [spec(**CHOICE)])
    question = room.questions[0]
    for teller in (1, 2):
        await room.enter_ballot("0007", teller, {str(question.id): [2]})
    assert room.ballot_view(room.ballots["7"])["counted"] is True
    assert question.tally.results()["channels"] == {"paper": [0, 0, 1]}  # phones gave nothing: paper alone
    with pytest.raises(Exception) as refused:
        await room.enter_ballot("zeven", 1, {})
    assert str(refused.value) == "Type the ballot's number (1 to 99999)."


async def test_the_report_says_whether_a_vote_was_carried_and_gives_each_way_of_voting(server: Server) -> None:
    from test_report import docx_text, flat, pdf_text

    from lab.report import build

    room, dwellings = await renovation(server, [2.0, 1.0, 1.0, 1.0])
    vote_q = room.questions[0]
    for dwelling in dwellings[:2]:
        await vote(room, dwelling, 0)
    for teller in (1, 2):
        await room.enter_ballot(dwellings[2].shown, teller, {str(vote_q.id): [0]})
    await vote(room, dwellings[3], 1)

    text = flat(docx_text(await build(server.app.state.store, room, "docx")))
    verdict = ("Aangenomen. 4 van alle 5 stemgerechtigden zijn voor ‘Ja’ (80%). Wie niet stemde, telt als niet "
               "akkoord. Nodig: minstens 70%.")  # fmt: skip
    assert verdict in text
    assert "Antwoord | Aantal | Procent | Gewogen | Gewogen procent | Telefoon | Papier" in text
    assert "Ja | 3 | 75,0 | 4,0 | 80,0 | 2 | 1" in text
    assert "Naast de telefoons zijn 1 papieren stembiljetten geteld." in text
    assert "Bij sommige stemmingen gold een beslisregel." in text
    assert verdict in pdf_text(await build(server.app.state.store, room, "pdf"))


async def test_a_member_holds_one_proxy_votes_for_its_giver_and_the_report_says_so(
    server: Server, clients: Callable[[], Client]
) -> None:
    from test_members import csrf
    from test_report import docx_text, flat

    from lab.report import build

    room, (holder, giver, third, _fourth) = await renovation(server, [1.0, 1.0, 1.0, 1.0])
    boss, _ = await facilitator(clients, room)
    page = await boss.get(f"/f/{room.code}")
    headers = {"X-CSRF-Token": page_data(page.text)["csrf"]}
    api = f"/api/rooms/{room.code}/members/proxy"
    made = await boss.http.post(api, json={"holder": "1", "giver": "2"}, headers=headers)
    assert made.json()["proxies"] == [["1", "2"]]
    for holder_ref, giver_ref, said in [
        ("1", "3", "1 heeft al een volmacht (van 2). Iedereen kan er één hebben."),
        ("3", "2", "2 heeft al een volmacht gegeven (aan 1)."),
        ("2", "3", "2 heeft een volmacht gegeven en kan daarom zelf geen volmacht hebben."),
        ("3", "1", "1 heeft zelf een volmacht en kan daarom geen volmacht geven."),
        ("3", "3", "Een lid kan geen volmacht van zichzelf hebben."),
        ("3", "99", "99 staat niet op de ledenlijst."),
    ]:
        refused = await boss.http.post(api, json={"holder": holder_ref, "giver": giver_ref}, headers=headers)
        assert (refused.status_code, refused.json()["message"]) == (400, said)
    assert [(h.ref, g.ref) for h, g in room.proxies()] == [("1", "2")]  # nothing changed

    # the holder's phone: their own vote, then one for the member who gave the proxy
    member_phone = clients()
    form = await member_phone.get(f"/r/{room.code}")
    await member_phone.http.post(f"/r/{room.code}/member", data={"csrf": csrf(form.text), "member_code": holder.code})
    own = await member_phone.get(f"/r/{room.code}")
    assert "U heeft een volmacht van 2: u mag ook namens dit lid stemmen." in own.text
    assert f'action="/r/{room.code}/proxy"' in own.text
    await member_phone.connect(f"/ws/r/{room.code}")
    await member_phone.send({"type": "vote", "id": "vote-own-0001", "question": room.questions[0].id, "round": 1,
                             "value": [0]})  # fmt: skip
    await member_phone.expect("ack")
    await member_phone.ws.close()  # type: ignore[union-attr]
    switched = await member_phone.http.post(f"/r/{room.code}/proxy", data={"csrf": csrf(own.text), "as": "giver"})
    assert switched.status_code == 303
    acting = await member_phone.get(f"/r/{room.code}")
    assert "U stemt nu namens 2 (volmacht)." in acting.text
    await member_phone.connect(f"/ws/r/{room.code}")
    await member_phone.send({"type": "vote", "id": "vote-proxy-001", "question": room.questions[0].id, "round": 1,
                             "value": [0]})  # fmt: skip
    await member_phone.expect("ack")
    assert set(room.questions[0].tally.answers) == {holder.participant, giver.participant}
    back = await member_phone.http.post(f"/r/{room.code}/proxy", data={"csrf": csrf(acting.text), "as": "self"})
    assert back.status_code == 303
    assert "U heeft een volmacht van 2" in (await member_phone.get(f"/r/{room.code}")).text

    # someone without the proxy cannot switch to it
    other = clients()
    form = await other.get(f"/r/{room.code}")
    await other.http.post(f"/r/{room.code}/member", data={"csrf": csrf(form.text), "member_code": third.code})
    page3 = await other.get(f"/r/{room.code}")
    await other.http.post(f"/r/{room.code}/proxy", data={"csrf": page_data(page3.text)["csrf"], "as": "giver"})
    assert f'action="/r/{room.code}/proxy"' not in (await other.get(f"/r/{room.code}")).text

    text = flat(docx_text(await build(server.app.state.store, room, "docx")))
    assert "2 van de 4 leden met een code heeft geantwoord (50%); waarvan 1 via een volmacht" in text
    assert "de organisator legde die vast (1 in totaal)" in text
    taken = await boss.http.post(api, json={"holder": "1", "giver": None}, headers=headers)
    assert taken.json()["proxies"] == [] and room.proxies() == []
