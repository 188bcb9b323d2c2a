"""The journey picture: a PNG of the stages on the person's path, with "You are here".

Drawn top to bottom so long Welsh and Polish titles wrap instead of shrinking, and so it reads well
on a phone. The current stage is shown three ways, not by colour alone: a highlighted box with a thick
border, a large arrow marker, and the words "You are here". Past stages have a tick in a filled circle;
stages to come have an empty ring and a dashed line.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont
from PIL.PngImagePlugin import PngInfo

from journeys.stages import TimelineLabels

FontType = ImageFont.FreeTypeFont | ImageFont.ImageFont

# DejaVu covers Welsh (ŵ ŷ) and Polish (ą ę ł ś ż). Debian/Ubuntu package: fonts-dejavu-core.
FONT_DIRS: tuple[str, ...] = (
    "/usr/share/fonts/truetype/dejavu",
    "/usr/share/fonts/dejavu",
    "/usr/share/fonts/TTF",
    "/usr/share/fonts/dejavu-sans-fonts",
    "/usr/local/share/fonts",
    "/Library/Fonts",
)
REGULAR_FONT, BOLD_FONT = "DejaVuSans.ttf", "DejaVuSans-Bold.ttf"

WIDTH = 1000
MARGIN = 48
MARKER_X = 110  # centre of the stage markers
TEXT_X = 170
ROW_GAP = 28
TITLE_SIZE, HEADING_SIZE, LABEL_SIZE = 40, 54, 34
MARKER_RADIUS, CURRENT_RADIUS = 20, 30

# zlib's usual level: `optimize=True` makes the file about 5% smaller but takes twice as long
# (bench/timeline_png.py measures both).
PNG_SAVE_OPTIONS: dict[str, int | bool] = {"compress_level": 6}

# Contrast against their backgrounds is 7:1 or more (WCAG AAA for large text).
BACKGROUND = (255, 255, 255)
INK = (20, 20, 20)
PAST_INK = (60, 60, 60)
PATH_BLUE = (23, 54, 93)
HIGHLIGHT = (255, 236, 153)
HIGHLIGHT_BORDER = (20, 20, 20)


@dataclass(frozen=True)
class _Fonts:
    title: FontType
    current_title: FontType
    heading: FontType
    label: FontType


def find_font(file_name: str) -> Path | None:
    for folder in FONT_DIRS:
        candidate = Path(folder) / file_name
        if candidate.is_file():
            return candidate
    return None


@lru_cache(maxsize=16)
def _font(bold: bool, size: int) -> FontType:
    path = find_font(BOLD_FONT if bold else REGULAR_FONT) or find_font(REGULAR_FONT)
    if path is not None:
        return ImageFont.truetype(str(path), size)
    # Pillow 10.1+ has a scalable built-in font; it is plainer but keeps the picture working.
    return ImageFont.load_default(size=size)


def missing_characters(text: str, bold: bool = False) -> str:
    """Characters of `text` the picture's font cannot draw (they would show as empty boxes)."""
    font = _font(bold, TITLE_SIZE)
    blank = font.getmask("\uffff")  # no font draws this code point, so it gives the "missing" box
    missing = ""
    for character in dict.fromkeys(text):
        if character.isspace():
            continue
        mask = font.getmask(character)
        if mask.size == blank.size and bytes(mask) == bytes(blank):
            missing += character
    return missing


def _fonts() -> _Fonts:
    return _Fonts(
        title=_font(False, TITLE_SIZE),
        current_title=_font(True, TITLE_SIZE),
        heading=_font(True, HEADING_SIZE),
        label=_font(True, LABEL_SIZE),
    )


def _text_width(font: FontType, text: str) -> float:
    return float(font.getlength(text))


def _split_long_word(word: str, font: FontType, width: float) -> list[str]:
    """Pieces of a word too long for one line, each ending in a hyphen except the last."""
    pieces: list[str] = []
    while _text_width(font, word) > width and len(word) > 1:
        cut = 1
        while cut < len(word) - 1 and _text_width(font, word[: cut + 1] + "-") <= width:
            cut += 1
        pieces.append(word[:cut] + "-")
        word = word[cut:]
    return [*pieces, word]


