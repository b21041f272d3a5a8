"""HTML pages over HTTP: joining, screens, the organiser, languages, and the headers on every response."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx2 as httpx
import pytest
from conftest import CHOICE, PASSWORD, Client, Server, facilitator, page_data, projector, spec
from db import rows
from starlette.types import Message, Receive, Scope, Send

from lab import i18n, jsstrings, questions
from lab.app import HERE, SECURITY_HEADERS, _Split, static_files
from lab.assets import Assets
from lab.questions import TYPES
from lab.rooms import Room


class Page(HTMLParser):
    """The parts of a page the tests look at: headings, alerts, forms' fields, the document language."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.lang = ""
        self.headings: list[str] = []
        self.alerts: list[str] = []
        self.inputs: dict[str, dict[str, str | None]] = {}
        self.scripts: list[str] = []
        self.preloads: list[str] = []
        self._open: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "html":
            self.lang = found.get("lang") or ""
        if tag in ("h1", "h2") or found.get("role") == "alert":
            self._open.append("alert" if found.get("role") == "alert" else "heading")
            (self.alerts if found.get("role") == "alert" else self.headings).append("")
        if tag == "input" and found.get("name"):
            self.inputs[str(found["name"])] = found
        if tag == "script":
            self.scripts.append(found.get("src") or found.get("type") or "inline")
        if tag == "link" and found.get("rel") == "modulepreload":
            self.preloads.append(str(found["href"]))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("h1", "h2", "p") and self._open:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        if self._open:
            target = self.alerts if self._open[-1] == "alert" else self.headings
            target[-1] += data.strip()


async def test_joining_by_code(server: Server, clients: Callable[[], Client]) -> None:
    room: Room = await server.rooms.create("Kamer", [spec(**CHOICE)])
    client = clients()
    home = Page((await client.get("/")).text)
    assert home.headings == ["Doe mee"] and home.lang == "nl"
    assert {k: home.inputs["code"][k] for k in ("inputmode", "pattern", "autocomplete")} == {
        "inputmode": "numeric", "pattern": "[0-9]*", "autocomplete": "off",
    }  # fmt: skip
    found = await client.http.get(f"/join?code=+{room.code[:3]} {room.code[3:]}")
    assert (found.status_code, found.headers["location"]) == (303, f"/r/{room.code}")
    unknown = await client.http.get("/join?code=000000")
    page = Page(unknown.text)
    assert unknown.status_code == 404
    assert page.alerts == ["We kennen de code 000000 niet. Kijk nog eens naar de code op het grote scherm."]
    assert page.inputs["code"]["value"] == "000000"  # the join form again, to try once more
    assert (await client.http.get("/r/000000")).status_code == 404
    assert (await client.http.get("/join?code=")).status_code == 400


async def test_the_phone_page_gives_a_participant_id_and_its_data(
    server: Server, clients: Callable[[], Client]
) -> None:
    room: Room = await server.rooms.create("Kamer", [spec(**CHOICE)])
    client = clients()
    response = await client.get(f"/r/{room.code}")
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("lab=") and "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
    assert "secure" not in cookie.lower()  # plain http on a local network
    data = page_data(response.text)
    assert {k: data[k] for k in ("code", "title", "ws", "lang")} == {
        "code": room.code, "title": "Kamer", "ws": f"/ws/r/{room.code}", "lang": "nl",
    }  # fmt: skip
    assert "strings" not in data  # a file of their own (below)
    scripts = Page(response.text).scripts  # the strings, a data block and one module: no inline script
    assert scripts == [static_files().url("strings/nl.js"), "application/json", static_files().url("phone.js")]
    assert f'<script src="{static_files().url("strings/nl.js")}" defer fetchpriority="high"></script>' in response.text
    english = await client.http.get(f"/r/{room.code}", headers={"Accept-Language": "en"})
    assert Page(english.text).scripts[0] == static_files().url("strings/en.js")


