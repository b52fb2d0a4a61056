"""CartoCSS: a parser (``parse``) and an evaluator that resolves a stylesheet per feature at one zoom."""

from __future__ import annotations

from server.carto.cartocss.parse import CartoCSSError, Stylesheet, parse

__all__ = ["CartoCSSError", "Stylesheet", "parse"]
