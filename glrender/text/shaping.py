"""Lay out a label: line breaking, justification and anchoring of glyphs, in MapLibre's units.

Positions are in "layout pixels" of a 24 px em (ONE_EM): the renderer scales by text-size / 24. The
rules follow MapLibre's shaping (balanced line breaking by least badness, a -17 px baseline shift,
justify within the block, then the block aligned on the anchor) so labels land where MapLibre puts
them. Right-to-left and complex scripts are laid out as given (no bidi, no shaping engine).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from glrender._record import field, record
from glrender.text.pbf import BORDER, Glyph

ONE_EM = 24.0
BASELINE_OFFSET = -17.0  # MapLibre's SHAPING_DEFAULT_OFFSET: moves glyph boxes up to the middle line

_WHITESPACE = frozenset((0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20))
_BREAKABLE = frozenset((0x0A, 0x20, 0x26, 0x29, 0x2B, 0x2D, 0x2F, 0xAD, 0xB7, 0x200B, 0x2010, 0x2013, 0x2027))
_BREAKABLE_BEFORE = frozenset((0x28,))


@record(frozen=True)
class Section:
    text: str
    fontstack: str
    scale: float = 1.0
    color: object | None = None       # a style Color overriding text-color, or None
    vertical_align: str | None = None
    image: str | None = None          # an ["image", ...] section: one inline sprite image, no text


# Inline images take one private-use code point each, as MapLibre's TaggedString does.
IMAGE_CODEPOINT_BASE = 0xE000
IMAGE_PADDING = 1.0   # the padding around an image in the icon atlas


@record
class PositionedGlyph:
    cp: int
    fontstack: str
    x: float
    y: float
    scale: float
    section: int
    glyph: Glyph
    image: str | None = None


@record
class Shaping:
    glyphs: list[PositionedGlyph] = field(default_factory=list)
    top: float = 0.0
    bottom: float = 0.0
    left: float = 0.0
    right: float = 0.0
    lines: int = 0
    justify: float = field(default=0.5, repr=False, compare=False)  # 0 left, 0.5 centre, 1 right


def allows_ideographic_break(cp: int) -> bool:
    """CJK and related scripts break between any two characters (a subset of MapLibre's table)."""
    return (0x2E80 <= cp <= 0x9FFF or 0xAC00 <= cp <= 0xD7AF or 0xF900 <= cp <= 0xFAFF
            or 0xFE30 <= cp <= 0xFE4F or 0xFF00 <= cp <= 0xFFEF or 0x3000 <= cp <= 0x30FF
            or 0x20000 <= cp <= 0x2FFFF)


def anchor_alignment(anchor: str) -> tuple[float, float]:
    h = 1.0 if anchor in ("right", "top-right", "bottom-right") else (
        0.0 if anchor in ("left", "top-left", "bottom-left") else 0.5)
    v = 1.0 if anchor in ("bottom", "bottom-right", "bottom-left") else (
        0.0 if anchor in ("top", "top-right", "top-left") else 0.5)
    return h, v


def _image_glyph(size: tuple[float, float]) -> Glyph:
    """Metrics of an inline image as MapLibre lays it out: its CSS px size, left = the atlas padding,
    top = -(glyph border), so its quad lines up with the padded atlas rectangle."""
    w, h = size
    return Glyph(id=0, width=int(round(w)), height=int(round(h)), left=IMAGE_PADDING, top=-float(BORDER),
                 advance=float(w), bitmap=None)


def _advance(cp: int, sec: Section, glyphs: Mapping[str, Mapping[int, Glyph]], spacing: float,
             images: Mapping[str, tuple[float, float]] | None = None, factor: float = 1.0) -> float:
    if sec.image is not None:
        size = (images or {}).get(sec.image)
        return 0.0 if size is None else size[0] * sec.scale * factor + spacing
    g = glyphs.get(sec.fontstack, {}).get(cp)
    return 0.0 if g is None else g.advance * sec.scale + spacing


def _badness(width: float, target: float, penalty: float, last: bool) -> float:
    ragged = (width - target) ** 2
    if last:
        return ragged / 2 if width < target else ragged * 2
    return ragged + abs(penalty) * penalty


def _penalty(cp: int, nxt: int, ideographic: bool) -> float:
    p = 0.0
    if cp == 0x0A:
        p -= 10000
    if ideographic:
        p += 150
    if cp in (0x28, 0xFF08):
        p += 50
    if nxt in (0x29, 0xFF09):
        p += 50
    return p


def line_breaks(chars: Sequence[tuple[int, int]], sections: Sequence[Section],
                glyphs: Mapping[str, Mapping[int, Glyph]], spacing: float, max_width: float,
                images: Mapping[str, tuple[float, float]] | None = None, factor: float = 1.0) -> list[int]:
    """Indices after which lines end: the least-bad set of breaks for lines near the average width."""
    if not chars:
        return []
    total = sum(_advance(cp, sections[s], glyphs, spacing, images, factor) for cp, s in chars)
    if max_width <= 0:
        target = 0.0
    elif math.isinf(max_width):
        target = total
    else:
        target = total / max(1, math.ceil(total / max_width))
    if 0 < total <= max_width and not any(cp == 0x0A for cp, _ in chars):
        # One line fits and nothing forces a break: every break costs more than none (the usual label).
        return [len(chars)]
    return _least_bad_breaks(chars, sections, glyphs, spacing, target, images, factor)


def _least_bad_breaks(chars: Sequence[tuple[int, int]], sections: Sequence[Section],
                      glyphs: Mapping[str, Mapping[int, Glyph]], spacing: float, target: float,
                      images: Mapping[str, tuple[float, float]] | None, factor: float) -> list[int]:
    """MapLibre's line breaking proper: each potential break scored against every earlier one."""
    server_breaks = any(cp == 0x200B for cp, _ in chars)
    # Each potential break: (index, x, prior break, badness)
    breaks: list[tuple[int, float, int, float]] = []

    def evaluate(index: int, x: float, penalty: float, last: bool) -> tuple[int, float, int, float]:
        best_prior = -1
        best = _badness(x, target, penalty, last)
        for k, (_i, bx, _p, bb) in enumerate(breaks):
            b = _badness(x - bx, target, penalty, last) + bb
            if b <= best:
                best_prior, best = k, b
        return (index, x, best_prior, best)

    x = 0.0
    n = len(chars)
    for i, (cp, s) in enumerate(chars):
        if cp not in _WHITESPACE or sections[s].image is not None:
            x += _advance(cp, sections[s], glyphs, spacing, images, factor)
        if i < n - 1:
            ideo = allows_ideographic_break(cp)
            if (cp in _BREAKABLE or ideo or sections[s].image is not None
                    or (i != n - 2 and chars[i + 1][0] in _BREAKABLE_BEFORE)):
                breaks.append(evaluate(i + 1, x, _penalty(cp, chars[i + 1][0], ideo and server_breaks), False))
    last = evaluate(n, x, 0.0, True)
    out: list[int] = []
    cur: tuple[int, float, int, float] | None = last
    while cur is not None:
        out.append(cur[0])
        cur = breaks[cur[2]] if cur[2] >= 0 else None
    return out[::-1]


def _trim(line: list[tuple[int, int]]) -> list[tuple[int, int]]:
    a, b = 0, len(line)
    while a < b and line[a][0] in _WHITESPACE:
        a += 1
    while b > a and line[b - 1][0] in _WHITESPACE:
        b -= 1
    return line[a:b]


def shape_text(sections: Sequence[Section], glyphs: Mapping[str, Mapping[int, Glyph]], *,
               max_width: float = math.inf, line_height: float = 1.2 * ONE_EM, spacing: float = 0.0,
               anchor: str = "center", justify: str = "center",
               translate: tuple[float, float] = (0.0, 0.0),
               images: Mapping[str, tuple[float, float]] | None = None,
               layout_size: float = ONE_EM, break_size: float | None = None) -> Shaping | None:
    """Shape formatted text; None when no glyph could be placed (the label is dropped).

    ``images`` maps inline image names to their size in CSS px; an image keeps that size whatever the
    text size (``layout_size``, the text-size the label is laid out with), times its section scale.
    Line breaking measures images with ``break_size`` (MapLibre: the size one zoom level up).
    """
    images = images or {}
    factor = ONE_EM / layout_size if layout_size > 0 else 1.0
    jfy = justify_factor(justify)
    if len(sections) == 1 and sections[0].image is None:
        fast = _one_plain_line(sections[0], glyphs, max_width, line_height, spacing, jfy, translate)
        if fast is not None:
            return _anchored(*fast, anchor, line_height)
    bs = layout_size if break_size is None else break_size
    break_factor = ONE_EM / bs if bs > 0 else 1.0
    chars: list[tuple[int, int]] = []
    for i, sec in enumerate(sections):
        if sec.image is not None:
            chars.append((IMAGE_CODEPOINT_BASE + i, i))
        else:
            chars.extend((ord(c), i) for c in sec.text)
    lines: list[list[tuple[int, int]]] = []
    start = 0
    for end in line_breaks(chars, sections, glyphs, spacing, max_width, images, break_factor):
        lines.append(chars[start:end])
        start = end
    sh = Shaping(top=translate[1], bottom=translate[1], left=translate[0], right=translate[0])
    sh.justify = jfy
    y = 0.0
    max_len = 0.0
    max_line_h = 0.0
    for raw in lines:
        line = _trim(raw)
        if not line:
            y += line_height
            continue
        line_scale = max(sections[s].scale for _, s in line)
        img_h = max((images[sections[s].image][1] for _, s in line  # type: ignore[index]
                     if sections[s].image in images), default=0.0)
        content_h = max(line_scale * ONE_EM, img_h * factor)
        image_offset = 0.0
        placed: list[PositionedGlyph] = []
        x = 0.0
        for cp, si in line:
            sec = sections[si]
            va = sec.vertical_align
            fac = 0.0 if va == "top" else 0.5 if va == "center" else 1.0
            if sec.image is not None:
                size = images.get(sec.image)
                if size is None:
                    continue
                iscale = sec.scale * factor
                g = _image_glyph(size)
                base = (content_h - size[1] * iscale) * fac
                # An image taller than the line's em pushes the following lines down.
                image_offset = max(image_offset, size[1] * iscale - ONE_EM * line_scale)
                placed.append(PositionedGlyph(cp, "", x, y + base + BASELINE_OFFSET, iscale, si, g,
                                              image=sec.image))
                x += size[0] * iscale + spacing
                continue
            glyph = glyphs.get(sec.fontstack, {}).get(cp)
            if glyph is None:
                continue
            g = glyph
            base = (content_h - sec.scale * ONE_EM) * fac
            placed.append(PositionedGlyph(cp, sec.fontstack, x, y + base + BASELINE_OFFSET, sec.scale, si, g))
            x += g.advance * sec.scale + spacing
        if placed:
            max_len = max(max_len, x - spacing)
            _justify(placed, jfy)
            sh.glyphs.extend(placed)
        line_h = line_height * line_scale + image_offset
        y += line_h
        max_line_h = max(max_line_h, line_h)
    return _anchored(sh, len(lines), y, max_len, max_line_h, anchor, line_height)


def _justify(placed: list[PositionedGlyph], jfy: float) -> None:
    """Shift a line's glyphs by its justification (0 left, 0.5 centre, 1 right of its own width)."""
    last = placed[-1]
    indent = (last.x + last.glyph.advance * last.scale) * jfy
    for p in placed:
        p.x -= indent


def _anchored(sh: Shaping, n_lines: int, y: float, max_len: float, max_line_h: float, anchor: str,
              line_height: float) -> Shaping | None:
    """Move the laid-out block onto its anchor (None when no glyph was placed)."""
    if not sh.glyphs:
        return None
    h_align, v_align = anchor_alignment(anchor)
    jfy = sh.justify
    shift_x = (jfy - h_align) * max_len
    if max_line_h != line_height:
        shift_y = -y * v_align - BASELINE_OFFSET
    else:
        shift_y = -v_align * n_lines * line_height + 0.5 * line_height
    for p in sh.glyphs:
        p.x += shift_x
        p.y += shift_y
    sh.top += -v_align * y
    sh.bottom = sh.top + y
    sh.left += -h_align * max_len
    sh.right = sh.left + max_len
    sh.lines = n_lines
    return sh


def justify_factor(justify: str) -> float:
    """text-justify as a fraction of a line's width: 0 left, 0.5 centre, 1 right."""
    return 1.0 if justify == "right" else 0.0 if justify == "left" else 0.5


def trimmed(cps: Sequence[int]) -> tuple[int, int]:
    """The range of code points left once leading and trailing whitespace is dropped."""
    a, b = 0, len(cps)
    while a < b and cps[a] in _WHITESPACE:
        a += 1
    while b > a and cps[b - 1] in _WHITESPACE:
        b -= 1
    return a, b


def _one_plain_line(sec: Section, glyphs: Mapping[str, Mapping[int, Glyph]], max_width: float,
                    line_height: float, spacing: float, jfy: float, translate: tuple[float, float],
                    ) -> tuple[Shaping, int, float, float, float] | None:
    """The usual label, one section of text that fits on one line, laid out exactly as the general
    path of shape_text would (same arithmetic in the same order) without its per-character
    bookkeeping; None when the text needs the general path (a break, or a width of 0 or less)."""
    gmap = glyphs.get(sec.fontstack, {})
    scale = sec.scale
    cps = [ord(c) for c in sec.text]
    if not cps or 0x0A in cps:
        return None
    total = sum(0.0 if (g := gmap.get(cp)) is None else g.advance * scale + spacing for cp in cps)
    if not 0 < total <= max_width:
        return None
    a, b = trimmed(cps)
    sh = Shaping(top=translate[1], bottom=translate[1], left=translate[0], right=translate[0])
    sh.justify = jfy
    if a == b:
        return sh, 1, line_height, 0.0, 0.0
    content_h = max(scale * ONE_EM, 0.0)
    va = sec.vertical_align
    fac = 0.0 if va == "top" else 0.5 if va == "center" else 1.0
    gy = 0.0 + (content_h - scale * ONE_EM) * fac + BASELINE_OFFSET
    font = sec.fontstack
    placed: list[PositionedGlyph] = []
    x = 0.0
    for cp in cps[a:b]:
        g = gmap.get(cp)
        if g is None:
            continue
        placed.append(PositionedGlyph(cp, font, x, gy, scale, 0, g))
        x += g.advance * scale + spacing
    max_len = 0.0
    if placed:
        max_len = max(max_len, x - spacing)
        _justify(placed, jfy)
        sh.glyphs = placed
    line_h = line_height * scale + 0.0
    return sh, 1, 0.0 + line_h, max_len, max(0.0, line_h)


RECT_BUFFER = BORDER + 1  # glyph border plus the atlas padding


def glyph_quad(p: PositionedGlyph, offset: tuple[float, float]) -> tuple[float, float, float, float]:
    """Unrotated quad (x1, y1, x2, y2) of a glyph in layout pixels, atlas padding included."""
    g = p.glyph
    half = g.advance * p.scale / 2
    x1 = (g.left - RECT_BUFFER) * p.scale - half + p.x + half + offset[0]
    y1 = (-g.top - RECT_BUFFER) * p.scale + p.y + offset[1]
    w = (g.width + 2 * BORDER + 2) * p.scale
    h = (g.height + 2 * BORDER + 2) * p.scale
    return x1, y1, x1 + w, y1 + h


def image_quad(p: PositionedGlyph, size: tuple[float, float], pixel_ratio: float,
               offset: tuple[float, float]) -> tuple[float, float, float, float]:
    """Quad of an inline image with its atlas padding (one transparent texel each side). MapLibre
    places the padded rectangle like a glyph rectangle (left = the padding, top = -border), less a
    rect buffer of one texel of the image (glyphs use border + 1), so the pixels start one CSS px in."""
    pad = IMAGE_PADDING / max(pixel_ratio, 1e-6)
    x1 = (IMAGE_PADDING - pad) * p.scale + p.x + offset[0]
    y1 = (BORDER - pad) * p.scale + p.y + offset[1]
    return x1, y1, x1 + (size[0] + 2 * pad) * p.scale, y1 + (size[1] + 2 * pad) * p.scale