async def test_the_screens_strings_are_a_lasting_compressed_script_per_language(
    server: Server, clients: Callable[[], Client]
) -> None:
    """Every string the screens' scripts show, in one file per language that the browser keeps with the others of
    its version: a page that carried them was 20 KB, every time it was opened (lab.jsstrings)."""
    client = clients()
    for lang, received in (("nl", "Uw antwoord is ontvangen"), ("en", "Your answer has been received")):
        response = await client.http.get(static_files().url(f"strings/{lang}.js"), headers={"Accept-Encoding": "gzip"})
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/javascript; charset=utf-8"
        assert response.headers["cache-control"] == "max-age=31536000, immutable"
        assert response.headers["content-encoding"] == "gzip"  # (decoded by the client)
        head, _, rest = response.text.partition("{")
        assert head == "window.labStrings = " and rest.endswith("};\n")
        strings = json.loads("{" + rest[: -len(";\n")])
        assert strings == jsstrings.translated(lang) and strings["received"] == received
        assert set(strings) == set(jsstrings.STRINGS) | set(questions.strings())
    room: Room = await server.rooms.create("Kamer", [spec(**CHOICE)])
    console = await client.http.get(f"/f/{room.code}?key={room.facilitator_key}", follow_redirects=True)
    assert Page(console.text).scripts[:2] == [static_files().url("strings/nl.js"), "application/json"]
    for unknown in ("strings/de.js", f"v/{static_files().version}/strings/de.js"):
        assert (await client.http.get(f"/static/{unknown}")).status_code == 404


def test_the_strings_script_escapes_what_older_browsers_take_for_a_line_break(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jsstrings, "translated", lambda lang: {"x": "een\u2028twee\u2029drie"})
    assert jsstrings.script("nl") == b'window.labStrings = {"x": "een\\u2028twee\\u2029drie"};\n'


async def test_a_screens_data_block_keeps_the_title_inside_and_is_the_same_for_every_phone_but_its_own_keys(
    server: Server, clients: Callable[[], Client]
) -> None:
    room: Room = await server.rooms.create("</script><script>alert(1)</script> & 'x'", [spec(**CHOICE)])
    pages_seen = [await clients().get(f"/r/{room.code}") for _ in range(2)]
    first, second = (page_data(response.text) for response in pages_seen)
    assert "</script><script>" not in pages_seen[0].text  # the title stays inside its data block
    assert first["title"] == "</script><script>alert(1)</script> & 'x'"
    assert {k: v for k, v in first.items() if k not in ("who", "csrf")} == {
        k: v for k, v in second.items() if k not in ("who", "csrf")
    }  # each phone its own
    assert first["types"] == list(TYPES) and "qa" in first["anytime"]
    assert set(first) >= {"code", "title", "ws", "lang", "room_lang", "types", "passive", "anytime"}


async def test_phones_get_the_kept_page_with_their_own_key_and_token_and_a_new_title_makes_a_new_page(
    server: Server, clients: Callable[[], Client]
) -> None:
    room: Room = await server.rooms.create("Kamer", [spec(**CHOICE)])
    first, second = clients(), clients()
    pages = [(await phone.get(f"/r/{room.code}")).text for phone in (first, second)]
    data = [page_data(page) for page in pages]
    assert data[0]["who"] != data[1]["who"] and data[0]["csrf"] != data[1]["csrf"]
    assert all(len(d["who"]) == 16 and len(d["csrf"]) == 32 for d in data)
    own = [(d["who"], d["csrf"]) for d in data]
    blanked = [page.replace(who, "WHO").replace(csrf, "CSRF") for page, (who, csrf) in zip(pages, own, strict=True)]
    assert blanked[0] == blanked[1]  # the same page apart from them
    assert "labWho" not in pages[0] and "labCsrf" not in pages[0]
    again = page_data((await first.get(f"/r/{room.code}")).text)
    assert (again["who"], again["csrf"]) == own[0]  # the same phone keeps its own
    room.title = "Nieuwe titel"
    assert page_data((await second.get(f"/r/{room.code}")).text)["title"] == "Nieuwe titel"


