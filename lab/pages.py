"""HTML pages and the small JSON endpoints: participants, screens, organisers (routes: docs/api.md).

Views find the room, check access, call the domain and render. They hold no SQL and no room state.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import re
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from starlette.datastructures import URL
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.templating import Jinja2Templates

from . import access, anonymity, export, i18n, letters, media, members, owners, qr
from .anonymity import ANONYMOUS
from .consultation import deadline
from .decks import DeckError, list_decks, load_deck, parse_question
from .errors import N_, Invalid, LabError, TooLarge, UnknownQuestion
from .groups import FLOOR
from .i18n import gettext as _
from .owners import RemoteRoom
from .paper import BallotAnswerError
from .questions import TYPES, SettingsError
from .rooms import THEME_NAME_LENGTH, Room
from .wire import loads

MAX_BODY = 64 * 1024
MAX_MEMBER_LIST = 2 * 1024 * 1024  # a member list of 20,000 lines (lab.members.MOST)


# -- helpers -----------------------------------------------------------------------------------------------------


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> Response:
    templates: Jinja2Templates = request.app.state.templates
    context.setdefault("lang", i18n.current.get())
    context.setdefault("languages", list(i18n.LANGUAGES.items()))
    return templates.TemplateResponse(request, name, context, status_code=status_code)


def error_page(request: Request, status: int, message: str) -> Response:
    return render(request, "error.html", status, status=status, message=message)


def json_error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": code, "message": message}, status)


def message(error: LabError) -> str:
    """An error's sentence in the request's language (a setting's error names the setting first)."""
    text = _(error.msgid, **error.params)
    if isinstance(error, BallotAnswerError):
        return _("Question %(n)d: %(error)s", n=error.number, error=text)
    return f"{error.field}: {text}" if isinstance(error, SettingsError) else text


def error_json(error: LabError) -> JSONResponse:
    return json_error(error.status, error.code, message(error))


def base_url(request: Request) -> str:
    """Where phones reach this server: the configured public URL, else the address this request came to."""
    return request.app.state.settings.public_url.rstrip("/") or str(request.base_url).rstrip("/")


@functools.cache
def _shared() -> dict[str, Any]:
    """The part of a live screen's data block that every screen shares: the question types. (Its strings are a
    file of their own, lab.jsstrings.)"""
    return {
        "types": list(TYPES),
        # take no answers and no posts (a slide): shown, nothing to open, count or reveal
        "passive": [name for name, kind in TYPES.items() if not kind.answerable and not kind.anytime],
        "anytime": [name for name, kind in TYPES.items() if kind.anytime],  # a Q&A: its questions always shown
    }


def js_data(request: Request, room: Room, ws: str, **extra: Any) -> dict[str, Any]:
    """The data block a live screen's script reads: its socket and the question types to load (its strings are a
    script of their own: lab.jsstrings)."""
    lang = i18n.current.get()
    return {
        "code": room.code,
        "title": room.title,
        "ws": request.app.url_path_for(ws, code=room.code),
        "lang": lang,
        "room_lang": room.lang,
        **_shared(),
        **extra,
    }


async def find_room(request: Request) -> Room:
    room: Room | None = await request.app.state.rooms.get(request.path_params["code"])
    if room is None:
        raise HTTPException(404)
    return room


async def screen_room(request: Request, role: access.Role) -> Room | Response:
    """The room of a screen page, after granting a `?key=` (then redirecting without it) or checking the grant."""
    room = await find_room(request)
    key = request.query_params.get("key")
    if key is not None:
        granted = access.role_for_key(room, key)
        if granted is None:
            return error_page(request, 403, _("This link is not valid (any more)."))
        access.grant(request.session, room, granted)
        return RedirectResponse(request.url.remove_query_params("key").path, 303)
    if not access.has_role(request.session, room, role):
        return error_page(request, 403, _("This screen needs the link with the room's key."))
    return room


# -- participants ------------------------------------------------------------------------------------------------


async def home(request: Request) -> Response:
    return render(request, "join.html", code="", error=False)


async def join(request: Request) -> Response:
    code = "".join(ch for ch in request.query_params.get("code", "") if ch.isdigit())[:12]
    if code and await request.app.state.rooms.exists(code):
        return RedirectResponse(request.url_for("phone", code=code).path, 303)
    return render(request, "unknown_room.html", 404 if code else 400, code=code)


async def phone(request: Request) -> Response:
    room = await request.app.state.rooms.port(request.path_params["code"])
    if room is None:
        return render(request, "unknown_room.html", 404, code=request.path_params["code"])
    if not isinstance(room, Room):  # another process owns the room (lab.owners)
        return await _edge_phone_page(request, room)
    if request.scope.get(owners.FORWARDED) and request.headers.get(owners.KEPT_PAGE):  # an edge's own request
        return HTMLResponse(b"".join(_kept_page(request, room))) if _plain_page(room) else Response(status_code=204)
    # (most phones come without a query: parsing an empty one and missing "kiosk" in it was 1% of a join storm)
    mode = request.query_params.get("kiosk") if request.scope["query_string"] else None
    if mode in ("1", "0"):  # a volunteer's tablet for those without a smartphone (assisted voting), or no longer
        access.set_kiosk(request.session, room, mode == "1")
        if mode == "1":
            access.next_person(request.session, room)
        return RedirectResponse(request.url_for("phone", code=room.code).path, 303)
    participant = access.participant_id(request.session, room, create=True)
    if room.access == "codes" and room.sealed is None:  # once the vote has ended, anyone may read the outcome
        # The QR code on a letter brings the member's code along: asked to confirm it, unless this browser answers
        # as that member already (two members of one household may share a phone, and switch by scanning).
        typed = request.query_params.get("member", "")[:40]
        member = room.member_of(participant) if participant else None
        if not (participant and access.may_answer(request.session, room, participant)) or (
            typed and room.member(typed) is not member
        ):
            return _code_page(request, room, typed=typed)
    kiosk = access.kiosk(request.session, room)
    proxy = _proxy(request, room, participant) if room.access == "codes" and participant else None
    # `who`: this participant's own key for what the page keeps unsent (another member on a shared phone, the
    # kiosk's next person, never sends the previous one's vote); a hash, so the page never holds the id itself
    who = _who(room, participant)
    csrf = access.csrf_token(request.session)
    if not kiosk and proxy is None:
        return _kept_phone_page(request, room, who, csrf)
    return _phone_page(request, room, who, csrf, kiosk, proxy)


def _phone_page(
    request: Request, room: Room, who: str, csrf: str, kiosk: bool = False, proxy: dict[str, Any] | None = None
) -> Response:
    data = js_data(request, room, "phone_socket", who=who, kiosk=kiosk, csrf=csrf, names=room.names_allowed())
    return render(request, "phone.html", room=room, data=data, kiosk=kiosk, proxy=proxy, privacy=_privacy(room))


_WHO, _CSRF = "labWho8c1f2e9d", "labCsrf5b07a3f6"  # marks in a kept page where each phone's own values go
_MARKS = re.compile(f"({_WHO}|{_CSRF})".encode())
_phone_pages: OrderedDict[tuple[object, ...], tuple[bytes, ...]] = OrderedDict()
PHONE_PAGES_KEPT = 256


def _kept_phone_page(request: Request, room: Room, who: str, csrf: str) -> Response:
    """The phone's page as most phones get it (no kiosk, no proxy): rendered once for a room's title and settings
    in a language, and each phone's own key and token put in where the marks are. At a congress thousands of
    phones ask for the same page within a minute; both values are letters, digits, `-` and `_`, which need no
    escaping in HTML or JSON."""
    return HTMLResponse(_filled(_kept_page(request, room), who, csrf))


def _kept_page(request: Request, room: Room) -> tuple[bytes, ...]:
    key = (room.code, room.title, room.lang, i18n.current.get(), room.names_allowed(), _privacy(room))
    page = _phone_pages.get(key)
    if page is None:
        page = _pieces(bytes(_phone_page(request, room, _WHO, _CSRF).body))
        _phone_pages[key] = page
        while len(_phone_pages) > PHONE_PAGES_KEPT:
            _phone_pages.popitem(last=False)
    else:
        _phone_pages.move_to_end(key)
    return page


@functools.lru_cache(maxsize=16)
def _pieces(page: bytes) -> tuple[bytes, ...]:
    """A kept page cut at its marks, each mark a piece of its own (a page that an edge got from the owner is cut
    once: a bytes object keeps its hash)."""
    return tuple(_MARKS.split(page))


def _filled(pieces: tuple[bytes, ...], who: str, csrf: str) -> bytes:
    """A kept page with a phone's own values where the marks are, put together in one copy (replacing the marks
    in the text copied the page twice, and encoding it a third time: 3% of a join storm)."""
    own = {_WHO.encode(): who.encode(), _CSRF.encode(): csrf.encode()}
    return b"".join([own.get(piece, piece) if i % 2 else piece for i, piece in enumerate(pieces)])


def _who(room: access.Identified, participant: str | None) -> str:
    """A participant's own key for what the page keeps unsent: a hash, so the page never holds the id itself."""
    return hashlib.sha256(f"{room.id}:{participant}".encode()).hexdigest()[:16]


def _plain_page(room: Room) -> bool:
    """Whether the room's phones all get the kept page (but a kiosk's): not in a room for members, until it ended."""
    return not (room.access == "codes" and room.sealed is None)


async def _edge_phone_page(request: Request, room: RemoteRoom) -> Response:
    """The phone's page of a room another process owns: the page the owner keeps, with this phone's own values put
    in here (a join storm on the edges costs the owner a page every few seconds); a kiosk's, or any page of a room
    for members, comes from the owner whole."""
    if not access.kiosk(request.session, room):
        page = await room.kept_page(i18n.current.get())
        if page is not None:
            participant = access.participant_id(request.session, room, create=True)
            csrf = access.csrf_token(request.session)
            return HTMLResponse(_filled(_pieces(page), _who(room, participant), csrf))
    return await owners.from_owner(room, request.scope, await request.body())


def _privacy(room: Room) -> str:
    """What a participant is told about the anonymity of their answers, before answering (lab.anonymity)."""
    return anonymity.notice(room.anonymity, room.access, room.sealed is not None)


def _proxy(request: Request, room: Room, participant: str) -> dict[str, Any] | None:
    """A member who holds a proxy (volmacht): whose, and whether they vote for them now; None for anyone else."""
    home = access.proxy_home(request.session, room)
    if home is not None:
        giver = room.proxy_for(home)
        if giver is not None and giver.participant == participant:
            return {"giver": giver.ref, "acting": True, "csrf": access.csrf_token(request.session)}
    giver = room.proxy_for(participant)
    if giver is None:
        return None
    return {"giver": giver.ref, "acting": False, "csrf": access.csrf_token(request.session)}


async def vote_by_proxy(request: Request) -> Response:
    """A member who holds a proxy switches to voting for the member who gave it (`as=giver`), or back (`as=self`).
    Anything else, or a proxy that was taken away meanwhile, changes nothing."""
    room = await request.app.state.rooms.get(request.path_params["code"])
    if room is None:
        return render(request, "unknown_room.html", 404, code=request.path_params["code"])
    form = await _form(request)
    participant = access.participant_id(request.session, room)
    home = access.proxy_home(request.session, room)
    if form is not None and participant is not None:
        if form.get("as") == "giver" and (giver := room.proxy_for(participant)) is not None:
            access.vote_by_proxy(request.session, room, participant, giver.participant)
        elif form.get("as") == "self" and home is not None:
            access.vote_by_proxy(request.session, room, None, home)
    return RedirectResponse(request.url_for("phone", code=room.code).path, 303)


async def next_person(request: Request) -> Response:
    """On a kiosk: the next person answers as a new participant (in a room for members only, with their own code)."""
    room = await request.app.state.rooms.get(request.path_params["code"])
    if room is None:
        return render(request, "unknown_room.html", 404, code=request.path_params["code"])
    form = await _form(request)
    if form is not None and access.kiosk(request.session, room):
        access.next_person(request.session, room)
    return RedirectResponse(request.url_for("phone", code=room.code).path, 303)


def _code_page(request: Request, room: Room, error: str = "", typed: str = "", status: int = 200) -> Response:
    """A room that asks for member codes: the form for the code on the member's letter."""
    return render(request, "member_code.html", status, room=room, error=error, typed=typed, privacy=_privacy(room),
                  csrf=access.csrf_token(request.session), kiosk=access.kiosk(request.session, room))  # fmt: skip


async def member_code(request: Request) -> Response:
    """The code from a member's letter: this browser answers as that member from now on (on any phone: a member
    who stops halfway goes on elsewhere with the same code)."""
    room = await request.app.state.rooms.get(request.path_params["code"])
    if room is None:
        return render(request, "unknown_room.html", 404, code=request.path_params["code"])
    form = await _form(request)
    if form is None:
        return _code_page(request, room, _("This page is out of date. Reload it and try again."), status=403)
    typed = form.get("member_code", "")[:40]
    address = request.client.host if request.client else ""
    try:
        member = request.app.state.code_guard.check(address, room, typed)
    except LabError as error:
        return _code_page(request, room, message(error), typed, error.status)
    if member is None:
        tidy = members.tidy(typed)  # said as the letter prints it, to compare
        said = members.shown(tidy) if len(tidy) == members.LENGTH else typed.strip()
        wrong = _("We do not know the code %(code)s. Check that you copied it from your letter exactly.", code=said)
        return _code_page(request, room, wrong, typed, 400)
    access.answer_as(request.session, room, member.participant, member.code)
    return RedirectResponse(request.url_for("phone", code=room.code).path, 303)


async def qr_code(request: Request) -> Response:
    room = await find_room(request)
    svg = qr.svg(f"{base_url(request)}{request.url_for('phone', code=room.code).path}")
    return Response(svg, media_type="image/svg+xml", headers={"Cache-Control": "public, max-age=3600"})


# -- screens -----------------------------------------------------------------------------------------------------


def _links(request: Request, room: Room) -> dict[str, Any]:
    base = base_url(request)
    join_url = f"{base}{request.url_for('phone', code=room.code).path}"
    return {
        "join_url": join_url,
        "join_host": urlsplit(base).netloc,
        "qr_url": request.url_for("qr", code=room.code).path,
        "projector_url": f"{base}{request.url_for('projector', code=room.code).path}?key={room.projector_key}",
        "facilitator_url": f"{base}{request.url_for('console', code=room.code).path}?key={room.facilitator_key}",
    }


async def projector(request: Request) -> Response:
    room = await screen_room(request, "projector")
    if isinstance(room, Response):
        return room
    links = _links(request, room)
    # The projector speaks the room's language, whatever the laptop's browser prefers: the hall reads it.
    token = i18n.current.set(room.lang)
    try:
        return render(
            request, "projector.html", room=room, join_url=links["join_url"], join_host=links["join_host"],
            qr_url=links["qr_url"], data=js_data(request, room, "projector_socket"),
        )  # fmt: skip
    finally:
        i18n.current.reset(token)


async def console(request: Request) -> Response:
    room = await screen_room(request, "facilitator")
    if isinstance(room, Response):
        return room
    editors = [{"type": name, "label": _(kind.label)} for name, kind in TYPES.items()]
    # The report's charts, one per answerable question's current round, numbered as the report numbers them
    # (lab.report: the questions participants give something to); open answers and a Q&A's questions are quotes.
    charted = [name for name, kind in TYPES.items() if kind.answerable and not kind.themed]
    answerable = [q for q in room.questions if q.type.asks]
    base = request.url_for("console", code=room.code).path
    charts = [
        {"number": n, "prompt": q.prompt, "name": f"{n}-{q.round}"}
        for n, q in enumerate(answerable, start=1)
        if q.type.name in charted
    ]
    data = js_data(
        request, room, "facilitator_socket", csrf=access.csrf_token(request.session),
        api=request.url_for("questions_create", code=room.code).path, editors=editors,
        images_api=request.url_for("image_upload", code=room.code).path,
        languages=list(i18n.LANGUAGES.items()), report=base, charted=charted,
        themed=[name for name, kind in TYPES.items() if kind.themed],
        hands=[name for name, kind in TYPES.items() if kind.counts_hands],  # can be counted by a show of hands
        paper=[name for name, kind in TYPES.items() if kind.on_paper],  # asked on paper ballots too
        members_api={name: request.url_for(name, code=room.code).path
                     for name in ("members_add", "members_withdraw", "members_proxy", "members_reissue",
                                  "room_access", "room_seal", "ballots")},
    )  # fmt: skip
    return render(
        request, "console.html", room=room, data=data, **_links(request, room),
        export_csv_url=request.url_for("export_csv", code=room.code).path,
        export_csv_dutch_url=request.url_for("export_csv", code=room.code).path + "?dutch=1",
        export_xlsx_url=request.url_for("export_xlsx", code=room.code).path,
        delete_url=request.url_for("room_delete", code=room.code).path, csrf=data["csrf"],
        report_urls={kind: request.url_for("report_file", code=room.code, kind=kind).path for kind in REPORT_TYPES},
        charts=charts, chart_base=base + "/charts/", theme_name_length=THEME_NAME_LENGTH,
        member_files={kind: request.url_for("member_file", code=room.code, kind=kind).path for kind in MEMBER_FILES},
        anonymity_modes=anonymity.choices(),
    )  # fmt: skip


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def export_csv(request: Request) -> Response:
    return await _export(request, "csv")


async def export_xlsx(request: Request) -> Response:
    return await _export(request, "xlsx")


async def _export(request: Request, kind: str) -> Response:
    """The room's answers as a download: CSV (one row per answer; `?dutch=1`: for Excel set to Dutch, with ";"
    and a decimal comma) or XLSX (summary, a sheet per question, answers). The file is written in a worker thread:
    a large room's workbook takes long enough to hold up every vote."""
    room = await screen_room(request, "facilitator")
    if isinstance(room, Response):
        return room
    answers = export.answers(room, await request.app.state.store.export_rows(room.id))
    if kind == "csv":
        dutch = request.query_params.get("dutch") == "1"
        body: str | bytes = await asyncio.to_thread(export.to_csv, answers, dutch=dutch)
    else:
        body = await asyncio.to_thread(export.to_xlsx, export.book(room, answers))
    return Response(
        body, media_type="text/csv; charset=utf-8" if kind == "csv" else XLSX,
        headers={"Content-Disposition": f'attachment; filename="{export.filename(room, kind)}"'},
    )  # fmt: skip


# -- the report (verslag) ----------------------------------------------------------------------------------------

REPORT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "html": "text/html; charset=utf-8",
}
CHART_TYPES = {"svg": "image/svg+xml", "png": "image/png"}


