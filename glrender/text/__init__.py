"""Text for symbol layers: glyph PBF ranges, on-the-fly SDF glyphs, the glyph atlas and shaping."""
