"""What symbol layout needs besides features: glyphs (with the atlas they are packed into) and sprites.

One ``SymbolResources`` lives as long as a Renderer, so glyph ranges, on-the-fly glyphs and atlas
positions are reused across renders (and buckets cached across renders keep valid atlas positions).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from glrender.text.atlas import Atlas
from glrender.text.glyphs import GlyphManager
from glrender.text.pbf import Glyph

log = logging.getLogger("glrender.symbol")


class SymbolResources:
    def __init__(self, glyphs_url: str | None, base_dir: str | None, sprite: Any = None,
                 font_dirs: tuple[str, ...] = ()) -> None:
        self._font_dirs = font_dirs
        self._rasteriser: Any = None  # made on the first glyph no PBF range has: FreeType loads then
        self.glyphs = GlyphManager(glyphs_url, base_dir, rasterise=self._rasterise)
        self.atlas = Atlas()
        # Scaled glyph metrics and atlas rects, kept for the one-line label layout (plain_text.py)
        self.glyph_metrics: dict[Any, Any] = {}
        self.sprite_spec = sprite
        self.base_dir = base_dir
        self._sprites: dict[float, Any] = {}
        self._icon_atlas: dict[float, Atlas] = {}
        self.lock = threading.RLock()
        self._owners: dict[tuple[str, str], object] = {}
        # Shaped label layouts shared across tiles and renders (see symbol.bucket._layout).
        self.layouts: dict[Any, Any] = {}
        # Each symbol layer's placement rules per zoom (symbol.placement._rules_for).
        self.placement_rules: dict[Any, Any] = {}

    def _rasterise(self, fontstack: str, cp: int) -> Glyph | None:
        """An SDF glyph made from installed fonts (None without FreeType: PBF glyphs only)."""
        if self._rasteriser is None:
            try:
                from glrender.text.fonts import FontRasteriser

                self._rasteriser = FontRasteriser(self._font_dirs).glyph
            except ImportError:
                log.warning("freetype-py is missing: glyphs absent from the style's glyph ranges are not drawn")
                self._rasteriser = lambda _fontstack, _cp: None
        return self._rasteriser(fontstack, cp)  # type: ignore[no-any-return]

    def owner(self, layer_id: str, part: str) -> object:
        """A stable object standing for one layer's text or icons in the GPU mesh cache."""
        key = (layer_id, part)
        o = self._owners.get(key)
        if o is None:
            o = self._owners[key] = type("SymbolMeshOwner", (), {})()
        return o

    def glyph_rect(self, fontstack: str, g: Glyph) -> tuple[int, int, int, int] | None:
        """Atlas rect (x, y, w, h, padding included) of a glyph, packing it on first use."""
        if g.bitmap is None:
            return None
        key = (fontstack, g.id)
        # Entries never move, so a rect once packed is read without the lock (every glyph of every
        # label shaped comes here; the lock is only for packing).
        rect = self.atlas.get(key)
        if rect is None:
            with self.lock:
                rect = self.atlas.add(key, g.bitmap)
        return rect

    def icon_atlas(self, pixel_ratio: float) -> Atlas:
        pr = 2.0 if pixel_ratio > 1 else 1.0
        with self.lock:
            at = self._icon_atlas.get(pr)
            if at is None:
                at = self._icon_atlas[pr] = Atlas(1024, 256, channels=4)
            return at

    def sprites(self, pixel_ratio: float) -> Any:
        """The style's sprite sheet for a pixel ratio (None when it has none or it cannot load)."""
        pr = 2.0 if pixel_ratio > 1 else 1.0
        with self.lock:
            if pr in self._sprites:
                return self._sprites[pr]
            atlas = None
            if self.sprite_spec:
                try:
                    from glrender.tiles.sprites import load_sprites

                    atlas = load_sprites(self.sprite_spec, base_dir=self.base_dir, pixel_ratio=pr)
                except ImportError:
                    log.warning("sprites are not supported yet; icons are skipped")
                except Exception as exc:  # noqa: BLE001 - a broken sprite draws without icons
                    log.warning("sprite %r failed to load: %s", self.sprite_spec, exc)
            self._sprites[pr] = atlas
            return atlas
