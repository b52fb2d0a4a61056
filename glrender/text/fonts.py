"""On-the-fly SDF glyphs from TTF/OTF fonts through FreeType (freetype-py), for missing PBF glyphs.

Fonts are looked up by the names in the font stack ("Open Sans Semibold" matches family "Open Sans",
style "SemiBold"); a name no font has falls back to a default sans family (Noto Sans, then DejaVu Sans,
then whatever is installed) of the same weight, and code points a face lacks fall through to the next
face, so CJK, Cyrillic and Greek come from any installed font that has them. Glyphs are rendered at
4x supersampling and turned into MapLibre's SDF encoding: 24 px em, 3 px border, the edge at 191 and
32 levels per pixel (TinySDF's radius 8, cutoff 0.25), with PBF-compatible metrics.
"""

from __future__ import annotations

import logging
import math
import os
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

import freetype
import numpy as np

from glrender.text.pbf import BORDER, Glyph

log = logging.getLogger("glrender.text")

EM = 24
SUPERSAMPLE = 4
RADIUS = 8.0
CUTOFF = 0.25
ASCENT = 26.0  # PBF glyph tops are measured from 26 px above the baseline at a 24 px em
SYSTEM_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.local/share/fonts", "~/.fonts",
               "/Library/Fonts", "/System/Library/Fonts", "C:/Windows/Fonts")
DEFAULT_FAMILIES = ("noto sans", "dejavu sans", "liberation sans", "open sans", "arial")
_BOLD = ("bold", "semibold", "black", "heavy", "extrabold", "demibold")


def _norm(s: str) -> str:
    return " ".join(s.lower().replace("-", " ").split())


def _is_bold(name: str) -> bool:
    n = _norm(name)
    return any(w in n.replace(" ", "") for w in _BOLD)


class FontRasteriser:
    """Finds faces for font stacks and renders SDF glyphs; thread-safe, caches faces and choices."""

    def __init__(self, font_dirs: Sequence[str] = ()) -> None:
        env = os.environ.get("GLRENDER_FONT_DIRS", "")
        dirs = [d for d in env.split(os.pathsep) if d] + list(font_dirs) + list(SYSTEM_DIRS)
        self.dirs = [Path(os.path.expanduser(d)) for d in dirs]
        self._index: list[tuple[str, str, str, int]] | None = None  # (family, style, path, face index)
        self._faces: dict[tuple[str, int], freetype.Face] = {}
        self._stacks: dict[str, list[tuple[str, int]]] = {}
        self._lock = threading.Lock()

    # --- font discovery -----------------------------------------------------------------------------
    def _scan(self) -> list[tuple[str, str, str, int]]:
        if self._index is not None:
            return self._index
        found: list[tuple[str, str, str, int]] = []
        seen: set[str] = set()
        for d in self.dirs:
            if not d.is_dir():
                continue
            for p in sorted(d.rglob("*")):
                if p.suffix.lower() not in (".ttf", ".otf", ".ttc") or str(p) in seen:
                    continue
                seen.add(str(p))
                try:
                    face = freetype.Face(str(p))
                    n = face.num_faces
                    for i in range(n):
                        f = face if i == 0 else freetype.Face(str(p), index=i)
                        fam = (f.family_name or b"").decode("utf-8", "replace")
                        sty = (f.style_name or b"").decode("utf-8", "replace")
                        found.append((_norm(fam), _norm(sty), str(p), i))
                except Exception:  # noqa: BLE001 - an unreadable font file is skipped
                    continue
        if not found:
            log.warning("no TTF/OTF fonts found in %s; text without PBF glyphs cannot be drawn",
                        ", ".join(str(d) for d in self.dirs))
        self._index = found
        return found

    def _candidates(self, fontstack: str) -> list[tuple[str, int]]:
        hit = self._stacks.get(fontstack)
        if hit is not None:
            return hit
        index = self._scan()
        names = [n.strip() for n in fontstack.split(",") if n.strip()]
        out: list[tuple[str, int]] = []
        for name in names:
            n = _norm(name)
            for fam, sty, path, i in index:
                full = f"{fam} {sty}".strip()
                if n in (full, fam) or n.replace(" ", "") == full.replace(" ", ""):
                    if (path, i) not in out:
                        out.append((path, i))
        bold = any(_is_bold(n) for n in names)
        want = "bold" if bold else "regular"
        defaults = []
        for fam_pref in DEFAULT_FAMILIES:
            for fam, sty, path, i in index:
                if fam == fam_pref and (sty == want or (not bold and sty in ("book", "regular", "normal"))):
                    defaults.append((path, i))
        # then every other face: any font that has the code point beats no glyph at all
        rest = [(p, i) for fam, sty, p, i in index if sty in ("regular", "book", want)]
        rest += [(p, i) for _, _, p, i in index]
        for c in defaults + rest:
            if c not in out:
                out.append(c)
        self._stacks[fontstack] = out
        return out

    def _face(self, key: tuple[str, int]) -> freetype.Face:
        f = self._faces.get(key)
        if f is None:
            f = self._faces[key] = freetype.Face(key[0], index=key[1])
            f.set_pixel_sizes(0, EM * SUPERSAMPLE)
        return f

    # --- rendering ----------------------------------------------------------------------------------
    def glyph(self, fontstack: str, cp: int) -> Glyph | None:
        with self._lock:
            for key in self._candidates(fontstack):
                try:
                    face = self._face(key)
                    if face.get_char_index(cp) == 0:
                        continue
                    return render_sdf(face, cp)
                except Exception as exc:  # noqa: BLE001 - a broken face must not stop the render
                    log.debug("font %s failed for U+%04X: %s", key[0], cp, exc)
                    continue
        return None


