"""CartoCSS parser: text ─▶ Stylesheet (global variables plus flattened rules).

Nested rules are flattened here (a child's selector is its parents' selectors combined with its own),
so later stages see one list of rules, each with a layer/attachment/filter selector, its declarations
in source order and its position for the cascade.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from server.carto.cartocss.tokens import CartoCSSError, Token, line_of, tokenize

# A value is a small tuple tree: ("num", v, unit) ("color", rgba) ("str", s) ("field", name) ("var", name)
# ("kw", word) ("call", name, args) ("bin", op, a, b) ("neg", a) ("list", items).
Expr = tuple[Any, ...]

_URL = re.compile(r"url\(\s*([^'\")][^)]*?)\s*\)")


@dataclass(frozen=True)
class Filter:
    field: str  # attribute name, "zoom" or "mapnik::geometry_type"
    op: str
    value: Any  # number, string or None (null)


@dataclass(frozen=True)
class Selector:
    layer: str | None = None  # "#id" without the hash; "Map" for the Map block
    classes: tuple[str, ...] = ()
    attachment: str = "__default__"
    filters: tuple[Filter, ...] = ()

    def combine(self, child: Selector) -> Selector:
        return Selector(child.layer or self.layer, self.classes + child.classes,
                        child.attachment if child.attachment != "__default__" else self.attachment,
                        self.filters + child.filters)


@dataclass
class Rule:
    selector: Selector
    decls: list[tuple[str, Expr]]
    order: int
    variables: dict[str, Expr] = field(default_factory=dict)

    @property
    def specificity(self) -> tuple[int, int, int, int]:
        return (int(self.selector.layer is not None), len(self.selector.classes), len(self.selector.filters),
                self.order)


@dataclass
class Stylesheet:
    variables: dict[str, Expr]
    rules: list[Rule]
    map_decls: list[tuple[str, Expr]]


def parse(text: str) -> Stylesheet:
    text = _URL.sub(lambda m: f"url('{m.group(1)}')", text)
    return _Parser(text, tokenize(text)).stylesheet()


class _Parser:
    def __init__(self, text: str, tokens: list[Token]) -> None:
        self.text = text
        self.toks = tokens
        self.i = 0
        self.rules: list[Rule] = []
        self.map_decls: list[tuple[str, Expr]] = []
        self.order = 0

    # -- token helpers
    def peek(self, k: int = 0) -> Token | None:
        j = self.i + k
        return self.toks[j] if j < len(self.toks) else None

    def fail(self, what: str) -> CartoCSSError:
        tok = self.peek()
        if tok is None:
            return CartoCSSError(f"Invalid code: {what} at end of style")
        return CartoCSSError(f"Invalid code at line {line_of(self.text, tok.pos)}: {what}, got {tok.text!r}")

    def take(self, text: str | None = None, kind: str | None = None) -> Token:
        tok = self.peek()
        if tok is None or (text is not None and tok.text != text) or (kind is not None and tok.kind != kind):
            raise self.fail(f"expected {text or kind}")
        self.i += 1
        return tok

    def at(self, text: str) -> bool:
        tok = self.peek()
        return tok is not None and tok.text == text and tok.kind in ("punct", "op")

    # -- grammar
    def stylesheet(self) -> Stylesheet:
        variables: dict[str, Expr] = {}
        while self.peek() is not None:
            tok = self.peek()
            assert tok is not None
            if tok.kind == "var":
                name, value = self.variable()
                variables[name] = value
            else:
                self.rule([Selector()], {})
        return Stylesheet(variables, self.rules, self.map_decls)

    def variable(self) -> tuple[str, Expr]:
        name = self.take(kind="var").text[1:]
        self.take(":")
        value = self.value()
        if self.at(";"):
            self.i += 1
        return name, value

    def rule(self, parents: list[Selector], scope: dict[str, Expr]) -> None:
        selectors = self.selectors()
        self.take("{")
        combined = [p.combine(s) for p in parents for s in selectors]
        decls: list[tuple[str, Expr]] = []
        local = dict(scope)
        self.order += 1
        order = self.order
        while not self.at("}"):
            tok = self.peek()
            if tok is None:
                raise self.fail("missing '}'")
            nxt = self.peek(1)
            if tok.kind == "var":
                name, value = self.variable()
                local[name] = value
            elif tok.kind == "ident" and tok.text != "Map" and nxt is not None and nxt.text == ":":
                decls.append(self.declaration())
            elif tok.text == ";":
                self.i += 1
            else:
                self.rule(combined, local)
        self.take("}")
        if not decls:
            return
        for sel in combined:
            if sel.layer == "Map":
                self.map_decls.extend(decls)
            else:
                self.rules.append(Rule(sel, decls, order, local))

    def selectors(self) -> list[Selector]:
        out = [self.selector()]
        while self.at(","):
            self.i += 1
            out.append(self.selector())
        return out

    def selector(self) -> Selector:
        layer: str | None = None
        classes: list[str] = []
        attachment = "__default__"
        filters: list[Filter] = []
        start = self.i
        while True:
            tok = self.peek()
            if tok is None:
                break
            if tok.kind == "hash":
                layer = tok.text[1:]
            elif tok.kind == "ident" and tok.text == "Map":
                layer = "Map"
            elif tok.kind == "class":
                classes.append(tok.text[1:])
            elif tok.kind == "attachment":
                attachment = tok.text[2:]
            elif tok.text == "*" and tok.kind == "punct":
                pass
            elif tok.text == "[":
                self.i += 1
                filters.append(self.filter())
                continue
            else:
                break
            self.i += 1
        if self.i == start:
            raise self.fail("expected a selector")
        return Selector(layer, tuple(classes), attachment, tuple(filters))

    def filter(self) -> Filter:
        tok = self.take()
        name = tok.text[1:-1] if tok.kind == "string" else tok.text
        if tok.kind not in ("ident", "string"):
            raise self.fail("expected a field name in filter")
        op = self.take(kind="op").text
        vt = self.take()
        value: Any
        if vt.kind == "number":
            value = float(vt.text.rstrip("px%deg"))
        elif vt.kind == "string":
            value = _unquote(vt.text)
        elif vt.kind == "ident":
            value = {"null": None, "true": True, "false": False}.get(vt.text, vt.text)
        elif vt.kind == "hash":
            value = vt.text
        else:
            raise self.fail("expected a filter value")
        if op == "=~":
            try:
                re.compile(str(value))
            except re.error as exc:  # Mapnik refuses the style too; better now than at every render
                raise CartoCSSError(f"Invalid code at line {line_of(self.text, vt.pos)}: bad regular expression "
                                    f"{value!r}: {exc}") from None
        self.take("]")
        return Filter(name, op, value)

    def declaration(self) -> tuple[str, Expr]:
        name = self.take(kind="ident").text
        self.take(":")
        value = self.value()
        if self.at(";"):
            self.i += 1
        elif not self.at("}"):
            raise self.fail(f"expected ';' after {name}")
        return name, value

    # -- values
    def value(self) -> Expr:
        items = [self.expr()]
        while self.at(","):
            self.i += 1
            items.append(self.expr())
        return items[0] if len(items) == 1 else ("list", items)

    def expr(self) -> Expr:
        left = self.product()
        while self.at("+") or self.at("-"):
            op = self.take().text
            left = ("bin", op, left, self.product())
        return left

    def product(self) -> Expr:
        left = self.term()
        while self.at("*") or self.at("/") or self.at("%"):
            op = self.take().text
            left = ("bin", op, left, self.term())
        return left

    def term(self) -> Expr:
        tok = self.take()
        if tok.kind == "number":
            m = re.fullmatch(r"(.*?)(px|%|deg)?", tok.text)
            assert m is not None
            num: Expr = ("num", float(m.group(1)), m.group(2) or "")
            # A tokenised "-1" right after an operand is a subtraction, e.g. "[a]-1".
            return num
        if tok.kind == "string":
            return ("str", _unquote(tok.text))
        if tok.kind == "hash":
            from server.carto.cartocss.colors import parse_hex

            rgba = parse_hex(tok.text)
            if rgba is None:
                raise CartoCSSError(f"Invalid code at line {line_of(self.text, tok.pos)}: bad colour {tok.text!r}")
            return ("color", rgba)
        if tok.kind == "var":
            return ("var", tok.text[1:])
        if tok.text == "[":
            name = self.take()
            self.take("]")
            return ("field", name.text[1:-1] if name.kind == "string" else name.text)
        if tok.text == "(":
            inner = self.value()  # a bracketed list, as in turbo-carto's ramp([col], (red, blue), jenks)
            self.take(")")
            return inner
        if tok.text == "-":
            return ("neg", self.term())
        if tok.kind == "ident":
            if self.at("("):
                self.i += 1
                args: list[Expr] = []
                while not self.at(")"):
                    args.append(self.expr())
                    if self.at(","):
                        self.i += 1
                self.take(")")
                return ("call", tok.text, args)
            return ("kw", tok.text)
        self.i -= 1
        raise self.fail("expected a value")


def _unquote(s: str) -> str:
    return re.sub(r"\\(.)", r"\1", s[1:-1])
