"""`python -m bench.page`: how heavy the participant's page is, and how soon it is usable on a slow phone line.

Starts `lab serve` on 127.0.0.1 with the demo deck, adds up every byte the phone page loads (HTML, CSS, JS),
checks nothing comes from another origin, then opens the page in Debian's Chromium with the network throttled to
a slow 3G profile and measures the time until the waiting screen is shown (the socket is connected and the
snapshot drawn). Prints one summary line last.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

from playwright.async_api import Request, async_playwright

from .__main__ import free_port, start_server

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic",
         "--no-first-run", "--disable-component-update", "--disable-sync"]  # fmt: skip
# Slow 3G as Chrome's DevTools defines it: 400 ms round trip, 400 kbit/s down, 400 kbit/s up.
SLOW_3G = {"offline": False, "latency": 400, "downloadThroughput": 400 * 1000 / 8, "uploadThroughput": 400 * 1000 / 8}


async def measure(runs: int) -> tuple[dict[str, int], list[float], list[str]]:
    with tempfile.TemporaryDirectory(prefix="lab-page-") as tmp:
        port = free_port()
        server, links = await start_server("lab", port, Path(tmp) / "page.db")
        url = f"http://127.0.0.1:{port}/r/{links['code']}"
        try:
            async with async_playwright() as playwright:
                browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
                sizes: dict[str, int] = {}
                foreign: list[str] = []
                times: list[float] = []
                for run in range(runs + 1):  # the first run only weighs the page, uncached and unthrottled
                    context = await browser.new_context(viewport={"width": 390, "height": 780}, is_mobile=True)
                    page = await context.new_page()
                    if run == 0:

                        async def weigh(request: Request) -> None:
                            if not request.url.startswith(f"http://127.0.0.1:{port}/"):
                                foreign.append(request.url)
                            response = await request.response()
                            if response is not None:
                                sizes[request.url] = len(await response.body())

                        page.on("requestfinished", weigh)
                    else:
                        cdp = await context.new_cdp_session(page)
                        await cdp.send("Network.enable")
                        await cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
                        await cdp.send("Network.emulateNetworkConditions", SLOW_3G)
                    started = time.monotonic()
                    await page.goto(url)
                    await page.locator(".waiting h1").wait_for(timeout=120_000)
                    if run:
                        times.append(time.monotonic() - started)
                    await context.close()
                await browser.close()
        finally:
            server.terminate()
            await server.wait()
    return sizes, times, foreign


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.page", description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    sizes, times, foreign = asyncio.run(measure(args.runs))
    for url, size in sorted(sizes.items(), key=lambda item: -item[1]):
        print(f"{size:>8}  {url.split('/', 3)[3]}")
    total = sum(sizes.values())
    print(f"page bytes={total} foreign_requests={len(foreign)} slow3g_usable_s={statistics.median(times):.2f}"
          f" runs={','.join(f'{t:.2f}' for t in times)}")  # fmt: skip
    return 0 if not foreign else 1


if __name__ == "__main__":
    sys.exit(main())