async def _file_of(request: Request, kinds: Mapping[str, str], unknown: str) -> tuple[Room, str] | Response:
    """The room and the kind of file a facilitator's download asks for; else the page that says why not."""
    room = await screen_room(request, "facilitator")
    if isinstance(room, Response):
        return room
    kind = request.path_params["kind"]
    if kind not in kinds:
        return error_page(request, 404, unknown)
    return room, kind


async def report_file(request: Request) -> Response:
    """The room's report as PDF, Word or HTML; `?compare=CODE` sets another room's same questions beside it,
    `?merge=CODE` counts their answers together with these (a room this browser may also run, so a join code alone
    shows nobody another room's results)."""
    found = await _file_of(request, REPORT_TYPES, _("There is no report of that kind."))
    if isinstance(found, Response):
        return found
    room, kind = found
    other = None
    merge = bool(request.query_params.get("merge", "").strip())
    code = request.query_params.get("merge" if merge else "compare", "").strip()
    if code:
        other = await request.app.state.rooms.read(code)
        if other is None or other.id == room.id or not access.has_role(request.session, other, "facilitator"):
            return error_page(request, 404, _("There is no session with that code that you run."))
    from . import report  # matplotlib and the document writers: loaded on first use

    async with request.app.state.report_lock:  # one report at a time: it is heavy, and a room keeps running
        body = await report.build(request.app.state.store, room, kind, other, merge)
    disposition = f'{"inline" if kind == "html" else "attachment"}; filename="{report.filename(room, kind)}"'
    return Response(body, media_type=REPORT_TYPES[kind], headers={"Content-Disposition": disposition})


