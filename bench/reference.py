"""The floor: a minimal server built only on the websockets library, speaking the same messages as lab.

No database, no templates, no sessions: a phone page that only sets a cookie, a snapshot on connect, `state`
broadcast on push (one serialisation, `websockets.broadcast`), an `ack` per vote, and results to the projector
coalesced every 100 ms. What lab costs above this is what its features cost.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
from http import HTTPStatus

from websockets.asyncio.server import ServerConnection, broadcast, serve
from websockets.http11 import Request, Response

from lab import collector

from .common import OPTIONS, as_server

CODE = "123456"
LABELS = ["Goed", "Voldoende", "Matig", "Slecht"]
QUESTION = {"id": 1, "position": 0, "type": "choice", "prompt": "Hoe beoordeelt u de samenwerking?",
            "settings": {"options": LABELS, "max_choices": 1, "allow_change": True},
            "status": "open", "results_projector": True, "results_phones": False, "round": 1}  # fmt: skip


class Room:
    def __init__(self) -> None:
        self.phones: set[ServerConnection] = set()
        self.screens: set[ServerConnection] = set()
        self.current: dict[str, object] | None = None
        self.answers: dict[str, int] = {}
        self.seen: set[str] = set()
        self.version = 0
        self.dirty = False

    def results(self) -> str:
        counts = [0] * OPTIONS
        for choice in self.answers.values():
            counts[choice] += 1
        total = len(self.answers)
        options = [
            {"label": label, "count": c, "percent": round(100 * c / total, 1) if total else 0.0}
            for label, c in zip(LABELS, counts, strict=True)
        ]
        return json.dumps(
            {
                "type": "results",
                "version": self.version,
                "question": 1,
                "answers": total,
                "participants": len(self.phones),
                "results": {"respondents": total, "options": options},
            }
        )

    async def flush(self) -> None:
        while True:
            await asyncio.sleep(0.1)
            if self.dirty:
                self.dirty = False
                broadcast(self.screens, self.results())


room = Room()


def http(connection: ServerConnection, request: Request) -> Response | None:
    """Answer plain page requests: the phone page sets a participant cookie, screen links a grant cookie."""
    if request.path.startswith("/ws/"):
        return None
    screen = request.path.startswith(("/f/", "/p/"))
    response = connection.respond(HTTPStatus.SEE_OTHER if screen else HTTPStatus.OK, "")
    response.headers["Set-Cookie"] = f"lab={secrets.token_urlsafe(12)}; HttpOnly"
    if screen:
        response.headers["Location"] = request.path.split("?")[0]
    return response


async def handler(ws: ServerConnection) -> None:
    path = ws.request.path if ws.request else ""
    phone = path.startswith("/ws/r/")
    cookie = ws.request.headers.get("Cookie", "") if ws.request else ""
    me = cookie.split("lab=", 1)[-1]
    (room.phones if phone else room.screens).add(ws)
    snapshot = {
        "type": "snapshot",
        "version": room.version,
        "room": {"code": CODE, "title": "Benchmark"},
        "question": room.current,
        "results": None,
        "answers": len(room.answers),
        "participants": len(room.phones),
    }
    if not phone:
        snapshot["questions"] = [QUESTION]
    await ws.send(json.dumps(snapshot))
    try:
        async for raw in ws:
            message = json.loads(raw)
            kind = message.get("type")
            if kind == "vote" and phone:
                vote_id = f"{me}:{message['id']}"
                if vote_id not in room.seen:
                    room.seen.add(vote_id)
                    room.answers[me] = int(message["value"][0])
                    room.dirty = True
                await ws.send(
                    json.dumps(
                        {"type": "ack", "id": message["id"], "question": 1, "round": 1, "value": message["value"]}
                    )
                )
            elif kind == "push" and not phone:
                room.version += 1
                room.current = QUESTION
                broadcast(
                    room.phones | room.screens,
                    json.dumps({"type": "state", "version": room.version, "question": QUESTION}),
                )
            elif kind == "ping":
                await ws.send('{"type":"pong"}')
    finally:
        (room.phones if phone else room.screens).discard(ws)


async def main(port: int) -> None:
    as_server()
    asyncio.get_running_loop().create_task(room.flush())
    async with serve(handler, "127.0.0.1", port, process_request=http, compression=None, ping_interval=None,
                     max_size=65536, backlog=2048):  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        print(f"Participants:     {base}  code {CODE}")
        print(f"Projector:        {base}/p/{CODE}?key=x")
        print(f"Facilitator:      {base}/f/{CODE}?key=x", flush=True)
        collector.configure()  # the same garbage-collection thresholds as `lab serve`, for a fair floor
        await asyncio.Future()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    try:
        import uvloop

        uvloop.run(main(args.port))
    except ImportError:
        asyncio.run(main(args.port))
