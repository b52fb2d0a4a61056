"""One exception tree for the whole library.

The server maps these to HTTP statuses in one handler and the CLI maps them to exit code 2, so every
error raised on bad input must be one of these and must carry the bad value in its message.
"""

from __future__ import annotations


class GlrenderError(Exception):
    """Base of every error glrender raises on purpose."""


class StyleError(GlrenderError):
    """A style document is invalid. ``path`` is the JSON path, e.g. ``layers[4].paint.line-width``."""

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        self.message = message
        super().__init__(f"{path}: {message}" if path else message)


class ExpressionError(StyleError):
    """An expression failed to parse (carries the JSON path like StyleError)."""


class EvaluationError(GlrenderError):
    """An expression failed at evaluation time; callers fall back to the property default."""


class SourceError(GlrenderError):
    """A tile source cannot be opened or read (missing file, unknown type, bad TileJSON)."""


class TileError(GlrenderError):
    """A tile's bytes cannot be decoded (corrupt protobuf, bad gzip, bad image)."""


class RenderError(GlrenderError):
    """The camera or output parameters are invalid, or drawing failed."""


class GLUnavailableError(RenderError):
    """No OpenGL context could be created (EGL missing or no usable device)."""


class EncodeError(GlrenderError):
    """The image cannot be encoded in the requested format."""