async def report_chart(request: Request) -> Response:
    """One chart of the report (`3-1`: question 3, round 1) as SVG or PNG, to paste into one's own document."""
    room = await screen_room(request, "facilitator")
    if isinstance(room, Response):
        return room
    kind = request.path_params["kind"]
    from . import report

    chart = await report.chart(room, request.path_params["name"], kind)
    if kind not in CHART_TYPES or chart is None:
        return error_page(request, 404, _("There is no such chart."))
    return Response(chart, media_type=CHART_TYPES[kind], headers={
        "Content-Disposition": f'attachment; filename="{report.filename(room, kind, request.path_params["name"])}"'
    })  # fmt: skip


async def report_themes(request: Request) -> Response:
    """A round's open answers grouped by theme, for the console to correct: {"themes": [{"name", "items":
    [{"card", "text"}]}], "corrected": bool}."""
    room = await screen_room(request, "facilitator")
    if isinstance(room, Response):
        return room
    from . import report

    try:
        question, round_ = int(request.path_params["question"]), int(request.path_params["round"])
    except ValueError:
        return json_error(404, "not_found", _("There is no such question."))
    found = await report.themes_for(room, question, round_)
    if found is None:
        return json_error(404, "not_found", _("There is no such question."))
    return JSONResponse(found)


