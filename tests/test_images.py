"""Images a facilitator uploads: checked by decoding, made smaller, stripped of metadata, kept by lab itself and
served to the room's screens; anything else is refused with a clear error and nothing is stored."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from conftest import Client, Server, facilitator, page_data, spec
from db import rows
from PIL import Image

from lab import media
from lab.errors import Invalid, TooLarge
from lab.rooms import Room

GPS = 0x8825  # the EXIF tag of a photo's location


def photo(width: int = 3000, height: int = 2000, kind: str = "JPEG") -> bytes:
    """A photo as a phone makes it: large, with the place it was taken in its metadata."""
    image = Image.new("RGB", (width, height), (30, 120, 200))
    exif = Image.Exif()
    exif[GPS] = {1: "N", 2: (52.0, 5.0, 0.0)}
    out = io.BytesIO()
    image.save(out, kind, exif=exif)
    return out.getvalue()


def test_an_image_is_stored_smaller_and_without_its_metadata() -> None:
    upload = photo()
    assert Image.open(io.BytesIO(upload)).getexif().get(GPS) is not None
    stored = media.prepare(upload, 5_000_000)
    assert (stored.width, stored.height, stored.mime) == (2400, 1600, "image/jpeg")
    assert media.NAME.fullmatch(stored.name) and stored.name.endswith(".jpg")
    kept = Image.open(io.BytesIO(stored.data))
    assert kept.size == (2400, 1600) and not kept.getexif()
    assert media.prepare(stored.data, 5_000_000).name == stored.name  # the same image is the same name


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (b"<svg xmlns='http://www.w3.org/2000/svg'></svg>", "This file is not an image that can be used"),
        (b"GIF89a" + b"\0" * 40, "This file is not an image that can be used"),
        (photo(8, 8)[:60], "This file is not an image that can be used"),  # cut off
    ],
)
def test_what_is_not_a_usable_image_is_refused(upload: bytes, message: str) -> None:
    with pytest.raises(Invalid) as refused:
        media.prepare(upload, 5_000_000)
    assert str(refused.value).startswith(message)


def test_a_gif_and_a_bomb_are_refused() -> None:
    gif = io.BytesIO()
    Image.new("RGB", (10, 10)).save(gif, "GIF")
    with pytest.raises(Invalid) as refused:
        media.prepare(gif.getvalue(), 5_000_000)
    assert str(refused.value) == "Only PNG, JPEG and WebP images can be used."
    bomb = io.BytesIO()
    Image.new("1", (9000, 9000)).save(bomb, "PNG")  # 81 megapixels in a few kilobytes
    assert len(bomb.getvalue()) < 100_000
    with pytest.raises(TooLarge):
        media.prepare(bomb.getvalue(), 5_000_000)
    with pytest.raises(TooLarge):
        media.prepare(photo(), 1000)


async def console(clients: Callable[[], Client], room: Room) -> tuple[Client, dict[str, str]]:
    client, _ = await facilitator(clients, room)
    page = await client.get(f"/f/{room.code}")
    return client, {"X-CSRF-Token": page_data(page.text)["csrf"], "Content-Type": "image/jpeg"}


def images(server: Server) -> list[tuple[object, ...]]:
    return rows(server.settings, "SELECT room_id, name, mime, width, height FROM images ORDER BY name")


async def test_upload_serve_and_refuse(server: Server, clients: Callable[[], Client]) -> None:
    room: Room = await server.rooms.create("Kamer", [spec(type="slide", prompt="Welkom")])
    other: Room = await server.rooms.create("Andere kamer", [])
    client, headers = await console(clients, room)
    url = f"/api/rooms/{room.code}/images"

    uploaded = await client.http.post(url, content=photo(), headers=headers)
    assert uploaded.status_code == 201
    name = uploaded.json()["image"]
    assert uploaded.json() == {"image": name, "width": 2400, "height": 1600, "url": f"/r/{room.code}/images/{name}"}
    assert images(server) == [(room.id, name, "image/jpeg", 2400, 1600)]

    served = await clients().http.get(f"/r/{room.code}/images/{name}")  # anyone with the room's code
    assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
    assert served.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert Image.open(io.BytesIO(served.content)).size == (2400, 1600)
    for path in (f"/r/{other.code}/images/{name}", f"/r/{room.code}/images/{'0' * 64}.png",
                 f"/r/{room.code}/images/..%2Flab.db", "/r/999999/images/" + name):  # fmt: skip
        assert (await client.http.get(path)).status_code == 404, path

    refused = await client.http.post(url, content=b"%PDF-1.7 not an image", headers=headers)
    assert refused.status_code == 400
    assert refused.json() == {
        "error": "invalid",
        "message": "Dit bestand is geen afbeelding die lab kan gebruiken (PNG, JPEG of WebP).",
    }
    too_large = await client.http.post(url, content=b"\xff" * 5_000_001, headers=headers)
    assert too_large.status_code == 413 and too_large.json()["error"] == "too_large"
    stranger = clients()
    assert (await stranger.http.post(url, content=photo(), headers=headers)).status_code == 403
    no_token = await client.http.post(url, content=photo(), headers={"Content-Type": "image/jpeg"})
    assert no_token.status_code == 403
    assert images(server) == [(room.id, name, "image/jpeg", 2400, 1600)]  # nothing else was stored

    await server.rooms.delete(room.code)
    assert images(server) == []  # a room's images go with it


def test_a_phone_camera_jpeg_with_a_second_picture_is_taken() -> None:
    frames = [Image.new("RGB", (640, 480), (200, 50, 50)), Image.new("RGB", (640, 480), (50, 50, 200))]
    out = io.BytesIO()
    frames[0].save(out, "MPO", save_all=True, append_images=frames[1:])
    assert Image.open(io.BytesIO(out.getvalue())).format == "MPO"
    stored = media.prepare(out.getvalue(), 5_000_000)
    assert (stored.mime, stored.width, stored.height) == ("image/jpeg", 640, 480) and stored.name.endswith(".jpg")
    assert Image.open(io.BytesIO(stored.data)).format == "JPEG"  # the first picture only