def imports(module: Path) -> set[Path]:
    """Every module `module` imports, directly or further down; a dynamic import of `./${name}.js` (the question
    types' loader) stands for every type in the registry."""
    found: set[Path] = set()
    text = module.read_text()
    names = re.findall(r"^import .* from '(\.[^']+)';$", text, re.MULTILINE)
    if re.search(r"import\(.*`\./\$\{name\}\.js", text):
        names += [f"./{name}.js" for name in TYPES]
    for name in names:
        target = (module.parent / name).resolve()
        found |= {target} | imports(target)
    return found


@pytest.mark.parametrize("screen", ["phone", "projector", "console"])
async def test_screens_announce_every_module_they_import(
    server: Server, clients: Callable[[], Client], screen: str
) -> None:
    """A slow phone line fetches the whole module graph in one round trip only if the head names all of it."""
    room: Room = await server.rooms.create("Kamer", [spec(**CHOICE)])
    client = clients()
    key = {"phone": "", "projector": f"/p/{room.code}?key={room.projector_key}",
           "console": f"/f/{room.code}?key={room.facilitator_key}"}[screen]  # fmt: skip
    if key:  # the key link grants the screen, then sends the browser on to it
        response = await client.get(key)
        assert response.status_code == 303
    page = Page((await client.get(response.headers["location"] if key else f"/r/{room.code}")).text)
    static = (HERE / "static").resolve()
    wanted = {"/static/" + str(p.relative_to(static)) for p in imports(static / f"{screen}.js")}
    lasting = f"/static/v/{static_files().version}/"
    assert all(href.startswith(lasting) for href in page.preloads)  # (lab.assets: kept until a file changes)
    assert {href.replace(lasting, "/static/") for href in page.preloads} == wanted
    for href in page.preloads:
        assert (await client.http.get(href)).status_code == 200


async def test_the_qr_code_holds_the_join_link(server: Server, clients: Callable[[], Client]) -> None:
    room: Room = await server.rooms.create("Kamer", [])
    response = await clients().get(f"/r/{room.code}/qr.svg")
    assert response.status_code == 200 and response.headers["content-type"] == "image/svg+xml"
    assert response.text.startswith("<svg") and "viewBox" in response.text and "<script" not in response.text


async def test_the_organiser_logs_in_and_makes_a_room_from_a_deck(
    server: Server, clients: Callable[[], Client]
) -> None:
    client = clients()
    login = Page((await client.get("/organiser")).text)
    csrf = login.inputs["csrf"]["value"]
    wrong = await client.http.post("/organiser/login", data={"csrf": csrf, "password": "raden"})
    assert wrong.status_code == 401 and Page(wrong.text).alerts == ["Dat wachtwoord klopt niet."]
    stale = await client.http.post("/organiser/login", data={"csrf": "oud", "password": PASSWORD})
    assert stale.status_code == 403
    right = await client.http.post("/organiser/login", data={"csrf": csrf, "password": PASSWORD})
    assert (right.status_code, right.headers["location"]) == (303, "/organiser")

    made = await client.http.post("/organiser/rooms", data={"csrf": csrf, "deck": "goed-bestuur.toml", "title": ""})
    assert made.status_code == 303
    code = made.headers["location"].rsplit("/", 1)[1]
    room: Room = await server.rooms.get(code)
    assert room.title == "Goed bestuur van de huurdersorganisatie" and len(room.questions) == 5
    assert (await client.get(f"/f/{code}")).status_code == 200  # the maker may steer it
    blank = await client.http.post("/organiser/rooms", data={"csrf": csrf, "deck": "", "title": "Eigen vragen"})
    blank_room: Room = await server.rooms.get(blank.headers["location"].rsplit("/", 1)[1])
    assert blank_room.title == "Eigen vragen" and blank_room.questions == []
    for deck in ("../pyproject.toml", "geen.toml", "/etc/passwd"):
        refused = await client.http.post("/organiser/rooms", data={"csrf": csrf, "deck": deck, "title": ""})
        assert refused.status_code == 400 and Page(refused.text).alerts == ["Die vragenlijst bestaat niet."]
    listing = (await client.get("/organiser")).text
    assert code in listing and "Eigen vragen" in listing
    assert server.app.state.login_guard._hashed.startswith("$argon2id$")  # stored hashed, with a slow hash


