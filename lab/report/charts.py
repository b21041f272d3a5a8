"""The report's charts, drawn with matplotlib from lab.figures (never from a question type): SVG for the PDF and
the HTML (vector: sharp at any size), PNG for Word and for pasting into one's own document.

matplotlib is used through its object interface (`Figure` with the Agg canvas), never `pyplot`: no global state,
so charts can be drawn anywhere (side by side in the worker processes of lab.report.workers). Colours are the
Okabe-Ito palette (safe for colour-blind readers), and every chart writes its figures as text too, so nothing
depends on colour alone.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Callable, Mapping

from matplotlib import colormaps, rcParams
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_hex, to_rgb
from matplotlib.figure import Figure as Canvas
from matplotlib.patches import Rectangle
from PIL import Image

from ..figures import Bars, Cloud, Figure, Heat, Histogram, Quotes, Ratings, Scatter
from . import number

BLUE, ORANGE, GREEN, SKY, VERMILION, PURPLE, YELLOW, GREY = (
    "#0072B2", "#E69F00", "#009E73", "#56B4E9", "#D55E00", "#CC79A7", "#F0E442", "#9a9a9a",
)  # fmt: skip
INK = "#222222"
WIDTH = 6.3  # inches: the text width of an A4 page with 2.5 cm margins
rcParams["svg.fonttype"] = "none"  # text as text: searchable in the PDF, and far lighter than outlines
rcParams["font.family"] = "DejaVu Sans"
rcParams["font.size"] = 9


def svg(figure: Figure, labels: Mapping[str, str], lang: str, images: Mapping[str, bytes]) -> str:
    """The chart as an SVG document."""
    canvas = draw(figure, labels, lang, images)
    out = io.StringIO()
    canvas.savefig(out, format="svg", bbox_inches="tight", metadata={"Date": None})
    return out.getvalue()


def png(figure: Figure, labels: Mapping[str, str], lang: str, images: Mapping[str, bytes], dpi: int = 160) -> bytes:
    """The chart as a PNG image."""
    canvas = draw(figure, labels, lang, images)
    out = io.BytesIO()
    canvas.savefig(out, format="png", dpi=dpi, bbox_inches="tight", metadata={"Software": None})
    return out.getvalue()


def draw(figure: Figure, labels: Mapping[str, str], lang: str, images: Mapping[str, bytes]) -> Canvas:
    drawer = DRAWERS[type(figure)]
    return drawer(figure, labels, lang, images)


def _canvas(height: float) -> tuple[Canvas, Axes]:
    canvas = Canvas(figsize=(WIDTH, height))
    FigureCanvasAgg(canvas)
    axes = canvas.add_subplot()
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    return canvas, axes


def _wrap(label: str, width: int = 34) -> str:
    return "\n".join(textwrap.wrap(label, width)[:3]) or " "


def bars(figure: Bars, labels: Mapping[str, str], lang: str, images: Mapping[str, bytes]) -> Canvas:
    count = len(figure.labels)
    canvas, axes = _canvas(0.6 + 0.42 * max(count, 1))
    places = list(range(count))[::-1]  # the first label on top
    colours = [GREEN if i in figure.marked else (SKY if figure.marked else BLUE) for i in range(count)]
    axes.barh(places, figure.values, color=colours, height=0.65)
    axes.set_yticks(places, [_wrap(label) for label in figure.labels])
    axes.tick_params(axis="y", length=0)
    top = figure.scale[1] if figure.scale else max([*figure.values, 1])
    axes.set_xlim(figure.scale[0] if figure.scale and figure.scale[0] < 1 else 0, top * 1.18)
    for i, (place, value) in enumerate(zip(places, figure.values, strict=True)):
        if figure.total is not None:
            text = f"{number(value, lang, 0)} ({number(100 * value / figure.total if figure.total else 0, lang)}%)"
        else:
            text = number(value, lang)
        if i in figure.marked:
            text += "  \u2713 " + labels["right"]
        axes.text(value + top * 0.01, place, text, va="center", color=INK)
    if figure.measure:
        axes.set_xlabel(labels.get(str(figure.measure), str(figure.measure)))
    axes.spines["left"].set_visible(False)
    return canvas


def _score_colours(scale_max: int) -> list[str]:
    """From red-orange (low) through pale yellow to blue (high): diverging, and readable without red-green."""
    palette = colormaps["RdYlBu"]
    return [to_hex(palette(0.08 + 0.84 * i / (scale_max - 1))) for i in range(scale_max)]


def _ink_on(colour: str) -> str:
    """Dark or white text, whichever reads better on `colour`."""
    r, g, b = to_rgb(colour)
    return INK if 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.5 else "white"


def ratings(figure: Ratings, labels: Mapping[str, str], lang: str, images: Mapping[str, bytes]) -> Canvas:
    """Per statement a bar of the scores given, from 1 (left) to the highest, in shares of those who gave a
    score; the average and n to the right; "don't know" apart in grey after it."""
    count = len(figure.statements)
    canvas, axes = _canvas(1.0 + 0.55 * count)
    colours = _score_colours(figure.scale_max)
    places = list(range(count))[::-1]
    for place, statement in zip(places, figure.statements, strict=True):
        left = 0.0
        for score, amount in enumerate(statement.distribution, start=1):
            share = 100 * amount / statement.answered if statement.answered else 0
            if share:
                axes.barh(place, share, left=left, color=colours[score - 1], height=0.6, edgecolor="white")
                if share >= 7:
                    axes.text(left + share / 2, place, str(amount), ha="center", va="center", fontsize=8,
                              color=_ink_on(colours[score - 1]))  # fmt: skip
            left += share
        average = number(statement.average, lang)
        text = f"{labels['average']} {average}\nn = {statement.answered}"
        if statement.skipped:
            text += f", {labels['skipped']}: {statement.skipped}"
        axes.text(103, place, text, va="center", color=INK, linespacing=1.3)
    axes.set_yticks(places, [_wrap(s.label) for s in figure.statements])
    axes.tick_params(axis="y", length=0)
    axes.set_xlim(0, 150)  # the figures beside each bar fit inside the chart: the chart is not shrunk to fit them
    axes.set_xticks([0, 25, 50, 75, 100], ["0%", "25%", "50%", "75%", "100%"])
    axes.spines["left"].set_visible(False)
    axes.spines["bottom"].set_bounds(0, 100)
    handles = [Rectangle((0, 0), 1, 1, color=colours[i]) for i in range(figure.scale_max)]
    names = [str(i + 1) for i in range(figure.scale_max)]
    if figure.min_label:
        names[0] += f" {figure.min_label}"
    if figure.max_label:
        names[-1] += f" {figure.max_label}"
    axes.legend(handles, names, loc="upper center", bbox_to_anchor=(0.5, -0.12 - 0.15 / max(count, 1)),
                ncol=min(figure.scale_max, 6), frameon=False, fontsize=8)  # fmt: skip
    return canvas


def histogram(figure: Histogram, labels: Mapping[str, str], lang: str, images: Mapping[str, bytes]) -> Canvas:
    canvas, axes = _canvas(2.6)
    names = [number(low, lang, 0) if low == high else f"{number(low, lang, 0)}–{number(high, lang, 0)}"
             for low, high, _count in figure.bins]  # fmt: skip
    counts = [c for _low, _high, c in figure.bins]
    axes.bar(range(len(counts)), counts, color=BLUE)
    axes.set_xticks(
        range(len(counts)), names, rotation=30 if len(names) > 6 else 0, ha="right" if len(names) > 6 else "center"
    )
    for i, c in enumerate(counts):
        if c:
            axes.text(i, c, str(c), ha="center", va="bottom", color=INK)
    if figure.unit:
        axes.set_xlabel(figure.unit)
    axes.set_ylim(0, max([*counts, 1]) * 1.2)
    note = f"{labels['median']} {number(figure.median, lang)}"
    if figure.correct is not None:
        note += f"   {labels['right']}: {number(figure.correct, lang)}"
    axes.set_title(note, loc="left", fontsize=9, color=INK)
    return canvas


def scatter(figure: Scatter, labels: Mapping[str, str], lang: str, images: Mapping[str, bytes]) -> Canvas:
    canvas, axes = _canvas(4.6)
    low, high = 1, figure.scale_max
    middle = (low + high) / 2
    axes.set_xlim(low - 0.3, high + 0.3)
    axes.set_ylim(low - 0.3, high + 0.3)
    axes.axvline(middle, color=GREY, linewidth=0.8)
    axes.axhline(middle, color=GREY, linewidth=0.8)
    corners = [(low - 0.2, high + 0.2, "left", "top"), (high + 0.2, high + 0.2, "right", "top"),
               (low - 0.2, low - 0.2, "left", "bottom"), (high + 0.2, low - 0.2, "right", "bottom")]  # fmt: skip
    for (x, y, ha, va), name in zip(corners, figure.quadrants, strict=False):
        axes.text(x, y, name, ha=ha, va=va, color="#555555", fontsize=8, style="italic")
    for point in figure.points:
        if point.x is None or point.y is None:
            continue
        axes.scatter([point.x], [point.y], s=60, color=BLUE, zorder=3)
        axes.annotate(_wrap(point.label, 22), (point.x, point.y), xytext=(6, 4), textcoords="offset points",
                      fontsize=8, color=INK)  # fmt: skip
    axes.set_xlabel(figure.x_label)
    axes.set_ylabel(figure.y_label)
    axes.set_aspect("equal")
    return canvas


def heat(figure: Heat, labels: Mapping[str, str], lang: str, images: Mapping[str, bytes]) -> Canvas:
    """Pins on the picture: a circle per cell of the grid, its size by the pins in it."""
    picture = images.get(figure.image)
    rows = len(figure.cells)
    columns = len(figure.cells[0]) if rows else 0
    ratio = 0.75
    canvas = Canvas(figsize=(WIDTH, WIDTH * ratio))
    FigureCanvasAgg(canvas)
    axes = canvas.add_subplot()
    if picture is not None:
        image = Image.open(io.BytesIO(picture)).convert("RGB")
        image.thumbnail((1200, 1200))  # enough for a page; a phone photo would make every chart slow and heavy
        ratio = image.height / image.width
        canvas.set_size_inches(WIDTH, min(WIDTH * ratio, 8.0))
        axes.imshow(image, extent=(0, 1, 1, 0), alpha=0.85)
    axes.set_xlim(0, 1)
    axes.set_ylim(1, 0)
    axes.set_axis_off()
    most = max([max(row) for row in figure.cells] + [1])
    spots = [((c + 0.5) / columns, (r + 0.5) / rows, amount) for r, row in enumerate(figure.cells)
             for c, amount in enumerate(row) if amount]  # fmt: skip
    if spots:  # one collection for all: a call per cell costs a second on a big map
        xs, ys, amounts = zip(*spots, strict=True)
        axes.scatter(xs, ys, s=[40 + 500 * a / most for a in amounts], color=VERMILION, alpha=0.6,
                     edgecolors="white", linewidths=0.8)  # fmt: skip
    return canvas


def cloud(figure: Cloud, labels: Mapping[str, str], lang: str, images: Mapping[str, bytes]) -> Canvas:
    """The most given words in lines, their size by how often they were given, most given first: a word cloud
    that reads in order (the ranked table beside it has every word)."""
    words = figure.words[:40]
    canvas = Canvas(figsize=(WIDTH, 2.8))
    FigureCanvasAgg(canvas)
    axes = canvas.add_axes((0, 0, 1, 1))
    axes.set_axis_off()
    if not words:
        return canvas
    renderer = canvas.canvas.get_renderer()  # type: ignore[attr-defined]
    most, least = words[0][1], words[-1][1]
    palette = [BLUE, VERMILION, GREEN, PURPLE, ORANGE, SKY]
    x, y, line = 0.02, 0.97, 0.0
    placed = []
    for index, (word, count) in enumerate(words):
        size = 10 + 22 * ((count - least) / (most - least) if most > least else 1)
        text = axes.text(x, y, word, fontsize=size, color=palette[index % len(palette)], va="top",
                         fontweight="bold" if index < 3 else "normal")  # fmt: skip
        box = text.get_window_extent(renderer).transformed(axes.transAxes.inverted())
        if x > 0.02 and box.x1 > 0.98:  # next line
            y -= line + 0.03
            x, line = 0.02, 0.0
            text.set_position((x, y))
            box = text.get_window_extent(renderer).transformed(axes.transAxes.inverted())
        if box.y0 < 0:
            text.remove()
            break
        placed.append(text)
        line = max(line, box.height)
        x = box.x1 + 0.025
    return canvas


DRAWERS: dict[type, Callable[..., Canvas]] = {
    Bars: bars, Ratings: ratings, Histogram: histogram, Scatter: scatter, Heat: heat, Cloud: cloud,
}  # fmt: skip


def drawable(figure: Figure | None) -> bool:
    return figure is not None and not isinstance(figure, Quotes)
