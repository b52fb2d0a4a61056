"""CartoCSS tokenizer: a flat list of (kind, text, position) tuples."""

from __future__ import annotations

import re
from dataclasses import dataclass

from server.carto.errors import CartoError


class CartoCSSError(CartoError):
    """A stylesheet that cannot be read; CARTO answers these with 400 at map creation."""

    def __init__(self, message: str) -> None:
        super().__init__(message, 400, type="layer", subtype="turbo-carto" if "ramp" in message else None)


@dataclass(frozen=True)
class Token:
    kind: str  # ident, var, hash, number, string, op, punct, field
    text: str
    pos: int


_SPEC = [
    ("ws", r"\s+"),
    ("comment", r"/\*.*?\*/|//[^\n]*"),
    ("string", r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\""),
    ("number", r"-?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?(?:px|%|deg)?"),
    ("var", r"@[A-Za-z_][\w-]*"),
    ("attachment", r"::[A-Za-z_][\w-]*"),
    ("hash", r"#[\w-]+"),
    ("class", r"\.[A-Za-z_][\w-]*"),
    ("ident", r"[A-Za-z_][\w-]*(?:::[A-Za-z_]\w*)?"),
    ("op", r"=~|!=|>=|<=|=|>|<|%"),
    ("punct", r"[{}\[\]();:,+*/-]"),
]
_RE = re.compile("|".join(f"(?P<{name}>{pat})" for name, pat in _SPEC), re.S)


def tokenize(text: str) -> list[Token]:
    out: list[Token] = []
    pos = 0
    while pos < len(text):
        m = _RE.match(text, pos)
        if m is None:
            line = text.count("\n", 0, pos) + 1
            raise CartoCSSError(f"Invalid code at line {line}: {text[pos:pos + 20]!r}")
        kind = m.lastgroup or ""
        if kind not in ("ws", "comment"):
            out.append(Token(kind, m.group(), pos))
        pos = m.end()
    return out


def line_of(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1