async def room_delete(request: Request) -> Response:
    """Delete the room completely (the console asks for confirmation first)."""
    room = await screen_room(request, "facilitator")
    if isinstance(room, Response):
        return room
    if await _form(request) is None:
        return error_page(request, 403, _("This page is out of date. Reload it and try again."))
    await request.app.state.rooms.delete(room.code)
    return render(request, "deleted.html", title=room.title)


# -- facilitator JSON API ----------------------------------------------------------------------------------------


async def _api_room(request: Request) -> Room | JSONResponse:
    room: Room | None = await request.app.state.rooms.get(request.path_params["code"])
    if room is None:
        return json_error(404, "not_found", _("This room does not exist."))
    if not access.has_role(request.session, room, "facilitator"):
        return json_error(403, "forbidden", _("This needs the facilitator's link."))
    if not access.csrf_ok(request.session, request.headers.get("x-csrf-token")):
        return json_error(403, "forbidden", _("This page is out of date. Reload it and try again."))
    return room


async def _json_body(request: Request, limit: int = MAX_BODY) -> Any:
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise TooLarge()
    try:
        return loads(body)
    except ValueError:  # not JSON, not UTF-8, or not text (lab.wire)
        raise Invalid(N_("This was not understood (not JSON).")) from None


async def _api(request: Request, action: Any) -> Response:
    """Run an editing action for the room of this request, mapping failures to JSON errors."""
    room = await _api_room(request)
    if isinstance(room, Response):
        return room
    try:
        result: Response = await action(room)
        return result
    except LabError as error:
        return error_json(error)


