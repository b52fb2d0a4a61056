"""Symbol layers: per-tile layout (anchors, shaped text, icons), one placement pass per image."""
