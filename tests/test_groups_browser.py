"""Results per group in a real browser: the console's toggle, and the projector's panels under the privacy floor."""

from __future__ import annotations

from conftest import BROWSER, SCREEN, Server, open_page
from playwright.async_api import Browser, expect
from test_groups import tripartite

pytestmark = BROWSER


async def test_the_console_shows_a_vote_per_group_on_the_projector(server: Server, browser: Browser) -> None:
    room = await tripartite(server, {0: 12, 1: 6, 2: 3})
    agree = room.questions[1]
    await room.act("show_results", {"question": agree.id, "target": "projector", "show": True})
    console = await open_page(browser, server, f"/f/{room.code}?key={room.facilitator_key}", **SCREEN)
    projector = await open_page(browser, server, f"/p/{room.code}?key={room.projector_key}", **SCREEN)
    toggle = console.page.get_by_role("button", name="Uitslag per groep")
    await expect(toggle).to_have_attribute("aria-pressed", "false")
    await toggle.click()
    await expect(toggle).to_have_attribute("aria-pressed", "true")

    panels = projector.page.locator(".by-group .group")
    await expect(panels.locator(".group-name")).to_have_text(["Huurder", "Overige groepen samen"])
    await expect(panels.locator(".count")).to_have_text(["12 antwoorden", "9 antwoorden"])
    await expect(panels.nth(0).locator(".bar-value")).to_have_text(["0 · 0%", "0 · 0%", "12 · 100%"])
    await expect(console.page.locator(".by-group .group-name")).to_have_text(["Huurder", "Overige groepen samen"])
    assert "Gemeente" not in await projector.page.locator(".by-group").inner_text()  # 3 people: never apart
    for watched in (console, projector):
        assert watched.errors == [] and watched.foreign == []