async def members_add(request: Request) -> Response:
    """Codes for a member list (`{"list": "<CSV text>"}`, lab.members.parse_list) or for a number of members
    (`{"count": N}`); the room then takes answers from members only, unless answers were given already (then
    switching is the organiser's decision: `PUT .../access`). Answers the room's member summary."""

    async def action(room: Room) -> Response:
        body = await _json_body(request, MAX_MEMBER_LIST)
        listed = body.get("list") if isinstance(body, dict) else None
        if isinstance(listed, str):
            new = members.parse_list(listed)
        else:
            new = members.counted(body.get("count") if isinstance(body, dict) else None, room.next_number())
        added = await room.add_members(new)
        if room.access != "codes" and not room.answers_given():  # else the organiser switches, and confirms
            await room.set_access("codes")
        return JSONResponse({"added": len(added), **room.member_summary()}, 201)

    return await _api(request, action)


async def members_withdraw(request: Request) -> Response:
    """Withdraw the code of a member by their id on the list (`{"id": "12A"}`): it answers no more."""

    async def action(room: Room) -> Response:
        body = await _json_body(request)
        await room.withdraw_member(body.get("id") if isinstance(body, dict) else None)
        return JSONResponse(room.member_summary())

    return await _api(request, action)


async def members_proxy(request: Request) -> Response:
    """Record a proxy (volmacht): `{"holder": "12A", "giver": "12B"}` (ids on the list); `"giver": null` takes the
    holder's proxy away. Answers the member summary."""

    async def action(room: Room) -> Response:
        body = await _json_body(request)
        if not isinstance(body, dict):
            raise Invalid(N_("This was not understood (not JSON)."))
        await room.set_proxy(body.get("holder"), body.get("giver"))
        return JSONResponse(room.member_summary())

    return await _api(request, action)


