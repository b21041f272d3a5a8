"""`python -m bench.page`: how heavy the participant's page is, and how soon it is usable on a slow phone line.

Starts `lab serve` on 127.0.0.1 with the demo deck, adds up every byte the phone page loads (HTML, CSS, JS),
checks nothing comes from another origin, then opens the page in Debian's Chromium with the network throttled to
a slow 3G profile and measures the time until the waiting screen is shown (`slow3g_usable_s`), and, for a
participant who joins while a question is already on the screen, until that question can be answered
(`slow3g_question_s`: the question type's renderer is loaded too); and for a phone that opens the page again (the
link once more, or a tab the browser had put to sleep), with what its first visit left in the browser's cache,
the time until the waiting screen (`slow3g_return_s`) and the requests that visit sent to the server, apart from
its socket (`return_requests`: the page alone, when every file it links could be kept). Prints one summary line last.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, BrowserContext, CDPSession, Page, Request, async_playwright

from .__main__ import free_port, screen, start_server

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic",
         "--no-first-run", "--disable-component-update", "--disable-sync"]  # fmt: skip
# Slow 3G as Chrome's DevTools defines it: 400 ms round trip, 400 kbit/s down, 400 kbit/s up.
SLOW_3G = {"offline": False, "latency": 400, "downloadThroughput": 400 * 1000 / 8, "uploadThroughput": 400 * 1000 / 8}


async def push_first_question(port: int, links: dict[str, str]) -> None:
    """Put the deck's first question on the screen, as the facilitator's console does."""
    console = await screen(port, links["Facilitator"], f"/ws/f/{links['code']}")
    snapshot = json.loads(await asyncio.wait_for(console.recv(), 30))
    await console.send(json.dumps({"type": "push", "question": snapshot["questions"][0]["id"]}))
    while json.loads(await asyncio.wait_for(console.recv(), 30))["type"] != "state":
        pass
    await console.close()


async def slow_line(context: BrowserContext, page: Page, cache: bool) -> CDPSession:
    """Put `page` on slow 3G, with the browser's cache (`cache`) or without; the DevTools session that did it."""
    cdp = await context.new_cdp_session(page)
    await cdp.send("Network.enable")
    if not cache:
        await cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    await cdp.send("Network.emulateNetworkConditions", SLOW_3G)
    return cdp


async def returning(browser: Browser, url: str) -> tuple[float, int]:
    """A phone's second visit: the first one unthrottled, then the page again on slow 3G with the browser's cache as
    the first left it; the time until the waiting screen, and the requests that reached the server (not the socket)."""
    context = await browser.new_context(viewport={"width": 390, "height": 780}, is_mobile=True)
    page = await context.new_page()
    await page.goto(url)
    await page.locator(".waiting h1").wait_for(timeout=120_000)
    await page.goto("about:blank")
    cdp = await slow_line(context, page, cache=True)
    sent: set[str] = set()  # requests that went out to the server: not answered from the browser's cache
    cached: set[str] = set()
    cdp.on("Network.requestWillBeSent", lambda event: sent.add(event["requestId"]))
    cdp.on("Network.requestServedFromCache", lambda event: cached.add(event["requestId"]))

    def received(event: dict[str, Any]) -> None:
        if event["response"].get("fromDiskCache"):
            cached.add(event["requestId"])

    cdp.on("Network.responseReceived", received)
    started = time.monotonic()
    await page.goto(url)
    await page.locator(".waiting h1").wait_for(timeout=120_000)
    took = time.monotonic() - started
    await context.close()
    return took, len(sent - cached)


async def measure(
    runs: int,
) -> tuple[dict[str, int], dict[str, int], list[float], list[float], list[str], list[tuple[float, int]]]:
    with tempfile.TemporaryDirectory(prefix="lab-page-") as tmp:
        port = free_port()
        server, links = await start_server("lab", port, Path(tmp) / "page.db")
        url = f"http://127.0.0.1:{port}/r/{links['code']}"
        try:
            async with async_playwright() as playwright:
                browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
                sizes: dict[str, int] = {}
                wire: dict[str, int] = {}  # bytes on the wire: the body as sent (compressed) and its headers
                foreign: list[str] = []
                times: list[float] = []
                question_times: list[float] = []
                weighing: list[asyncio.Future[None]] = []
                returns = [await returning(browser, url) for _ in range(runs)]
                for run in range(2 * runs + 1):  # the first run only weighs the page, uncached and unthrottled
                    if run == runs + 1:
                        await push_first_question(port, links)  # from now on, phones join during a question
                    context = await browser.new_context(viewport={"width": 390, "height": 780}, is_mobile=True)
                    page = await context.new_page()
                    if run == 0:

                        async def weigh(request: Request) -> None:
                            if not request.url.startswith(f"http://127.0.0.1:{port}/"):
                                foreign.append(request.url)
                            response = await request.response()
                            if response is not None:
                                sizes[request.url] = len(await response.body())
                                sent = await request.sizes()
                                wire[request.url] = sent["responseBodySize"] + sent["responseHeadersSize"]

                        page.on(
                            "requestfinished", lambda request: weighing.append(asyncio.ensure_future(weigh(request)))
                        )
                    else:
                        await slow_line(context, page, cache=False)
                    started = time.monotonic()
                    await page.goto(url)
                    if run <= runs:
                        await page.locator(".waiting h1").wait_for(timeout=120_000)
                        if run:
                            times.append(time.monotonic() - started)
                    else:  # the prompt is drawn together with the answer buttons, once the renderer is loaded
                        await page.locator("#phone h1.prompt").wait_for(timeout=120_000)
                        question_times.append(time.monotonic() - started)
                    if run == 0:  # every file loaded and weighed before the page goes
                        await page.wait_for_load_state("networkidle")
                        await asyncio.gather(*weighing)
                    await context.close()
                await browser.close()
        finally:
            server.terminate()
            await server.wait()
    return sizes, wire, times, question_times, foreign, returns


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.page", description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    sizes, wire, times, question_times, foreign, returns = asyncio.run(measure(args.runs))
    print("   bytes    wire  file")
    for url, size in sorted(sizes.items(), key=lambda item: -item[1]):
        print(f"{size:>8} {wire[url]:>7}  {url.split('/', 3)[3]}")
    total = sum(sizes.values())
    print(
        f"page bytes={total} wire_bytes={sum(wire.values())} foreign_requests={len(foreign)}"
        f" slow3g_usable_s={statistics.median(times):.2f}"
        f" slow3g_question_s={statistics.median(question_times):.2f}"
        f" runs={','.join(f'{t:.2f}' for t in times)} question_runs={','.join(f'{t:.2f}' for t in question_times)}"
        f" slow3g_return_s={statistics.median(t for t, _ in returns):.2f}"
        f" return_requests={max(n for _, n in returns)}"
        f" return_runs={','.join(f'{t:.2f}' for t, _ in returns)}"
    )
    return 0 if not foreign else 1


if __name__ == "__main__":
    sys.exit(main())