@pytest.mark.parametrize(
    "path", ["/", "/organiser", "/join?code=1", "/healthz", "/static/lab.css", "/nergens", "/r/000000", "/r/ROOM"]
)
async def test_security_headers_on_every_response(server: Server, clients: Callable[[], Client], path: str) -> None:
    if path == "/r/ROOM":
        path = f"/r/{(await server.rooms.create('Kamer', [spec(**CHOICE)])).code}"
    response = await clients().get(path)
    for name, value in SECURITY_HEADERS:
        assert response.headers[name] == value
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert "unsafe-inline" not in response.headers["content-security-policy"]
    assert "server" not in response.headers and "date" in response.headers  # (no software named, on every answer)


async def test_pages_follow_the_browser_language_and_the_switch(server: Server, clients: Callable[[], Client]) -> None:
    client = clients()
    english = await client.http.get("/", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert Page(english.text).headings == ["Join in"] and Page(english.text).lang == "en"
    switched = await client.http.get("/lang/nl?next=/organiser", headers={"Accept-Language": "en"})
    assert (switched.status_code, switched.headers["location"]) == (303, "/organiser")
    dutch = await client.http.get("/", headers={"Accept-Language": "en"})
    assert Page(dutch.text).headings == ["Doe mee"]
    for target in ("https://evil.example/", "//evil.example", "/\\evil"):
        response = await client.http.get("/lang/en", params={"next": target})
        assert response.headers["location"] == "/"  # never an open redirect


async def test_the_projector_speaks_the_rooms_language_and_the_console_sets_it(
    server: Server, clients: Callable[[], Client]
) -> None:
    """An en-US laptop shows a Dutch room's projector in Dutch; after the console sets English, in English. Phones
    keep their own language and are told the room's, to mark its text."""
    room: Room = await server.rooms.create("Kamer", [spec(**CHOICE)])
    screen = clients()
    english = {"Accept-Language": "en-US,en;q=0.9"}
    page = await screen.http.get(f"/p/{room.code}?key={room.projector_key}", headers=english, follow_redirects=True)
    assert Page(page.text).lang == "nl" and "Ga naar" in page.text
    assert Page(page.text).scripts[0] == static_files().url("strings/nl.js")  # the scripts' strings: the page's
    boss, snapshot = await facilitator(clients, room)
    assert snapshot["room"] == {"code": room.code, "title": "Kamer", "lang": "nl"}
    watcher, _ = await projector(clients, room)
    await boss.send({"type": "language", "lang": "en"})
    assert (await watcher.expect("state"))["lang"] == "en"
    page = await screen.http.get(f"/p/{room.code}", headers=english)
    assert Page(page.text).lang == "en" and "Go to" in page.text
    assert Page(page.text).scripts[0] == static_files().url("strings/en.js")
    phone_page = await clients().http.get(f"/r/{room.code}", headers={"Accept-Language": "nl"})
    assert Page(phone_page.text).lang == "nl" and page_data(phone_page.text)["room_lang"] == "en"
    assert rows(server.settings, "SELECT lang FROM rooms WHERE id = ?", (room.id,)) == [("en",)]


async def test_scripts_and_styles_go_out_compressed_and_pages_do_not(
    server: Server, clients: Callable[[], Client]
) -> None:
    """Static files are gzipped for a browser that takes it (a phone's first visit carries about half the bytes);
    pages, which hold keys and tokens, are not (no BREACH)."""
    room: Room = await server.rooms.create("Kamer", [spec(**CHOICE)])
    client = clients()
    on_disk = (HERE / "static" / "lab.css").read_bytes()
    style = await client.http.get("/static/lab.css", headers={"Accept-Encoding": "gzip"})
    assert style.headers["content-encoding"] == "gzip" and style.content == on_disk
    assert int(style.headers["content-length"]) < len(on_disk) / 2
    plain = await client.http.get("/static/lab.css", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.content == on_disk
    console = await client.http.get(
        f"/f/{room.code}?key={room.facilitator_key}", headers={"Accept-Encoding": "gzip"}, follow_redirects=True
    )
    assert console.status_code == 200 and "content-encoding" not in console.headers


async def test_static_files_come_from_memory_with_validators_and_the_type_styles_compressed_too(
    server: Server, clients: Callable[[], Client]
) -> None:
    """What StaticFiles and GZipMiddleware did, from memory (lab.assets): the same bytes, gzip for a browser that
    takes it, an ETag that a returning browser sends back for a 304 without a body, HEAD, and the friendly 404. The
    question types' sheet, 29 KB, is compressed as well now."""
    http = clients().http
    on_disk = (HERE / "static" / "phone.js").read_bytes()
    script = await http.get("/static/phone.js", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert (script.status_code, script.content) == (200, on_disk)
    assert script.headers["content-type"] == "text/javascript; charset=utf-8"
    assert (script.headers["content-encoding"], script.headers["vary"]) == ("gzip", "Accept-Encoding")
    assert script.headers["cache-control"] == "no-cache" and re.fullmatch(r'"[0-9a-f]{16}-gz"', script.headers["etag"])
    plain = await http.get(
        "/static/phone.js", headers={"Accept-Encoding": "identity", "If-None-Match": script.headers["etag"]}
    )
    assert (plain.status_code, plain.content) == (200, on_disk)  # the compressed form's ETag is not the plain one's
    assert plain.headers["etag"] == script.headers["etag"].removesuffix('-gz"') + '"'
    for sent in (script.headers["etag"], f'"x", W/{script.headers["etag"]}', "*"):
        again = await http.get("/static/phone.js", headers={"If-None-Match": sent})
        assert (again.status_code, again.content, again.headers["etag"]) == (304, b"", script.headers["etag"])
    assert (await http.get("/static/phone.js", headers={"If-None-Match": '"ouder"'})).content == on_disk
    head = await http.head("/static/types/choice.js", headers={"Accept-Encoding": "identity"})
    assert (head.status_code, head.content) == (200, b"")
    assert int(head.headers["content-length"]) == len((HERE / "static" / "types" / "choice.js").read_bytes())
    icon = await http.get("/static/favicon.svg", headers={"Accept-Encoding": "gzip"})  # too small to be worth it
    assert "content-encoding" not in icon.headers and icon.headers["content-type"] == "image/svg+xml"
    for missing in ("/static/nergens.js", "/static/types", "/static/../app.py", "/static/"):
        response = await http.get(missing)
        assert response.status_code == 404 and Page(response.text).headings[0] == "Deze pagina bestaat niet."
    assert (await http.post("/static/phone.js")).status_code == 405
    styles = await http.get("/static/types.css", headers={"Accept-Encoding": "gzip"})
    assert styles.text == questions.styles() and "/* choice */" in styles.text
    assert (
        styles.headers["content-encoding"] == "gzip" and int(styles.headers["content-length"]) < len(styles.content) / 3
    )
    assert (await http.get("/static/types.css", headers={"If-None-Match": styles.headers["etag"]})).status_code == 304


async def test_pages_link_their_files_at_addresses_kept_until_any_file_changes(
    server: Server, clients: Callable[[], Client]
) -> None:
    """Every file a screen links is under this version of the files, kept for a year without asking again, the same
    bytes as at its plain address (asked for again on every visit); an address of an earlier version gets today's
    file, not to be kept."""
    room: Room = await server.rooms.create("Kamer", [spec(**CHOICE)])
    http = clients().http
    version = static_files().version
    linked: set[str] = set()
    screens = ("/", "/organiser", "/nergens", f"/p/{room.code}?key={room.projector_key}",
               f"/f/{room.code}?key={room.facilitator_key}", f"/r/{room.code}")  # fmt: skip
    for address in screens:
        page = (await http.get(address, follow_redirects=True)).text
        linked |= set(re.findall(r'(?:href|src)="(/static/[^"]+)"', page))
    wanted = ("lab.css", "screens.css", "types.css", "phone.js", "projector.js", "console.js", "util.js")
    assert {f"/static/v/{version}/{name}" for name in wanted} <= linked
    for url in linked:
        assert url.startswith(f"/static/v/{version}/")
        lasting = await http.get(url, headers={"Accept-Encoding": "gzip"})
        plain = await http.get(url.replace(f"/v/{version}/", "/"), headers={"Accept-Encoding": "gzip"})
        assert (lasting.status_code, lasting.content, lasting.headers["etag"]) == (
            200,
            plain.content,
            plain.headers["etag"],
        )
        assert (lasting.headers["cache-control"], plain.headers["cache-control"]) == (
            "max-age=31536000, immutable",
            "no-cache",
        )
    earlier_version = "0" * 12 if version != "0" * 12 else "1" * 12
    earlier = await http.get(f"/static/v/{earlier_version}/phone.js", headers={"Accept-Encoding": "identity"})
    assert (earlier.status_code, earlier.content) == (200, (HERE / "static" / "phone.js").read_bytes())
    assert earlier.headers["cache-control"] == "no-cache"
    for missing in (f"/static/v/{version}/nergens.js", f"/static/v/{version}/", "/static/v/"):
        response = await http.get(missing)
        assert response.status_code == 404 and Page(response.text).headings[0] == "Deze pagina bestaat niet."


def test_the_files_version_is_a_hash_of_all_of_them(tmp_path: Path) -> None:
    (tmp_path / "types").mkdir()
    (tmp_path / "a.js").write_text("export const a = 1;\n")
    (tmp_path / "types" / "b.js").write_text("export const b = 2;\n")
    first, again = Assets(tmp_path, "/static/"), Assets(tmp_path, "/static/")
    assert re.fullmatch(r"[0-9a-f]{12}", first.version) and first.version == again.version
    assert first.url("types/b.js") == f"/static/v/{first.version}/types/b.js"
    assert first.url("nergens.js") == "/static/nergens.js"
    (tmp_path / "types" / "b.js").write_text("export const b = 3;\n")
    assert Assets(tmp_path, "/static/").version != first.version
    made = Assets(tmp_path, "/static/", made={"types.css": b"p { color: black; }"})
    assert (
        made.version != Assets(tmp_path, "/static/").version
        and made.files["types.css"].media_type == "text/css; charset=utf-8"
    )


async def test_the_phone_page_past_the_router_is_the_page_the_router_gives(
    server: Server, clients: Callable[[], Client], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`GET /r/<code>` goes past Starlette's layers (lab.app.Lab); a HEAD request, and a path that only looks alike,
    go the usual way. Both give the same page, headers and cookie."""
    room: Room = await server.rooms.create("Kamer", [spec(**CHOICE)])
    phone = clients()
    first = await phone.get(f"/r/{room.code}")
    split = server.app.middleware_stack  # (built at the first request)
    assert isinstance(split, _Split)
    usual, routed = split.app, []

    def spy(scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        routed.append(f"{scope['method']} {scope['path']}")
        return usual(scope, receive, send)

    monkeypatch.setattr(split, "app", spy)
    page, head = await phone.get(f"/r/{room.code}"), await phone.http.head(f"/r/{room.code}")
    assert (first.status_code, page.status_code, head.status_code) == (200, 200, 200)

    def compared(response: httpx.Response) -> dict[str, str]:
        return {k: v for k, v in response.headers.items() if k not in ("content-length", "date", "set-cookie")}

    assert compared(first) == compared(page) == compared(head)
    assert "set-cookie" in first.headers and "set-cookie" not in page.headers and "set-cookie" not in head.headers
    assert page.headers["content-length"] == head.headers["content-length"] == str(len(page.content))
    assert page_data(page.text)["who"] == page_data(first.text)["who"]  # the same phone, by its cookie
    slash = await phone.get(f"/r/{room.code}/")  # not the page's path: the router sends it there
    assert (slash.status_code, slash.headers["location"]) == (307, f"{phone.server.base}/r/{room.code}")
    assert routed == [f"HEAD /r/{room.code}", f"GET /r/{room.code}/"]  # the GET went past the router


@pytest.mark.parametrize("where", ["page", "middleware"])
async def test_a_phone_page_that_fails_is_answered_and_logged_as_any_request(
    server: Server, clients: Callable[[], Client], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
    where: str,
) -> None:  # fmt: skip
    room: Room = await server.rooms.create("Kamer", [spec(**CHOICE)])

    def broken(*args: object) -> Any:
        raise RuntimeError("the store is gone")

    if where == "page":
        monkeypatch.setattr(server.rooms, "port", broken)
    else:  # the language middleware, on the page's way there
        monkeypatch.setattr(i18n, "choose", broken)
    response = await clients().get(f"/r/{room.code}")
    assert response.status_code == 500
    assert Page(response.text).headings[0] == "Er ging iets mis. Probeer het opnieuw."
    assert [r.exc_info[1].args for r in caplog.records if r.exc_info and r.exc_info[1]] == [("the store is gone",)]
    assert [r.getMessage() for r in caplog.records if r.levelname == "WARNING" and r.name == "lab.app"] == [
        f"the page of room {room.code} failed on its short way (RuntimeError('the store is gone')); "
        "it goes the usual way"
    ]


async def test_a_phone_page_tried_again_the_usual_way_has_its_body_again() -> None:
    """On an edge the first try may read the request's (empty) body to forward it; the second gets it too, where the
    server's own `receive` would wait for the client to leave."""
    body = {"type": "http.request", "body": b"", "more_body": False}
    pending, gone = [body], asyncio.Event()

    async def receive() -> Message:
        if pending:
            return pending.pop()
        await gone.wait()  # (the client never leaves here)
        return {"type": "http.disconnect"}

    async def short(scope: Scope, receive: Receive, send: Send) -> None:
        assert await receive() == body
        raise RuntimeError("the owner's answer was not understood")

    received: list[Message] = []

    async def usual(scope: Scope, receive: Receive, send: Send) -> None:
        received.append(await receive())
        await send({"type": "http.response.start", "status": 500, "headers": []})

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    split = _Split(usual, usual, static_files(), short)
    scope = {"type": "http", "method": "GET", "path": "/r/123456", "app": SimpleNamespace(router=None)}
    await asyncio.wait_for(split(scope, receive, send), 10)
    assert received == [body] and [m["status"] for m in sent] == [500]


async def test_unknown_pages_are_friendly(server: Server, clients: Callable[[], Client]) -> None:
    response = await clients().get("/nergens")
    assert response.status_code == 404 and Page(response.text).headings[0] == "Deze pagina bestaat niet."
    api = await clients().http.post("/api/nergens")
    assert (api.status_code, api.json()) == (404, {"error": "not_found", "message": "Dit bestaat niet."})