def render_sdf(face: freetype.Face, cp: int) -> Glyph:
    face.load_char(cp, freetype.FT_LOAD_RENDER | freetype.FT_LOAD_TARGET_NORMAL)
    g = face.glyph
    bm = g.bitmap
    advance = round(g.advance.x / 64.0 / SUPERSAMPLE)
    if bm.width == 0 or bm.rows == 0:
        return Glyph(cp, 0, 0, 0.0, 0.0, float(advance), None)
    cov = np.array(bm.buffer, dtype=np.uint8).reshape(bm.rows, bm.pitch)[:, :bm.width]
    left = g.bitmap_left / SUPERSAMPLE
    top = g.bitmap_top / SUPERSAMPLE
    w = math.ceil(bm.width / SUPERSAMPLE)
    h = math.ceil(bm.rows / SUPERSAMPLE)
    sdf = sdf_from_coverage(cov, w, h)
    return Glyph(cp, w, h, float(math.floor(left)), float(round(top - ASCENT)), float(advance), sdf)


def sdf_from_coverage(cov: np.ndarray, w: int, h: int) -> np.ndarray:
    """(h+6, w+6) SDF bytes from a supersampled coverage bitmap whose origin is the glyph box corner."""
    inside = cov >= 128
    pad = np.pad(inside, 1)
    # boundary samples: inside pixels with an outside 4-neighbour, at their centres (hi-res units)
    edge = inside & ~(pad[:-2, 1:-1] & pad[2:, 1:-1] & pad[1:-1, :-2] & pad[1:-1, 2:])
    ey, ex = np.nonzero(edge)
    s = float(SUPERSAMPLE)
    out_h, out_w = h + 2 * BORDER, w + 2 * BORDER
    # output pixel centres in hi-res units relative to the bitmap origin
    oy = (np.arange(out_h) - BORDER + 0.5) * s
    ox = (np.arange(out_w) - BORDER + 0.5) * s
    gy, gx = np.meshgrid(oy, ox, indexing="ij")
    if len(ex) == 0:
        return np.zeros((out_h, out_w), np.uint8)
    px = (ex + 0.5)[None, :]
    py = (ey + 0.5)[None, :]
    d2 = (gx.reshape(-1, 1) - px) ** 2 + (gy.reshape(-1, 1) - py) ** 2
    d = np.sqrt(d2.min(axis=1)) / s  # in 24 px em pixels
    iy = np.clip(gy.reshape(-1).astype(int), 0, inside.shape[0] - 1)
    ix = np.clip(gx.reshape(-1).astype(int), 0, inside.shape[1] - 1)
    in_box = (gy.reshape(-1) >= 0) & (gy.reshape(-1) < inside.shape[0]) & (gx.reshape(-1) >= 0) & (
        gx.reshape(-1) < inside.shape[1])
    is_in = in_box & inside[iy, ix]
    # edge samples sit half a hi-res pixel inside the outline
    signed = np.where(is_in, -(d - 0.5 / s), d + 0.5 / s)
    val = np.clip(np.round(255 - 255 * (signed / RADIUS + CUTOFF)), 0, 255)
    return val.astype(np.uint8).reshape(out_h, out_w)


def available_fonts(font_dirs: Iterable[str] = ()) -> list[str]:
    """Family and style names of the fonts FontRasteriser can use (for diagnostics)."""
    r = FontRasteriser(tuple(font_dirs))
    return sorted({f"{fam} {sty}" for fam, sty, _, _ in r._scan()})