async def members_reissue(request: Request) -> Response:
    """A new code for a member by their id on the list (`{"id": "12A"}`), in place of a lost or withdrawn one.
    Answers the member summary, with `reissued`: the id, the new code and the address of that member's letter."""

    async def action(room: Room) -> Response:
        body = await _json_body(request)
        member = await room.reissue(body.get("id") if isinstance(body, dict) else None)
        letter = request.url_for("member_file", code=room.code, kind="letters").include_query_params(id=member.ref)
        reissued = {"id": member.ref, "code": member.shown, "letter": str(letter.path) + "?" + letter.query}
        return JSONResponse({**room.member_summary(), "reissued": reissued})

    return await _api(request, action)


async def room_access(request: Request) -> Response:
    """Who answers and how anonymously: `{"access": "open" | "codes"}` (anyone with the join code, or members with
    a code only; once answers were given, only with `"confirmed": true`), `{"anonymity": "anonymous" |
    "pseudonymous" | "named"}` (lab.anonymity), or both. Answers the member summary."""

    async def action(room: Room) -> Response:
        body = await _json_body(request)
        if not isinstance(body, dict) or not {"access", "anonymity"} & body.keys():
            raise Invalid(N_('Send "access", "anonymity" or both.'))
        if "anonymity" in body:
            await room.set_anonymity(body["anonymity"])
        if "access" in body:
            await room.set_access(body["access"], body.get("confirmed", False))
        return JSONResponse(room.member_summary())

    return await _api(request, action)


async def room_seal(request: Request) -> Response:
    """End an anonymous vote with member codes (`POST`, no body): every question closes and the link from codes to
    answers is erased (lab.anonymity). Answers the member summary."""

    async def action(room: Room) -> Response:
        await room.seal()
        return JSONResponse(room.member_summary())

    return await _api(request, action)


async def ballots(request: Request) -> Response:
    """Paper ballots (lab.paper). GET: the summary and every ballot as the console lists it (those whose entries
    differ first), or with `?ballot=CODE&teller=N` that teller's own entry of one ballot, to correct it. POST
    `{"ballot": "KT7R-9CXA", "teller": 1, "answers": {"12": [0], ...}}`: one teller's entry; answers the ballot."""

    async def action(room: Room) -> Response:
        if request.method == "POST":
            body = await _json_body(request)
            if not isinstance(body, dict):
                raise Invalid(N_("This was not understood (not JSON)."))
            ballot = await room.enter_ballot(body.get("ballot"), body.get("teller"), body.get("answers"))
            return JSONResponse({"ballot": room.ballot_view(ballot), **room.ballot_summary()})
        typed, teller = request.query_params.get("ballot"), request.query_params.get("teller", "")
        if typed is not None:
            entry = room.ballot_entry(typed, int(teller) if teller.isdigit() else 0)
            return JSONResponse({"answers": {str(q): value for q, (_, value) in entry.items()}})
        listed = sorted(room.ballots.values(), key=lambda b: (not b.differences(), b.counted))
        return JSONResponse({**room.ballot_summary(), "ballots": [room.ballot_view(b) for b in listed]})

    return await _api(request, action)


MEMBER_FILES = {"csv": "text/csv; charset=utf-8", "letters": "application/pdf", "labels": "application/pdf"}