def wrap(text: str, font: FontType, width: float) -> list[str]:
    """Split text into lines that fit `width`; a single over-long word is split with hyphens."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        trial = f"{current} {word}".strip()
        if _text_width(font, trial) <= width:
            current = trial
            continue
        if current:
            lines.append(current)
        *whole_lines, current = _split_long_word(word, font, width)
        lines.extend(whole_lines)
    if current:
        lines.append(current)
    return lines or [""]


def _line_height(font: FontType) -> int:
    top, bottom = font.getbbox("ÅŴŷąęłśżgjy")[1::2]
    return int(bottom - top) + 10


@dataclass(frozen=True)
class _Row:
    key: str
    lines: list[str]
    top: int
    height: int
    state: str  # "past", "current" or "future"


def _layout(stages: Sequence[tuple[str, str]], current_key: str, fonts: _Fonts, start_y: int) -> list[_Row]:
    keys = [key for key, _ in stages]
    current_index = keys.index(current_key) if current_key in keys else -1
    text_width = WIDTH - TEXT_X - MARGIN - 16
    rows: list[_Row] = []
    y = start_y
    for index, (key, title) in enumerate(stages):
        state = "past" if index < current_index else "current" if index == current_index else "future"
        font = fonts.current_title if state == "current" else fonts.title
        lines = wrap(title, font, text_width)
        height = len(lines) * _line_height(font) + 30
        if state == "current":
            height += _line_height(fonts.label) + 8
        height = max(height, 2 * CURRENT_RADIUS + 30)
        rows.append(_Row(key=key, lines=lines, top=y, height=height, state=state))
        y += height + ROW_GAP
    return rows


def _dashed_line(draw: ImageDraw.ImageDraw, x: int, y1: int, y2: int, width: int) -> None:
    dash, gap = 14, 10
    y = y1
    while y < y2:
        draw.line([(x, y), (x, min(y + dash, y2))], fill=PATH_BLUE, width=width)
        y += dash + gap


def _tick(draw: ImageDraw.ImageDraw, cx: int, cy: int, r: int) -> None:
    points = [(cx - r * 0.5, cy), (cx - r * 0.12, cy + r * 0.4), (cx + r * 0.55, cy - r * 0.4)]
    draw.line(points, fill=BACKGROUND, width=5, joint="curve")


def _marker(draw: ImageDraw.ImageDraw, row: _Row, cy: int) -> None:
    if row.state == "past":
        draw.ellipse(_box(MARKER_X, cy, MARKER_RADIUS), fill=PATH_BLUE)
        _tick(draw, MARKER_X, cy, MARKER_RADIUS)
    elif row.state == "current":
        draw.ellipse(_box(MARKER_X, cy, CURRENT_RADIUS), fill=INK)
        draw.ellipse(_box(MARKER_X, cy, CURRENT_RADIUS - 10), fill=HIGHLIGHT)
        draw.ellipse(_box(MARKER_X, cy, CURRENT_RADIUS - 18), fill=INK)
        # An arrow pointing at the marker from the left edge.
        tip = MARKER_X - CURRENT_RADIUS - 6
        draw.polygon([(tip, cy), (tip - 26, cy - 20), (tip - 26, cy + 20)], fill=INK)
    else:
        draw.ellipse(_box(MARKER_X, cy, MARKER_RADIUS), fill=BACKGROUND, outline=PATH_BLUE, width=6)


def _box(cx: int, cy: int, r: int) -> tuple[int, int, int, int]:
    return (cx - r, cy - r, cx + r, cy + r)


def draw_timeline(
    stages_on_path: Sequence[tuple[str, str]],
    current_key: str,
    language: str,
    *,
    labels: TimelineLabels,
) -> bytes:
    """A PNG of the path with the current stage marked. `stages_on_path` is (key, title) in order,
    titles already in `language`; `labels` are the picture's fixed words in the same language."""
    if not stages_on_path:
        raise ValueError("A timeline needs at least one stage.")
    fonts = _fonts()
    heading_lines = wrap(labels.your_journey, fonts.heading, WIDTH - 2 * MARGIN)
    heading_bottom = MARGIN + len(heading_lines) * _line_height(fonts.heading) + 24
    rows = _layout(stages_on_path, current_key, fonts, heading_bottom)
    height = rows[-1].top + rows[-1].height + MARGIN

    image = Image.new("RGB", (WIDTH, height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    y = MARGIN
    for line in heading_lines:
        draw.text((MARGIN, y), line, font=fonts.heading, fill=INK)
        y += _line_height(fonts.heading)

    centres = [row.top + row.height // 2 for row in rows]
    current_index = next((i for i, row in enumerate(rows) if row.state == "current"), -1)
    for index in range(len(rows) - 1):
        if index < current_index:
            draw.line([(MARKER_X, centres[index]), (MARKER_X, centres[index + 1])], fill=PATH_BLUE, width=8)
        else:
            _dashed_line(draw, MARKER_X, centres[index], centres[index + 1], 6)

    for row, cy in zip(rows, centres, strict=True):
        text_y = row.top + 15
        if row.state == "current":
            draw.rounded_rectangle((MARKER_X - CURRENT_RADIUS - 40, row.top, WIDTH - MARGIN + 8,
                                    row.top + row.height), radius=18, fill=HIGHLIGHT,
                                   outline=HIGHLIGHT_BORDER, width=5)
            draw.text((TEXT_X, text_y), labels.you_are_here, font=fonts.label, fill=INK)
            text_y += _line_height(fonts.label) + 8
        _marker(draw, row, cy)
        font = fonts.current_title if row.state == "current" else fonts.title
        colour = PAST_INK if row.state == "past" else INK
        for line in row.lines:
            draw.text((TEXT_X, text_y), line, font=font, fill=colour)
            text_y += _line_height(font)

    buffer = io.BytesIO()
    # The language is recorded so a saved picture can be traced back; it does not change the drawing.
    info = PngInfo()
    info.add_text("Language", language)
    info.add_text("Software", "Signpost")
    image.save(buffer, format="PNG", pnginfo=info, **PNG_SAVE_OPTIONS)
    return buffer.getvalue()
