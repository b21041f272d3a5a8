"""Accessibility of every screen, checked with axe-core in Chromium (WCAG 2.1 A and AA, and axe's best practices),
in Dutch and English, at phone and projector sizes; and reflow: phones at 320 px wide with text at 200 %, projectors
without horizontal scrolling.

One test per screen (and question type) walks its states and collects every violation, so one failure lists them
all. States are reached through the room's own API where the interface is not the point; phones answer through their
interface. The first test checks the checks: axe finds a planted fault, a split word is seen, text really grows.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from a11y import NEEDS_AXE, axe, describe, reflow, text_size
from conftest import BROWSER, PASSWORD, PHONE, Server, open_page, spec
from playwright.async_api import Browser, Locator, Page, expect
from ui import CASES, prepare

from lab.consultation import Consultation
from lab.i18n import translate
from lab.members import counted
from lab.rooms import Room
from lab.tally import Question

pytestmark = [*BROWSER, NEEDS_AXE]

LANGS = {"nl": "nl", "en": "en-GB"}  # language -> the browser's locale
PHONES = [(320, 640), (390, 780)]
SCREENS = [(1920, 1080), (1280, 720)]

# Every case of every question type (tests/types/ui_<name>.py): its deck table, five answers, what shows it is ready.
QUESTIONS: dict[str, dict[str, Any]] = {name: case.question for name, case in CASES.items()}
KINDS = list(QUESTIONS)
VOTES: dict[str, list[Any]] = {name: case.votes for name, case in CASES.items()}
PHONE_STATES = {name: 4 if case.answerable else 1 for name, case in CASES.items()}  # states each walk checks
SCREEN_STATES = {name: 4 if case.answerable else 2 for name, case in CASES.items()}


def tr(lang: str, message: str, **params: object) -> str:
    """What the interface says in a language (lab's own catalogs)."""
    return translate(lang, message, params)


async def new_room(server: Server, questions: list[dict[str, Any]], lang: str = "nl") -> Room:
    """A room with these questions, in `lang` (the projector speaks the room's language, not the browser's)."""
    room: Room = await server.rooms.create("Toegankelijkheid", [spec(**q) for q in questions], lang=lang)
    await prepare(room, questions)
    return room


@dataclass
class Screen:
    label: str  # "nl 320x640"
    lang: str
    page: Page


async def screens(
    browser: Browser,
    server: Server,
    path: str,
    sizes: list[tuple[int, int]],
    phone: bool,
    langs: tuple[str, ...] = tuple(LANGS),
    **extra: Any,
) -> list[Screen]:
    """The page at `path` in each language (both unless told) at each size, each in its own browser context."""

    async def one(lang: str, width: int, height: int) -> Screen:
        options: dict[str, Any] = {**PHONE, **extra} if phone else {**extra}
        options["viewport"] = {"width": width, "height": height}
        watched = await open_page(browser, server, path, lang=LANGS[lang], **options)
        return Screen(f"{lang} {width}x{height}", lang, watched.page)

    return list(await asyncio.gather(*(one(lang, w, h) for lang in langs for w, h in sizes)))


class Findings:
    """axe's violations per screen and state, grouped for the failure message (one fault on many screens is listed
    once, with where it was seen)."""

    def __init__(self, screen: str) -> None:
        self.screen = screen
        self.found: dict[str, list[dict[str, Any]]] = {}
        self.checked = 0

    async def check(self, state: str, on: list[Screen]) -> None:
        results = await asyncio.gather(*(axe(s.page) for s in on))
        for s, violations in zip(on, results, strict=True):
            self.checked += 1
            if violations:
                self.found[f"{self.screen} · {state} · {s.label}"] = violations

    def fail_if_any(self) -> None:
        assert self.checked, "nothing was checked"
        print(f"axe {self.screen}: {self.checked} screens checked, {len(self.found)} with violations")  # for the docs
        if not self.found:
            return
        where: dict[str, list[str]] = {}
        for label, violations in self.found.items():
            for v in violations:
                where.setdefault("\n".join(describe([v])), []).append(label)
        lines = [f"axe found {len(where)} distinct violations on {len(self.found)} of {self.checked} screens:"]
        for text, labels in where.items():
            lines += [text, f"  on: {'; '.join(labels)}"]
        pytest.fail("\n".join(lines), pytrace=False)


# -- answering on a phone (roles the front end offers) --------------------------------------------------------------


def answer_control(s: Screen, kind: str) -> Locator:
    """What shows that the phone is ready for an answer to the question of this kind."""
    return CASES[kind].ready(s.page, functools.partial(tr, s.lang))


async def answer(s: Screen, kind: str) -> None:
    await CASES[kind].answer(s.page, functools.partial(tr, s.lang))
    await expect(s.page.get_by_text(tr(s.lang, "Your answer has been received"), exact=True)).to_be_visible()


Check = Callable[[str, list[Screen]], Awaitable[None]]


async def each(on: list[Screen], step: Callable[[Screen], Awaitable[Any]]) -> None:
    """Take a step on every screen at once."""
    await asyncio.gather(*(step(s) for s in on))


def text(s: Screen, message: str, **params: object) -> Locator:
    return s.page.get_by_text(tr(s.lang, message, **params), exact=True)


async def phone_waiting(phones: list[Screen], check: Check) -> None:
    await each(phones, lambda s: expect(text(s, "Wait for the next question")).to_be_visible())
    await check("waiting", phones)


async def phone_question(room: Room, question: Question, kind: str, phones: list[Screen], check: Check) -> None:
    """Walk one question through its states on the phones: open, answered, results shown on phones, closed."""

    def change(s: Screen) -> Locator:
        return s.page.get_by_role("button", name=tr(s.lang, "Change your answer"))

    async def answered(s: Screen) -> None:
        await answer(s, kind)
        await expect(change(s)).to_be_visible()

    await room.push(question.id)
    await each(phones, lambda s: expect(answer_control(s, kind)).to_be_visible())
    await check(f"{kind} open", phones)
    if not CASES[kind].answerable:  # a content slide: shown, nothing to answer
        return
    await each(phones, answered)
    await check(f"{kind} answered", phones)
    await room.act("show_results", {"question": question.id, "target": "phones", "show": True})
    await each(phones, lambda s: expect(text(s, "%(n)s answers", n=len(phones))).to_be_visible())
    await check(f"{kind} results", phones)
    await room.act("close", {"question": question.id})
    # answered: the only sign of closing is that the answer can no longer be changed
    await each(phones, lambda s: expect(change(s)).to_have_count(0))
    await check(f"{kind} closed", phones)


async def votes(room: Room, question: Question, kind: str) -> None:
    for n, value in enumerate(VOTES[kind]):
        await room.join(f"voter-{n}")
        await room.vote(f"voter-{n}", f"a11y-{kind}-{n:04d}", question.id, question.round, value)


LARGE_QR = (  # the join QR code, not a type's chart that may be as large
    "() => [...document.querySelectorAll('.join-qr .qr')]"
    ".some((i) => i.getBoundingClientRect().width > innerHeight / 2)"
)


async def projector_question(room: Room, question: Question, kind: str, screens: list[Screen], check: Check) -> None:
    """Walk one question through its states on the projectors: results hidden, revealed, the large QR code, closed."""

    async def hidden(s: Screen) -> None:
        await expect(text(s, "Results follow soon")).to_be_visible()
        await expect(text(s, "%(n)s answers", n=len(VOTES[kind]))).to_be_visible()

    async def qr(s: Screen, large: bool) -> None:
        await s.page.keyboard.press("q")
        await s.page.wait_for_function(LARGE_QR if large else f"() => !({LARGE_QR})()")

    await room.push(question.id)
    if not CASES[kind].answerable:  # a content slide: shown at once, with the large QR code over it
        await each(screens, lambda s: expect(s.page.get_by_text(CASES[kind].revealed, exact=True)).to_be_visible())
        await check(f"{kind} shown", screens)
        await each(screens, lambda s: qr(s, large=True))
        await check(f"{kind} large QR", screens)
        await each(screens, lambda s: qr(s, large=False))
        return
    await votes(room, question, kind)
    await each(screens, hidden)
    await check(f"{kind} hidden", screens)
    await room.act("show_results", {"question": question.id, "target": "projector", "show": True})
    await each(screens, lambda s: expect(s.page.get_by_text(CASES[kind].revealed, exact=True).first).to_be_visible())
    await check(f"{kind} revealed", screens)
    await each(screens, lambda s: qr(s, large=True))
    await check(f"{kind} large QR", screens)
    await each(screens, lambda s: qr(s, large=False))
    await room.act("close", {"question": question.id})
    await each(screens, lambda s: expect(text(s, "This question is closed")).to_be_visible())
    await check(f"{kind} closed", screens)


# -- the checks are checked ------------------------------------------------------------------------------------------

GOOD = """<!doctype html><html lang="en"><head><title>Good</title></head>
<body><main><h1>A good page</h1><p>Plain text.</p></main></body></html>"""
GLIDE = """<!doctype html><html lang="en"><head><title>Glide</title></head><body><main><h1>Rows</h1>
<p style="background:#0b5cad;color:#fff;height:3rem;margin:0">Bar</p><p id="moving" style="color:#4a5568">Place</p>
</main></body></html>"""
NO_ALT = "document.querySelector('main').append(Object.assign(document.createElement('img'), {src: 'data:image/gif;base64,R0lGODlhAQABAAAAACw='}))"  # noqa: E501


async def test_the_checks_find_what_they_should(server: Server, browser: Browser) -> None:
    """So that no test here can pass because axe did not run: a clean page has no violations, an image without alt
    text is found (also on a lab page under its Content-Security-Policy); a word broken over two lines, a page wider
    than the screen and text in pixels are seen."""
    context = await browser.new_context()
    page = await context.new_page()
    await page.set_content(GOOD)
    assert await axe(page) == []
    await page.evaluate(NO_ALT)
    assert [(v["id"], v["impact"], v["count"]) for v in await axe(page)] == [("image-alt", "critical", 1)]
    # Grey text gliding over a blue bar to its place: axe judges where it comes to rest, as a person reads it.
    await page.set_content(GLIDE)
    await page.evaluate(
        "document.querySelector('#moving').animate([{transform: 'translateY(-3rem)'}, {transform: 'none'}], 1500)"
    )
    assert await axe(page) == []

    options: dict[str, Any] = {**PHONE}
    home = await open_page(browser, server, "/", **options)
    await expect(home.page.get_by_role("button", name=tr("nl", "Join"), exact=True)).to_be_visible()
    before = {v["id"] for v in await axe(home.page)}
    await home.page.evaluate(NO_ALT)
    after = await axe(home.page)
    assert "image-alt" not in before and "image-alt" in {v["id"] for v in after}
    assert next(v for v in after if v["id"] == "image-alt")["nodes"][0]["target"] == "img"
    assert home.errors == []  # the policy was not broken to run axe

    await page.set_content(
        '<!doctype html><html lang="en"><style>button { font: inherit }</style><body style="margin:0">'
        '<p style="width:5rem;overflow-wrap:anywhere">'
        'Een <span class="cloud-word">huurdersorganisatie</span> co-facilitator</p>'
        '<p style="width:9rem;word-break:break-all">Een goede samenwerking</p>'
        '<p class="px" style="font-size:12px">Klein</p><div style="width:2000px">breed</div>'
        '<div style="position:relative"><button>Tik</button><button>Vrij</button>'
        '<span class="cover" style="position:absolute;inset:0;width:2rem"></span></div></body></html>'
    )
    assert await text_size(page, 200) == ["p.px: 12px -> 12px"]
    found = await reflow(page, "p")
    assert found["scroll_width"] == 2000 and found["client_width"] < 2000
    assert [(w["word"], w["element"], w["fits"]) for w in found["split"]] == [
        ("huurdersorganisatie", "span.cloud-word", False),  # wider than its line: it has to break
        ("samenwerking", "p", True),  # broken where it did not have to be
    ]
    assert found["covered"] == [{"control": "button", "text": "Tik", "by": "span.cover"}]
    assert found["wide"] == [{"element": "div", "text": "breed", "right": 2000}]
    await context.close()


# -- phones ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
async def test_a_phone_is_accessible_in_every_state(server: Server, browser: Browser, kind: str) -> None:
    room = await new_room(server, [QUESTIONS[kind]])
    phones = await screens(browser, server, f"/r/{room.code}", PHONES, phone=True)
    findings = Findings("phone")
    await phone_waiting(phones, findings.check)
    await phone_question(room, room.questions[0], kind, phones, findings.check)
    findings.fail_if_any()


CLOUD_WORD = ("span.cloud-text:", "span.sr-only.cloud-count:")


async def test_a_phone_at_320_px_with_text_at_200_percent_reflows(server: Server, browser: Browser) -> None:
    """WCAG 1.4.10 and 1.4.4: at 320 CSS pixels wide nothing scrolls sideways and no word of a prompt, an option or a
    result is broken over two lines; with the reader's text twice as large, still nothing scrolls sideways, no control
    is covered, and only a word wider than its whole line is broken (it cannot fit otherwise). The page is laid out
    at 320 px (no mobile zoom-out, which would lay a page that is too wide out wider and hide what sticks out)."""
    room = await new_room(server, [QUESTIONS[kind] for kind in KINDS])
    phones = await screens(browser, server, f"/r/{room.code}", [(320, 640)], phone=True, is_mobile=False)
    problems: list[str] = []
    widths: list[str] = []

    def report(label: str, found: dict[str, Any], split: list[dict[str, Any]]) -> None:
        if found["scroll_width"] > 320:
            wide = ", ".join(f"{w['element']} {w['text']!r} to {w['right']}" for w in found["wide"])
            problems.append(f"{label}: {found['scroll_width']} px wide; sticking out: {wide}")
        if found["covered"]:
            controls = ", ".join(f"{c['control']} {c['text']!r} under {c['by']}" for c in found["covered"])
            problems.append(f"{label}: controls covered: {controls}")
        if split:
            words = ", ".join(f"{w['word']!r} in {w['element']} ({w['lines']} lines)" for w in split)
            problems.append(f"{label}: words split: {words}")

    async def check(state: str, on: list[Screen]) -> None:
        for s in on:
            label = f"{state} · {s.label}"
            usual = await reflow(s.page)
            report(f"{label}, usual text", usual, usual["split"])  # at the usual size no word breaks
            # A cloud word's size shows its count against the others, capped to the cloud's width, never below the
            # text around it (which does double): it need not double itself.
            fixed = [line for line in await text_size(s.page, 200) if not line.startswith(CLOUD_WORD)]
            found = await reflow(s.page)
            await text_size(s.page, 100)  # the walk goes on at the usual size: a covered button is reported, not hit
            widths.append(f"{label}: {found['scroll_width']}")
            if fixed:
                problems.append(f"{label}: text not enlarged: {'; '.join(fixed)}")
            report(label, found, [w for w in found["split"] if w["fits"]])  # only a word wider than its line breaks

    await phone_waiting(phones, check)
    for question, kind in zip(room.questions, KINDS, strict=True):
        await phone_question(room, question, kind, phones, check)
    assert len(widths) == len(phones) * (1 + sum(PHONE_STATES.values()))
    coded = await server.rooms.create("Ledenraadpleging van de huurdersvereniging", [spec(**QUESTIONS["choice"])],
                                      access="codes")  # fmt: skip
    for s in phones:  # the form for a member code, with the message about a wrong one
        await s.page.goto(f"{server.base}/r/{coded.code}?member=AAAAAAAA")
        await s.page.get_by_role("button", name=tr(s.lang, "Go on")).click()
        await expect(s.page.get_by_role("alert")).to_contain_text("AAAA-AAAA")
    await check("member code", phones)
    print("\n".join(["Document widths at 320 px, 200 % text:", *widths]))
    if problems:
        pytest.fail("\n".join(["Reflow at 320 px with 200 % text:", *problems]), pytrace=False)


# -- projectors -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("kind", KINDS)
async def test_a_projector_is_accessible_in_every_state(server: Server, browser: Browser, kind: str, lang: str) -> None:
    room = await new_room(server, [QUESTIONS[kind]], lang)
    path = f"/p/{room.code}?key={room.projector_key}"
    projectors = await screens(browser, server, path, SCREENS, phone=False, langs=(lang,))
    findings = Findings("projector")
    await each(projectors, lambda s: expect(text(s, "Wait for the next question")).to_be_visible())
    await findings.check("waiting", projectors)
    await projector_question(room, room.questions[0], kind, projectors, findings.check)
    findings.fail_if_any()


@pytest.mark.parametrize("lang", LANGS)
async def test_a_projector_never_scrolls_sideways(server: Server, browser: Browser, lang: str) -> None:
    room = await new_room(server, [QUESTIONS[kind] for kind in KINDS], lang)
    path = f"/p/{room.code}?key={room.projector_key}"
    projectors = await screens(browser, server, path, SCREENS, phone=False, langs=(lang,))
    problems: list[str] = []
    checked = 0

    async def check(state: str, on: list[Screen]) -> None:
        nonlocal checked
        for s in on:
            checked += 1
            found = await reflow(s.page)
            if found["scroll_width"] > found["client_width"]:
                wide = ", ".join(f"{w['element']} {w['text']!r} to {w['right']}" for w in found["wide"])
                problems.append(f"{state} · {s.label}: {found['scroll_width']} px wide; sticking out: {wide}")

    await each(projectors, lambda s: expect(text(s, "Wait for the next question")).to_be_visible())
    await check("waiting", projectors)
    for question, kind in zip(room.questions, KINDS, strict=True):
        await projector_question(room, question, kind, projectors, check)
    assert checked == len(projectors) * (1 + sum(SCREEN_STATES.values()))
    if problems:
        pytest.fail("\n".join(["Projector wider than its screen:", *problems]), pytrace=False)


# -- the console and the other pages ------------------------------------------------------------------------------


async def test_the_console_is_accessible(server: Server, browser: Browser) -> None:
    room = await new_room(server, [QUESTIONS[kind] for kind in KINDS])
    consoles = await screens(browser, server, f"/f/{room.code}?key={room.facilitator_key}", SCREENS, phone=False)
    findings = Findings("console")

    async def waiting(s: Screen) -> None:
        await expect(s.page.get_by_text(QUESTIONS["choice"]["prompt"], exact=True)).to_be_visible()  # in the deck
        await expect(text(s, "Wait for the next question")).to_be_visible()

    async def current(s: Screen, question: Question, kind: str) -> None:
        await expect(s.page.get_by_role("heading", name=question.prompt, exact=True)).to_be_visible()
        if CASES[kind].answerable:
            await expect(text(s, "%(n)s answers", n=len(VOTES[kind]))).to_be_visible()

    async def paper(s: Screen) -> None:  # the tellers' form, and a show of hands for the choice on the screen
        await s.page.get_by_text(tr(s.lang, "Enter ballots"), exact=True).click()
        await expect(s.page.locator("#ballot-questions fieldset").first).to_be_visible()
        await s.page.get_by_text(tr(s.lang, "Count a show of hands"), exact=True).click()
        await expect(s.page.locator(".hands-form input").first).to_be_visible()

    async def editor(s: Screen) -> None:
        await s.page.get_by_role("button", name=tr(s.lang, "Add a question")).click()
        await expect(s.page.get_by_role("button", name=tr(s.lang, "Save"), exact=True)).to_be_visible()

    async def editing(s: Screen, kind: str) -> None:
        await s.page.get_by_label(tr(s.lang, "Type"), exact=True).select_option(kind)

    await each(consoles, waiting)
    await findings.check("waiting", consoles)
    for question, kind in zip(room.questions, KINDS, strict=True):
        await room.push(question.id)
        await votes(room, question, kind)
        await each(consoles, functools.partial(current, question=question, kind=kind))
        await findings.check(f"{kind} current", consoles)
    choice = room.questions[KINDS.index("choice")]
    await room.push(choice.id)
    await room.set_hands(choice.id, [3, 1] + [0] * (len(choice.settings["options"]) - 2))  # a split per channel
    await each(consoles, paper)
    await findings.check("paper ballots and hands", consoles)
    await each(consoles, editor)
    for kind in dict.fromkeys(QUESTIONS[kind]["type"] for kind in KINDS):
        await each(consoles, functools.partial(editing, kind=kind))
        await findings.check(f"editor ({kind})", consoles)
    findings.fail_if_any()


async def test_the_join_and_organiser_pages_are_accessible(server: Server, browser: Browser) -> None:
    await new_room(server, [QUESTIONS["choice"]])
    assert await server.rooms.get("999999") is None
    coded = await server.rooms.create("Ledenraadpleging", [spec(**QUESTIONS["choice"])], access="codes")
    await coded.add_members(counted(3))
    pages = [
        *await screens(browser, server, "/", PHONES, phone=True),
        *await screens(browser, server, "/", [(1280, 720)], phone=False),
    ]
    findings = Findings("page")

    async def unknown(s: Screen) -> None:
        await s.page.goto(f"{server.base}/join?code=999999")
        await expect(s.page.get_by_role("alert")).to_contain_text("999999")

    async def login(s: Screen) -> None:
        await s.page.goto(f"{server.base}/organiser")
        await expect(s.page.get_by_label(tr(s.lang, "Organiser password"))).to_be_visible()

    def logged_in(s: Screen) -> Awaitable[None]:
        return expect(s.page.get_by_role("heading", name=tr(s.lang, "New session"))).to_be_visible()

    async def share(s: Screen, cookies: Any) -> None:
        await s.page.context.add_cookies(cookies)
        await s.page.reload()
        await logged_in(s)

    await each(pages, lambda s: expect(s.page.get_by_role("heading", name=tr(s.lang, "Join in"))).to_be_visible())
    await findings.check("home", pages)
    await each(pages, unknown)
    await findings.check("unknown code", pages)

    async def code_form(s: Screen) -> None:
        await s.page.goto(f"{server.base}/r/{coded.code}")
        await expect(s.page.get_by_label(tr(s.lang, "Type the code from your letter"))).to_be_focused()

    async def wrong_code(s: Screen) -> None:  # typed and sent with the keyboard
        await s.page.keyboard.type("aaaa aaaa")
        await s.page.keyboard.press("Enter")
        await expect(s.page.get_by_role("alert")).to_contain_text("AAAA-AAAA")
        await expect(s.page.get_by_label(tr(s.lang, "Type the code from your letter"))).to_have_value("aaaa aaaa")

    await each(pages, code_form)
    await findings.check("member code", pages)
    await each(pages, wrong_code)
    await findings.check("member code: a wrong one", pages)

    async def kiosk(s: Screen) -> None:  # a volunteer's tablet: large text, and the button for the next person
        await s.page.goto(f"{server.base}/r/{coded.code}?kiosk=1")
        await expect(s.page.get_by_role("button", name=tr(s.lang, "Done: next person"))).to_be_visible()

    await each(pages, kiosk)
    await findings.check("member code on a kiosk", pages)

    # a consultation at the own pace: a question with back and next, then what is still open and what came of it
    outcome = "De corporatie legt meer groen aan."
    paced = await server.rooms.create("Raadpleging", [spec(**QUESTIONS["choice"]), spec(**QUESTIONS["open"])],
                                      consultation=Consultation("self", outcome=outcome))  # fmt: skip
    wide: list[str] = []

    async def fits(s: Screen, state: str) -> None:  # at 200% text on a phone of 320 px, nothing sideways
        if s.page.viewport_size and s.page.viewport_size["width"] == 320:
            await text_size(s.page, 200)
            found = await reflow(s.page)
            if found["scroll_width"] > found["client_width"]:
                wide.append(f"{state} · {s.label}: {found['wide']}")
            await text_size(s.page, 100)

    async def paced_question(s: Screen) -> None:
        await s.page.goto(f"{server.base}/r/{paced.code}?kiosk=0")
        await expect(s.page.get_by_role("navigation", name=tr(s.lang, "Questions"))).to_be_visible()
        await fits(s, "own pace: a question")

    async def paced_end(s: Screen) -> None:
        await s.page.get_by_role("button", name=tr(s.lang, "Next") + " →").click()
        await s.page.get_by_role("button", name=tr(s.lang, "Finish") + " →").click()
        await expect(s.page.get_by_role("region", name=tr(s.lang, "What was done with your opinion"))).to_be_visible()
        await fits(s, "own pace: the end")

    await each(pages, paced_question)
    await findings.check("own pace: a question", pages)
    await each(pages, paced_end)
    await findings.check("own pace: the end, with the outcome", pages)

    holder, giver, *_ = coded.members  # a member who holds a proxy (volmacht): the switch on their phone
    await coded.set_proxy(holder.ref, giver.ref)

    async def proxy(s: Screen) -> None:
        await s.page.goto(f"{server.base}/r/{coded.code}?kiosk=0")
        await s.page.goto(f"{server.base}/r/{coded.code}?member={holder.code}")
        await s.page.get_by_role("button", name=tr(s.lang, "Go on")).click()
        await expect(s.page.get_by_role("button", name=tr(s.lang, "Vote for %(id)s", id=giver.ref))).to_be_visible()
        await fits(s, "a proxy to vote with")

    async def acting(s: Screen) -> None:
        await s.page.get_by_role("button", name=tr(s.lang, "Vote for %(id)s", id=giver.ref)).click()
        await expect(s.page.get_by_role("button", name=tr(s.lang, "Back to my own vote"))).to_be_visible()
        await fits(s, "voting by proxy")

    await each(pages, proxy)
    await findings.check("a member with a proxy", pages)
    await each(pages, acting)
    await findings.check("voting by proxy", pages)
    assert wide == [], wide
    await each(pages, login)
    await findings.check("organiser login", pages)
    # one logs in (the password check is slow and rate-limited per address), the others take its session cookie
    first = pages[0]
    await first.page.get_by_label(tr(first.lang, "Organiser password")).fill(PASSWORD)
    await first.page.get_by_role("button", name=tr(first.lang, "Log in")).click()
    await logged_in(first)
    cookies = await first.page.context.cookies()
    await each(pages[1:], lambda s: share(s, cookies))
    await findings.check("organiser logged in", pages)
    findings.fail_if_any()


# -- what axe does not check ---------------------------------------------------------------------------------------

_COLOURS = """
  // WCAG relative luminance and contrast of CSS colours; a transparent colour takes the backdrop behind it.
  const rgb = (css) => (css.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => [r, g, b]
    .map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
    .reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
  const ratio = (a, b) => {
    const [x, y] = [lum(a.slice(0, 3)), lum(b.slice(0, 3))].sort((p, q) => q - p);
    return Math.round(((x + 0.05) / (y + 0.05)) * 100) / 100;
  };
  const opaque = (c) => c.length === 3 || c[3] > 0;
  const backdrop = (e) => {
    for (let n = e.parentElement; n; n = n.parentElement) {
      const c = rgb(getComputedStyle(n).backgroundColor);
      if (opaque(c)) return c;
    }
    return [255, 255, 255];
  };
  const name = (e) => e.tagName.toLowerCase() + [...e.classList].map((c) => '.' + c).join('')
    + ' ' + (e.textContent || e.value || '').trim().slice(0, 20);
"""

# The boundary that shows a control: its border, or its fill where it has one, against what is around it. A button
# that fills a list item is shown by the item's border; a text link needs none.
_BOUNDARIES = (
    "button:not(.push):not(.link), li.question, input:not([type=radio]):not([type=checkbox]), select, "
    "textarea, .rate span, .choice"
)
_CONTRAST = (
    "(selector) => {"
    + _COLOURS
    + """
  const controls = [...document.querySelectorAll(selector)]
    .filter((e) => e.getClientRects().length && getComputedStyle(e).visibility !== 'hidden');
  return controls.map((e) => {
    const style = getComputedStyle(e);
    const fill = rgb(style.backgroundColor);
    const border = parseFloat(style.borderTopWidth) > 0 ? ratio(rgb(style.borderTopColor), backdrop(e)) : 0;
    return [name(e), Math.max(border, opaque(fill) ? ratio(fill, backdrop(e)) : 0)];
  });
}"""
)

_FOCUS_RING = (
    "() => {"
    + _COLOURS
    + """
  let e = document.activeElement;
  if (e === document.body) return null;  // past the last stop: focus went to the browser's own bar
  if (e.matches('input[type=radio]')) e = e.nextElementSibling;  // the ring is drawn on the radio's visible box
  if (e.matches('input[type=checkbox]')) e = e.closest('label');
  const style = getComputedStyle(e);
  return [name(e), style.outlineStyle, parseFloat(style.outlineWidth), ratio(rgb(style.outlineColor), backdrop(e))];
}"""
)


async def test_borders_and_the_focus_ring_stand_out(server: Server, browser: Browser) -> None:
    """WCAG 1.4.11: what shows a control (its border or fill) and the focus ring have 3:1 against what is around
    them, on the phone in every kind of input, on the console and on the join page; the ring is at least 2 px."""
    room = await new_room(server, [QUESTIONS["multi"], QUESTIONS["scale"], QUESTIONS["open"]])
    phone = await open_page(browser, server, f"/r/{room.code}", **PHONE)
    console = await open_page(
        browser, server, f"/f/{room.code}?key={room.facilitator_key}", viewport={"width": 1280, "height": 720}
    )
    home = await open_page(browser, server, "/", **PHONE)
    weak: list[str] = []
    rings: list[str] = []

    async def look(label: str, page: Page, tabs: int) -> None:
        weak.extend(
            f"{label}: {name} {ratio}:1" for name, ratio in await page.evaluate(_CONTRAST, _BOUNDARIES) if ratio < 3
        )
        await page.evaluate("document.activeElement.blur()")  # Tab starts from the top of the page
        for _ in range(tabs):
            await page.keyboard.press("Tab")
            ring = await page.evaluate(_FOCUS_RING)
            if ring is None:
                continue
            what, style, width, ratio = ring
            if style == "none" or width < 2 or ratio < 3:
                rings.append(f"{label}: {what}: {style} {width}px {ratio}:1")

    await look("home", home.page, 4)
    for question in room.questions:
        await room.push(question.id)
        await expect(phone.page.locator("#prompt")).to_have_text(question.prompt)
        await look(f"phone {question.type.name}", phone.page, 8)
    await expect(console.page.locator("#current .prompt")).to_have_text(room.questions[-1].prompt)
    await look("console", console.page, 25)
    assert weak == [], "\n".join(weak)
    assert rings == [], "\n".join(rings)


async def test_a_choice_shows_as_more_than_a_colour_also_in_forced_colours(server: Server, browser: Browser) -> None:
    """A chosen option carries a check mark (not only a colour), and stays visible in Windows high contrast
    (forced colours), where the page's own colours are replaced."""
    room = await new_room(server, [QUESTIONS["scale"], QUESTIONS["choice"]])
    scale, choice = room.questions
    context = await browser.new_context(locale="nl", forced_colors="active", **PHONE)
    page = await context.new_page()
    await page.goto(f"{server.base}/r/{room.code}")
    await room.push(scale.id)
    row = page.get_by_role("radiogroup", name="Samenwerking tussen partijen")
    await row.get_by_role("radio", name="3").check()
    boxes = row.locator(".rate span")
    looks = await boxes.evaluate_all(
        "(spans) => spans.map((s) => [getComputedStyle(s, '::before').content, getComputedStyle(s).backgroundColor])"
    )
    chosen, others = looks[2], looks[:2] + looks[3:]
    assert chosen[0] == '"✓"' and all(content in ("none", "normal") for content, _ in others)
    assert all(fill != chosen[1] for _, fill in others)  # the system's highlight colour, not the page's
    assert await page.evaluate("matchMedia('(forced-colors: active)').matches")

    await room.push(choice.id)
    await page.get_by_role("button", name="Woningcorporatie").click()
    await page.get_by_role("button", name="Wijzig uw antwoord").click()
    earlier = page.get_by_role("button", name="Woningcorporatie uw vorige keuze")
    mark = await earlier.locator(".mark").evaluate(
        "(m) => [getComputedStyle(m, '::before').content, getComputedStyle(m).backgroundColor,"
        " getComputedStyle(m.parentElement).borderTopWidth]"
    )
    plain = await page.get_by_role("button", name="Gemeente").evaluate("(b) => getComputedStyle(b).borderTopWidth")
    assert mark[0] == '"✓"' and mark[2] == "4px" and plain == "2px"
    await context.close()


async def test_what_a_screen_reader_is_told(server: Server, browser: Browser) -> None:
    """Results are not a live region (not read out on every vote); the character counter is tied to its field and is
    not live; the scale's end labels describe its first and last buttons; distributions and word counts are text;
    the deck's Dutch is marked as Dutch in an English interface."""
    room = await new_room(server, [QUESTIONS["scale"], QUESTIONS["open"], QUESTIONS["wordcloud"]])
    scale, opened, words = room.questions
    phone = await open_page(browser, server, f"/r/{room.code}", lang="en-GB", **PHONE)
    page = phone.page
    await room.push(scale.id)
    row = page.get_by_role("radiogroup", name="Samenwerking tussen partijen")
    assert await page.locator("#prompt").get_attribute("lang") == "nl"
    assert await row.locator("legend").get_attribute("lang") == "nl"
    await expect(row.get_by_role("radio", name="1", exact=True)).to_have_accessible_description("Slecht")
    await expect(row.get_by_role("radio", name="5", exact=True)).to_have_accessible_description("Uitstekend")
    await expect(row.get_by_role("radio", name="3", exact=True)).to_have_accessible_description("")
    for n, value in enumerate(VOTES["scale"]):
        await room.join(f"sr{n}")
        await room.vote(f"sr{n}", f"sr-vote-{n}", scale.id, scale.round, value)
    await room.act("show_results", {"question": scale.id, "target": "phones", "show": True})
    await expect(page.locator(".dist-text").first).to_have_text("Answers per score: 1: 0, 2: 1, 3: 1, 4: 2, 5: 1")
    live = "(node) => Boolean(node.closest('[aria-live], [role=status], [role=alert], [role=log]'))"
    assert not await page.locator(".results").evaluate(live)

    await room.push(opened.id)
    field = page.get_by_role("textbox", name="Your answer")
    await expect(field).to_have_accessible_description("280 characters left")
    await field.fill("Meer")
    assert not await page.locator(".open-form .hint").evaluate(live)

    await room.push(words.id)
    for n, value in enumerate(VOTES["wordcloud"]):
        await room.join(f"sr{n}")
        await room.vote(f"sr{n}", f"sr-words-{n}", words.id, words.round, value)
    await room.act("show_results", {"question": words.id, "target": "phones", "show": True})
    await expect(page.locator(".cloud-word").first).to_have_text("Huurdersparticipatie (3)")
    assert not await page.locator(".results").evaluate(live) and phone.errors == []

    # The console says the questions are in English after all: what is drawn already is marked so, at once.
    await room.act("language", {"lang": "en"})
    await expect(page.locator("#prompt")).to_have_attribute("lang", "en")
    await expect(page.locator(".cloud-text").first).to_have_attribute("lang", "en")
    assert await page.locator("[lang=nl]:not(.languages *)").count() == 0


async def test_results_and_the_way_to_join_fit_the_projector(server: Server, browser: Browser) -> None:
    """12 options, 40 cards and 5 rated statements fit the screen without scrolling at 1280x720 and 1920x1080; the
    address and code are large (at least 4.5 % of the screen's height: 32 px at 720, readable from the back of a
    hall), and the large QR code with its code fits the screen."""
    options = [f"Onderwerp {n}: onderhoud en leefbaarheid" for n in range(1, 13)]
    questions = [
        {
            "type": "choice",
            "prompt": "Welke onderwerpen vindt u het belangrijkst voor de komende jaren?",
            "options": options,
        },
        {"type": "open", "prompt": "Wat moet volgend jaar beter?", "max_length": 280},
        {**QUESTIONS["scale"], "statements": ["Samenwerking", "Inbreng", "Informatie", "Onderhoud", "Betaalbaarheid"]},
    ]
    room = await new_room(server, questions)
    many, cards, rated = room.questions
    answers = {
        many.id: [[n % 12] for n in range(60)],
        cards.id: [f"Antwoord {n}: meer overleg met de buurt over onderhoud en betere informatie" for n in range(40)],
        rated.id: [[1 + n % 5, 2, 3, None, 5] for n in range(30)],
    }
    for question in room.questions:
        await room.push(question.id)
        await room.act("show_results", {"question": question.id, "target": "projector", "show": True})
        for n, value in enumerate(answers[question.id]):
            await room.join(f"fit{n:02d}")
            await room.vote(f"fit{n:02d}", f"fit-{question.id}-{n:02d}", question.id, question.round, value)
    measure = """() => {
      const stage = document.getElementById('stage');
      const last = stage.querySelector('.count').getBoundingClientRect();
      const code = document.querySelector('.join-code').getBoundingClientRect();
      return { cut: stage.scrollHeight - stage.clientHeight, below: Math.round(last.bottom - innerHeight),
               scroll: document.documentElement.scrollHeight - innerHeight, code: code.height / innerHeight,
               fit: Number(stage.style.getPropertyValue('--fit')) };
    }"""
    problems: list[str] = []
    for width, height in SCREENS:
        screen = await open_page(
            browser, server, f"/p/{room.code}?key={room.projector_key}", viewport={"width": width, "height": height}
        )
        for question in room.questions:
            await room.push(question.id)
            await expect(screen.page.locator("#stage .prompt")).to_have_text(question.prompt)
            await expect(screen.page.locator("#stage .count")).to_have_text(f"{len(answers[question.id])} antwoorden")
            found = await screen.page.evaluate(measure)
            if found["cut"] > 1 or found["below"] > 0 or found["scroll"] > 0 or found["code"] < 0.045:
                problems.append(f"{question.type.name} at {width}x{height}: {found}")
        # Hidden again, the results leave an almost empty screen: its text grows back (the fit starts again).
        await room.push(cards.id)
        await expect(screen.page.locator("#stage .count")).to_have_text("40 antwoorden")
        shrunk = await screen.page.evaluate(measure)
        await room.act("show_results", {"question": cards.id, "target": "projector", "show": False})
        await expect(screen.page.locator(".hidden-results")).to_be_visible()
        grown = await screen.page.evaluate(measure)
        if not shrunk["fit"] < grown["fit"] == 1.5:
            problems.append(f"hidden again at {width}x{height}: --fit {shrunk['fit']} then {grown['fit']}")
        await room.act("show_results", {"question": cards.id, "target": "projector", "show": True})
        await expect(screen.page.locator("#keys")).to_be_hidden()  # the key hint is not for the hall
        await screen.page.keyboard.press("q")
        qr = await screen.page.evaluate(
            "() => [document.querySelector('.join-qr').getBoundingClientRect().bottom, innerHeight,"
            " document.querySelector('.join-big-code').getBoundingClientRect().bottom,"
            " document.querySelector('.join-qr .qr').getBoundingClientRect().height]"
        )
        if qr[0] > qr[1] or qr[2] > qr[1] or qr[3] < 0.5 * qr[1]:
            problems.append(
                f"large QR at {width}x{height}: box bottom {qr[0]}, code bottom {qr[2]}, QR {qr[3]} of {qr[1]}"
            )
        assert screen.errors == []
    assert problems == [], "\n".join(problems)