async def member_file(request: Request) -> Response:
    """The room's codes to hand out: `csv` (id, group, weight, code), `letters` (an A4 letter each, PDF) or `labels`
    (24 to an A4 sheet, PDF), withdrawn codes left out. The PDFs are made in the report's worker processes, one at a
    time with reports."""
    found = await _file_of(request, MEMBER_FILES, _("There is no such file."))
    if isinstance(found, Response):
        return found
    room, kind = found
    listed = [m for m in room.members if not m.withdrawn]
    one = request.query_params.get("id")
    if one is not None:  # one member's letter, for a code given anew
        listed = [m for m in listed if m.ref.casefold() == one.strip().casefold()]
        if not listed:
            return error_page(request, 404, _("%(id)s is not on the member list.", id=one[:60]))
    if kind == "csv":
        body: bytes = export.codes_csv(listed, room if room.anonymity == "pseudonymous" else None).encode()
        name = export.filename(room, "csv", prefix="codes-")
    else:
        from .report import workers

        async with request.app.state.report_lock:
            body = await workers.run(letters.pdf, room.title, room.lang, base_url(request), room.code, listed, kind,
                                     room.anonymity)  # fmt: skip
        name = export.filename(room, "pdf", prefix="brieven-" if kind == "letters" else "etiketten-")
    return Response(body, media_type=MEMBER_FILES[kind],
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip


async def paper_ballot(request: Request) -> Response:
    """The room's paper version to print and hand out (lab.letters): its questions in large type, boxes to cross,
    the box for the member's code, the deadline of a consultation; made in the report's worker processes."""
    room = await screen_room(request, "facilitator")
    if isinstance(room, Response):
        return room
    from .report import workers

    questions = letters.printed((q.type.name, q.prompt, q.settings) for q in room.questions)
    due = deadline(room.consultation, room.details.zone, room.lang)
    async with request.app.state.report_lock:
        body = await workers.run(letters.ballot_pdf, room.title, room.lang, questions, room.access == "codes",
                                 room.anonymity, due)  # fmt: skip
    name = export.filename(room, "pdf", prefix="stembiljet-")
    return Response(
        body, media_type="application/pdf", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


def _question_path_id(request: Request) -> int:
    try:
        return int(request.path_params["question"])
    except ValueError:
        raise UnknownQuestion() from None


async def image_upload(request: Request) -> Response:
    """A facilitator's image for the room (the body is the file itself): checked, made smaller and stripped of its
    metadata off the event loop (lab.media), then kept in the store."""

    async def action(room: Room) -> Response:
        limit = request.app.state.settings.image_max_bytes
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > limit:
                raise TooLarge(N_("An image can be at most %(mb)s MB."), mb=limit // 1_000_000)
        image = await asyncio.to_thread(media.prepare, bytes(body), limit)
        await room.add_image(image)
        url = request.url_for("image", code=room.code, name=image.name).path
        return JSONResponse({"image": image.name, "width": image.width, "height": image.height, "url": url}, 201)

    return await _api(request, action)


async def image(request: Request) -> Response:
    """A room's image, for anyone with the room's code (as its questions are). Named by its content: cached for good."""
    room = await find_room(request)
    name = request.path_params["name"]
    found = await room.image(name) if media.NAME.fullmatch(name) else None
    if found is None:
        raise HTTPException(404)
    mime, data = found
    return Response(data, media_type=mime, headers={"Cache-Control": "public, max-age=31536000, immutable"})


async def questions_create(request: Request) -> Response:
    async def action(room: Room) -> Response:
        question = await room.add_question(parse_question(await _json_body(request)))
        return JSONResponse({"question": question.public()}, 201)

    return await _api(request, action)


async def question_update(request: Request) -> Response:
    async def action(room: Room) -> Response:
        spec = parse_question(await _json_body(request))
        new_round = request.query_params.get("new_round") == "1"  # the facilitator said yes to a new round
        question = await room.update_question(_question_path_id(request), spec, new_round)
        return JSONResponse({"question": question.public()})

    return await _api(request, action)


async def question_delete(request: Request) -> Response:
    async def action(room: Room) -> Response:
        question_id = _question_path_id(request)
        await room.delete_question(question_id)
        return JSONResponse({"deleted": question_id})

    return await _api(request, action)


async def question_move(request: Request) -> Response:
    async def action(room: Room) -> Response:
        body = await _json_body(request)
        position = body.get("position") if isinstance(body, dict) else None
        if not isinstance(position, int) or isinstance(position, bool):
            raise SettingsError("position", N_("must be a whole number"))
        await room.move_question(_question_path_id(request), position)
        return JSONResponse({"questions": [q.public() for q in room.questions]})

    return await _api(request, action)


# -- organisers --------------------------------------------------------------------------------------------------


async def organiser(request: Request, error: str | None = None, status: int = 200) -> Response:
    logged_in = request.session.get("organiser") is True
    rooms, decks = [], []
    if logged_in:
        for row in await request.app.state.rooms.all():
            key = f"?key={row.facilitator_key}"
            console_url = request.url_for("console", code=row.code).path + key
            reports = {kind: request.url_for("report_file", code=row.code, kind=kind).path + key
                       for kind in ("pdf", "docx")}  # fmt: skip
            rooms.append({"code": row.code, "title": row.title, "created_at": row.created_at,
                          "console_url": console_url, "reports": reports})  # fmt: skip
        settings = request.app.state.settings
        decks = [
            {"file": d.file, "title": d.title, "count": len(d.questions)} for d in list_decks(settings.sessions_dir)
        ]
    return render(
        request, "organiser.html", status, logged_in=logged_in, error=error, rooms=rooms, decks=decks,
        csrf=access.csrf_token(request.session),
    )  # fmt: skip


async def organiser_page(request: Request) -> Response:
    return await organiser(request)


async def _form(request: Request) -> dict[str, str] | None:
    """The posted form when its CSRF token is right, else None."""
    form = await request.form(max_files=0, max_fields=20)
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    return fields if access.csrf_ok(request.session, fields.get("csrf")) else None


async def organiser_login(request: Request) -> Response:
    form = await _form(request)
    if form is None:
        return await organiser(request, _("This page is out of date. Reload it and try again."), 403)
    guard: access.LoginGuard = request.app.state.login_guard
    address = request.client.host if request.client else ""
    try:
        right = await guard.check(address, form.get("password", "")[:200])
    except LabError as error:
        return await organiser(request, message(error), error.status)
    if not right:
        return await organiser(request, _("That password is not right."), 401)
    request.session["organiser"] = True
    return RedirectResponse(request.url_for("organiser").path, 303)


async def organiser_logout(request: Request) -> Response:
    if await _form(request) is not None:
        request.session.pop("organiser", None)
    return RedirectResponse(request.url_for("home").path, 303)


async def organiser_create_room(request: Request) -> Response:
    if request.session.get("organiser") is not True:
        return await organiser(request, _("Log in first."), 403)
    form = await _form(request)
    if form is None:
        return await organiser(request, _("This page is out of date. Reload it and try again."), 403)
    settings = request.app.state.settings
    file = form.get("deck", "")
    title = " ".join(form.get("title", "").split())[:120]
    questions: tuple[Any, ...] = ()
    images: Mapping[str, media.StoredImage] = {}
    details, room_access, consultation, floor, anonymity = None, "open", None, FLOOR, ANONYMOUS
    if file:
        # Only a deck the organiser page offers: the name is looked up, never used as a path as it came.
        offered = {path.name: path for path in settings.sessions_dir.glob("*.toml")}
        if file not in offered:
            return await organiser(request, _("That deck does not exist."), 400)
        try:
            deck = await asyncio.to_thread(load_deck, offered[file])  # its images are decoded: off the event loop
        except DeckError as error:
            return await organiser(request, str(error), 400)
        title, questions, lang, images = title or deck.title, deck.questions, deck.language, deck.images
        details, room_access, consultation = deck.details, deck.access, deck.consultation
        floor, anonymity = deck.privacy_floor, deck.anonymity
    else:
        lang = i18n.current.get()  # an empty room: the organiser's language, until the console sets another
    room = await request.app.state.rooms.create(
        title or _("New session"),
        questions,
        file or None,
        lang=lang,
        details=details,
        access=room_access,
        consultation=consultation,
        privacy_floor=floor,
        anonymity=anonymity,
    )
    for image in images.values():  # the deck's pictures and maps
        await room.add_image(image)
    access.grant(request.session, room, "facilitator")
    return RedirectResponse(request.url_for("console", code=room.code).path, 303)


# -- other -------------------------------------------------------------------------------------------------------


async def set_language(request: Request) -> Response:
    lang = request.path_params["lang"]
    if lang in i18n.LANGUAGES:
        request.session["lang"] = lang
    target = request.query_params.get("next", "/")
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        target = "/"
    return RedirectResponse(URL(target).path, 303)


async def healthz(request: Request) -> Response:
    return JSONResponse({"ok": True})


async def not_found(request: Request, exc: Exception) -> Response:
    if request.url.path.startswith("/api/"):
        return json_error(404, "not_found", _("This does not exist."))
    return error_page(request, 404, _("This page does not exist."))


async def client_gone(request: Request, exc: Exception) -> Response:
    """The client went away before its request's body was in (or was cut off for being too slow): there is nobody
    to answer, and nothing worth a traceback in the log."""
    return Response(status_code=400)


async def server_error(request: Request, exc: Exception) -> Response:
    if request.url.path.startswith("/api/"):
        return json_error(500, "server_error", _("Something went wrong. Please try again."))
    return error_page(request, 500, _("Something went wrong. Please try again."))
