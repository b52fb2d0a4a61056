"""Glyphs by font stack: PBF ranges from the style's ``glyphs`` URL, cached, with fallbacks.

A font stack is the comma-joined ``text-font`` list, as MapLibre requests it. A glyph comes from the
first of: the stack's own range file, the range file of each font of the stack on its own, then the
on-the-fly rasteriser (TTF/OTF through FreeType) when one is available. Missing ranges log a warning
once and never fail a render (DESIGN section 3).
"""

from __future__ import annotations

import logging
import threading
import urllib.parse
from collections.abc import Callable, Iterable

from glrender.text.pbf import Glyph, GlyphDecodeError, GlyphRange

log = logging.getLogger("glrender.text")

Fetch = Callable[[str], bytes | None]
Rasterise = Callable[[str, int], Glyph | None]


def _default_fetch(url: str) -> bytes | None:
    from glrender.tiles.urls import fetch_bytes

    return fetch_bytes(url, what="glyph range")


def range_url(template: str, fontstack: str, start: int) -> str:
    """Fill ``{fontstack}`` and ``{range}``; the stack is URL-escaped only for http(s) templates."""
    rng = f"{start}-{start + 255}"
    stack = urllib.parse.quote(fontstack) if template.startswith(("http://", "https://")) else fontstack
    return template.replace("{fontstack}", stack).replace("{range}", rng)


class GlyphManager:
    """Thread-safe cache of decoded ranges; ``glyphs(stack, codepoints)`` gives what exists."""

    def __init__(self, template: str | None, base_dir: str | None = None, *, fetch: Fetch | None = None,
                 rasterise: Rasterise | None = None) -> None:
        self.template = self._resolve(template, base_dir) if template else None
        self.fetch = fetch or _default_fetch
        self.rasterise = rasterise
        self._ranges: dict[tuple[str, int], GlyphRange | None] = {}
        self._made: dict[tuple[str, int], Glyph | None] = {}
        self._resolved: dict[tuple[str, int], Glyph | None] = {}  # (font stack, code point) -> glyph
        self._warned: set[str] = set()
        self._lock = threading.Lock()
        self._views: dict[str, FontGlyphs] = {}

    @staticmethod
    def _resolve(template: str, base_dir: str | None) -> str:
        from glrender.tiles.urls import resolve_url

        # resolve_url leaves {fontstack}/{range} alone; a relative template resolves to a file path.
        try:
            return resolve_url(template, base_dir)
        except Exception:  # noqa: BLE001 - a bad glyphs URL means "no PBF glyphs", never a failed render
            log.warning("glyphs URL %r cannot be resolved; using fallback fonts", template)
            return ""

    def _range(self, font: str, start: int) -> GlyphRange | None:
        """The decoded range, or None when the range file does not exist (or cannot be read)."""
        key = (font, start)
        if key in self._ranges:
            return self._ranges[key]
        glyphs: GlyphRange | None = None
        if self.template:
            url = range_url(self.template, font, start)
            data = self.fetch(url)
            if data is None:
                if url not in self._warned and len(self._warned) < 100:
                    self._warned.add(url)
                    log.warning("glyph range missing: %s", url)
            else:
                try:
                    glyphs = GlyphRange(data)
                except GlyphDecodeError as exc:
                    log.warning("glyph range %s unreadable: %s", url, exc)
        self._ranges[key] = glyphs
        return glyphs

    def glyph(self, fontstack: str, cp: int) -> Glyph | None:
        key = (fontstack, cp)
        try:
            return self._resolved[key]  # each label looks its characters up again: answer from memory
        except KeyError:
            pass
        with self._lock:  # a miss may load a range file: one thread at a time
            g = self._lookup(fontstack, cp)
            self._resolved[key] = g
        return g

    def stack(self, fontstack: str) -> FontGlyphs:
        """One font stack's glyphs as a read-only mapping (what shaping looks characters up in)."""
        view = self._views.get(fontstack)
        if view is None:
            view = self._views[fontstack] = FontGlyphs(self, fontstack)
        return view

    def _lookup(self, fontstack: str, cp: int) -> Glyph | None:
        start = (cp // 256) * 256
        if cp > 0xFFFF:
            return self._made_glyph(fontstack, cp)  # PBF ranges stop at U+FFFF
        fonts = [f.strip() for f in fontstack.split(",") if f.strip()]
        found_range = False
        for name in [fontstack] + (fonts if len(fonts) > 1 else []):
            rng = self._range(name, start)
            if rng is None:
                continue
            found_range = True
            g = rng.get(cp)
            if g is not None:
                return g
        # A glyph missing from a range that exists stays missing (as in MapLibre); only missing ranges,
        # stacks or glyphs URLs are made up from installed fonts.
        return None if found_range else self._made_glyph(fontstack, cp)

    def _made_glyph(self, fontstack: str, cp: int) -> Glyph | None:
        if self.rasterise is None:
            return None
        key = (fontstack, cp)
        if key not in self._made:
            self._made[key] = self.rasterise(fontstack, cp)
        return self._made[key]

    def glyphs(self, fontstack: str, codepoints: Iterable[int]) -> dict[int, Glyph]:
        out: dict[int, Glyph] = {}
        for cp in set(codepoints):
            g = self.glyph(fontstack, cp)
            if g is not None:
                out[cp] = g
        return out


class FontGlyphs(dict[int, Glyph | None]):
    """A font stack's glyphs by code point (None: the font has no such glyph), filled label by label
    (:meth:`ensure`) from the glyph manager; shaping reads it as a plain dict, at C speed."""

    def __init__(self, manager: GlyphManager, fontstack: str) -> None:
        super().__init__()
        self._manager = manager
        self._fontstack = fontstack

    def ensure(self, text: str) -> None:
        """Look up the characters of ``text`` not seen yet (loading their ranges if needed)."""
        for cp in {ord(c) for c in text}:
            if cp not in self:
                self[cp] = self._manager.glyph(self._fontstack, cp)
