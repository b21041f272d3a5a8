"""Pin on an image in a browser: tap the map once, put a second pin with the named part "rechts onder", then send.

The question needs its image stored in the room: the map is drawn here (a deterministic PNG made with Pillow), named
as lab names it (lab.media.prepare), and `setup` stores it in the room the tests make."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image, ImageDraw
from playwright.async_api import Page
from ui import Case, Tr

from lab import media


def neighbourhood() -> bytes:
    """A map of a neighbourhood, 800 x 500: a park in the middle, a road, a canal along the bottom, blocks of flats."""
    image = Image.new("RGB", (800, 500), (236, 232, 220))
    draw = ImageDraw.Draw(image)
    draw.rectangle((300, 170, 500, 330), fill=(150, 200, 140))  # the park
    draw.rectangle((0, 120, 800, 150), fill=(190, 190, 190))  # the road
    draw.rectangle((0, 430, 800, 470), fill=(120, 170, 220))  # the canal
    for left in (40, 140, 600, 700):
        draw.rectangle((left, 20, left + 70, 100), fill=(200, 120, 90))  # flats along the top
    draw.rectangle((60, 200, 220, 300), fill=(170, 140, 200))  # the shopping centre
    draw.rectangle((600, 330, 760, 410), fill=(230, 200, 90))  # the station
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


MAP = media.prepare(neighbourhood(), 5_000_000)
ALT = "Kaart van de wijk: de flats bovenaan, het winkelcentrum links, het park in het midden, het station rechtsonder"


async def store_the_map(room: Any) -> None:
    await room.add_image(MAP)


async def answer(page: Page, tr: Tr) -> None:
    """A tap on the map (a quarter from the left, a third from the top), then the part "rechts onder"."""
    picture = page.get_by_role("img", name=ALT, exact=True)
    box = await picture.bounding_box()
    assert box is not None
    await page.locator(".pin-tap").click(position={"x": box["width"] * 0.25, "y": box["height"] * 0.3})
    await page.get_by_role("button", name=tr("bottom right"), exact=True).click()
    await page.get_by_role("button", name=tr("Send"), exact=True).click()


CASES = {
    "pin": Case(
        question={
            "type": "pin",
            "prompt": "Waar in de wijk voelt u zich 's avonds niet veilig?",
            "image": MAP.name,
            "image_alt": ALT,
            "max_pins": 2,
            "instruction": "Zet hooguit twee spelden op de kaart.",
        },
        votes=[
            [[0.25, 0.3], [0.833, 0.833]],
            [[0.5, 0.5]],
            [[0.1, 0.12], [0.52, 0.48]],
            [[0.9, 0.75]],
            [[0.48, 0.55], [0.2, 0.9]],
        ],
        revealed=ALT,
        ready=lambda page, tr: page.get_by_role("img", name=ALT, exact=True),
        answer=answer,
        setup=store_the_map,
    )
}
