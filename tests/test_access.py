"""Access control, walked over the whole route table and every message type, so new ones are covered too."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from conftest import CHOICE, OPEN, Client, Server, facilitator, phone, projector, spec
from db import everything
from starlette.routing import Route, WebSocketRoute

from lab import live
from lab.app import routes
from lab.rooms import Room

# Routes anyone may use. Every other route must refuse a browser that has no grant for the room.
PUBLIC = {
    "home",
    "join",
    "phone",
    "qr",
    "set_language",
    "healthz",
    "organiser",
    "organiser_login",
    "organiser_logout",
    "static",  # scripts, styles and the icon (lab.assets)
    "image",  # a room's images, for anyone with its code (as its questions are)
    "member_code",  # a member code typed on the phone page (rate-limited per address: access.CodeGuard)
    "next_person",  # a kiosk's next person: a new participant id, which any browser gets by clearing its cookie
    "vote_by_proxy",  # switches only a member who holds a proxy the organiser recorded (checked by the room)
}


def database(server: Server) -> dict[str, list[Any]]:
    return everything(server.settings)


def http_routes() -> list[tuple[str, str, str]]:
    found = []
    for route in routes():
        if isinstance(route, Route):
            for method in sorted(route.methods or ()):
                if method != "HEAD":
                    found.append((route.name, method, route.path))
    return found


async def call(client: Client, method: str, path: str, room: Room) -> int:
    url = path.replace("{code}", room.code).replace("{question}", str(room.questions[0].id)).replace("{lang}", "en")
    url = url.replace("{kind}", "pdf").replace("{name}", "1-1").replace("{round}", "1")
    body = {"type": "choice", "prompt": "Gehackt?", "options": ["Ja", "Nee"], "position": 0}
    if method == "GET":
        response = await client.http.get(url)
    elif url.startswith("/api/"):
        response = await client.http.request(method, url, json=body, headers={"X-CSRF-Token": "guess"})
    else:
        response = await client.http.request(method, url, data={"csrf": "guess", "deck": "", "title": "Gehackt"})
    return response.status_code


def test_the_route_table_has_no_unclassified_route() -> None:
    names = {name for name, _, _ in http_routes()}
    screens = {name for name in names if name not in PUBLIC}
    assert screens == {
        "projector", "console", "export_csv", "export_xlsx", "room_delete", "questions_create", "question_update",
        "question_delete", "question_move", "organiser_create_room", "image_upload", "report_file", "report_chart",
        "report_themes", "members_add", "members_withdraw", "members_proxy", "members_reissue", "room_access",
        "room_seal", "member_file", "ballots", "paper_ballot",
    }  # fmt: skip
    kinds = {type(route) for route in routes()}
    assert kinds == {Route, WebSocketRoute}


@pytest.mark.parametrize("grant", ["none", "participant", "projector"])
async def test_screens_and_actions_are_refused_without_the_right_grant(
    server: Server, clients: Callable[[], Client], grant: str
) -> None:
    room: Room = await server.rooms.create("Kamer", [spec(**CHOICE)])
    if grant == "participant":
        client, _ = await phone(clients, room)
    elif grant == "projector":
        client, _ = await projector(clients, room)
    else:
        client = clients()
    before = database(server)
    for name, method, path in http_routes():
        if name in PUBLIC or (grant == "projector" and name == "projector"):
            continue
        status = await call(client, method, path, room)
        assert status in (401, 403), (name, method, status)
    assert database(server) == before


async def test_a_wrong_key_grants_nothing(server: Server, clients: Callable[[], Client]) -> None:
    room: Room = await server.rooms.create("Kamer", [spec(**CHOICE)])
    other: Room = await server.rooms.create("Andere kamer", [spec(**CHOICE)])
    client = clients()
    for path in (
        f"/f/{room.code}?key=x",
        f"/p/{room.code}?key={room.facilitator_key[:-1]}",
        f"/f/{room.code}?key={other.facilitator_key}",
    ):
        assert (await client.get(path)).status_code == 403, path
    assert (await client.get(f"/f/{room.code}")).status_code == 403
    projector_only = clients()
    assert (await projector_only.get(f"/p/{room.code}?key={room.projector_key}")).status_code == 303
    assert (await projector_only.get(f"/f/{room.code}?key={room.projector_key}")).status_code == 303
    assert (await projector_only.get(f"/f/{room.code}")).status_code == 403  # a projector key never steers


@pytest.mark.parametrize("audience", ["phone", "projector"])
async def test_no_facilitator_action_works_on_a_participant_or_projector_socket(
    server: Server, clients: Callable[[], Client], audience: str
) -> None:
    room: Room = await server.rooms.create("Kamer", [spec(**CHOICE), spec(**OPEN)])
    boss, _ = await facilitator(clients, room)
    await boss.send({"type": "push", "question": room.questions[0].id})
    await boss.expect("state")
    client, snapshot = await (phone(clients, room) if audience == "phone" else projector(clients, room))
    assert snapshot["question"]["id"] == room.questions[0].id
    before = database(server)
    question = room.questions[0].id
    actions = set(live.HANDLERS["facilitator"]) - set(live.HANDLERS[audience])
    assert actions  # every facilitator action, including ones added later
    for kind in sorted(actions):
        await client.send(
            {"type": kind, "question": question, "target": "projector", "show": True, "card": "x", "hidden": True}
        )
        error = await client.expect("error")
        assert error["error"] == "not_allowed", kind
    if audience == "projector":
        await client.send({"type": "vote", "round": 1, "id": "projector-vote", "question": question, "value": [0]})
        assert (await client.expect("error"))["error"] == "not_allowed"
    assert database(server) == before
