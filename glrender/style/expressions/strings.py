"""String, text and image operators: concat, upcase, downcase, split, join, collator, resolved-locale,
is-supported-script, number-format, format, image; and the colour constructors rgb, rgba, to-rgba."""

from __future__ import annotations

import math
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from glrender.errors import EvaluationError
from glrender.style.color import Color
from glrender.style.expressions import types as T
from glrender.style.expressions.base import EvalContext, Expression, ParsingContext, register
from glrender.style.expressions.compound import Varargs, define
from glrender.style.expressions.typing_ops import validate_rgba


def _split(s: str, sep: str) -> list[str]:
    # JS "abc".split("") gives characters; Python refuses an empty separator.
    return list(s) if sep == "" else s.split(sep)


define("concat", T.STRING, (Varargs(T.VALUE), lambda _c, a: "".join(T.value_to_string(x) for x in a)))
define("upcase", T.STRING, ([T.STRING], lambda _c, a: a[0].upper()))
define("downcase", T.STRING, ([T.STRING], lambda _c, a: a[0].lower()))
define("split", T.array(T.STRING), ([T.STRING, T.STRING], lambda _c, a: _split(a[0], a[1])))
define("join", T.STRING, ([T.array(T.STRING), T.STRING], lambda _c, a: a[1].join(a[0])))
# We shape every script we can draw; GL JS answers true unless the RTL plugin is missing.
define("is-supported-script", T.BOOLEAN, ([T.STRING], lambda _c, a: True),
       reads_globals=("is-supported-script",))
define("resolved-locale", T.STRING, ([T.COLLATOR], lambda _c, a: a[0].resolved_locale()))


def _rgba(_: EvalContext, a: list[Any]) -> Color:
    r, g, b = a[0], a[1], a[2]
    alpha = a[3] if len(a) == 4 else 1
    err = validate_rgba(r, g, b, alpha)
    if err:
        raise EvaluationError(err)
    return Color.from_straight(r / 255, g / 255, b / 255, alpha)


define("rgb", T.COLOR, ([T.NUMBER, T.NUMBER, T.NUMBER], _rgba))
define("rgba", T.COLOR, ([T.NUMBER, T.NUMBER, T.NUMBER, T.NUMBER], _rgba))
define("to-rgba", T.array(T.NUMBER, 4), ([T.COLOR], lambda _c, a: list(a[0].to_rgba())))


@register("collator")
class CollatorExpression(Expression):
    type = T.COLLATOR
    never_constant = True

    def __init__(self, case: Expression, diacritic: Expression, locale: Expression | None) -> None:
        self.case = case
        self.diacritic = diacritic
        self.locale = locale

    def children(self) -> Iterator[Expression]:
        yield self.case
        yield self.diacritic
        if self.locale is not None:
            yield self.locale

    @classmethod
    def parse(cls, args: list[Any], ctx: ParsingContext) -> Expression:
        if len(args) != 2:
            raise ctx.error("Expected one argument.")
        opts = args[1]
        if not isinstance(opts, dict):
            raise ctx.error(f"Collator options argument must be an object; found {opts!r}.")
        case = ctx.parse(opts.get("case-sensitive", False), 1, T.BOOLEAN)
        diacritic = ctx.parse(opts.get("diacritic-sensitive", False), 1, T.BOOLEAN)
        locale = ctx.parse(opts["locale"], 1, T.STRING) if opts.get("locale") else None
        return cls(case, diacritic, locale)

    def evaluate(self, ctx: EvalContext) -> Any:
        locale = self.locale.evaluate(ctx) if self.locale is not None else None
        return T.Collator(self.case.evaluate(ctx), self.diacritic.evaluate(ctx), locale)


# Separators of a few common locales: (group, decimal). Without ICU we cover what styles use.
_LOCALE_SEPARATORS = {
    "de": (".", ","), "es": (".", ","), "it": (".", ","), "nl": (".", ","), "pt": (".", ","),
    "da": (".", ","), "id": (".", ","), "tr": (".", ","), "fr": ("\u202f", ","), "ru": ("\u00a0", ","),
    "pl": ("\u00a0", ","), "cs": ("\u00a0", ","), "sv": ("\u00a0", ","), "fi": ("\u00a0", ","),
    "nb": ("\u00a0", ","), "uk": ("\u00a0", ","), "de-ch": ("\u2019", "."),
}
_CURRENCY = {"USD": ("$", 2), "EUR": ("€", 2), "GBP": ("£", 2), "JPY": ("¥", 0), "CNY": ("CN¥", 2),
             "INR": ("₹", 2), "CAD": ("CA$", 2), "AUD": ("A$", 2), "CHF": ("CHF\u00a0", 2),
             "KRW": ("₩", 0), "RUB": ("RUB\u00a0", 2)}


def format_number(x: float, locale: str | None = None, currency: str | None = None, unit: str | None = None,
                  min_fraction: int | None = None, max_fraction: int | None = None) -> str:
    """An approximation of ``Intl.NumberFormat(locale, options).format(x)`` for the common locales."""
    if x != x:
        return "NaN"
    if math.isinf(x):
        return ("-" if x < 0 else "") + "∞"
    symbol = ""
    default_min, default_max = 0, 3
    if currency:
        symbol, digits = _CURRENCY.get(currency.upper(), (currency.upper() + "\u00a0", 2))
        default_min = default_max = digits
    lo = default_min if min_fraction is None else int(min_fraction)
    hi = max(default_max if max_fraction is None else int(max_fraction), lo)
    # Intl rounds half away from zero ("halfExpand"); Decimal from repr avoids binary artefacts.
    d = Decimal(repr(abs(float(x)))).quantize(Decimal(1).scaleb(-hi), rounding=ROUND_HALF_UP)
    text = f"{d:f}"
    int_part, _, frac = text.partition(".")
    frac = frac.rstrip("0")
    if len(frac) < lo:
        frac = frac + "0" * (lo - len(frac))
    key = (locale or "en").lower()
    group, dec = _LOCALE_SEPARATORS.get(key, _LOCALE_SEPARATORS.get(key.split("-")[0], (",", ".")))
    digits_rev = int_part[::-1]
    grouped = group.join(digits_rev[i:i + 3] for i in range(0, len(digits_rev), 3))[::-1]
    body = grouped + (dec + frac if frac else "")
    negative = x < 0 and (d != 0)
    if currency:
        body = symbol + body
    if unit:
        body = f"{body} {_UNIT_ABBREV.get(unit, unit)}"
    return ("-" if negative else "") + body


_UNIT_ABBREV = {"kilometer": "km", "meter": "m", "centimeter": "cm", "mile": "mi", "foot": "ft",
                "kilogram": "kg", "gram": "g", "percent": "%", "second": "sec", "minute": "min",
                "hour": "hr", "kilometer-per-hour": "km/h", "mile-per-hour": "mph", "celsius": "°C",
                "fahrenheit": "°F", "liter": "L", "byte": "byte", "kilobyte": "kB", "megabyte": "MB"}


@register("number-format")
class NumberFormat(Expression):
    type = T.STRING

    def __init__(self, number: Expression, opts: dict[str, Expression]) -> None:
        self.number = number
        self.opts = opts

    def children(self) -> Iterator[Expression]:
        yield self.number
        yield from self.opts.values()

    @classmethod
    def parse(cls, args: list[Any], ctx: ParsingContext) -> Expression:
        if len(args) != 3:
            raise ctx.error("Expected two arguments.")
        number = ctx.parse(args[1], 1, T.NUMBER)
        options = args[2]
        if not isinstance(options, dict):
            raise ctx.error(f"NumberFormat options argument must be an object; found {options!r}.")
        opts: dict[str, Expression] = {}
        for key, t in (("locale", T.STRING), ("currency", T.STRING), ("unit", T.STRING),
                       ("min-fraction-digits", T.NUMBER), ("max-fraction-digits", T.NUMBER)):
            if options.get(key):
                opts[key] = ctx.parse(options[key], 1, t)
        if "currency" in opts and "unit" in opts:
            raise ctx.error("NumberFormat options `currency` and `unit` are mutually exclusive")
        return cls(number, opts)

    def evaluate(self, ctx: EvalContext) -> Any:
        o = {k: e.evaluate(ctx) for k, e in self.opts.items()}
        return format_number(self.number.evaluate(ctx), o.get("locale"), o.get("currency"), o.get("unit"),
                             o.get("min-fraction-digits"), o.get("max-fraction-digits"))


_VALIGN = ("bottom", "center", "top")


@register("format")
class Format(Expression):
    type = T.FORMATTED

    def __init__(self, sections: list[dict[str, Expression | None]]) -> None:
        self.sections = sections

    def children(self) -> Iterator[Expression]:
        for s in self.sections:
            for e in s.values():
                if e is not None:
                    yield e

    @classmethod
    def parse(cls, args: list[Any], ctx: ParsingContext) -> Expression:
        if len(args) < 2:
            raise ctx.error("Expected at least one argument.")
        if isinstance(args[1], dict):
            raise ctx.error("First argument must be an image or text section.")
        sections: list[dict[str, Expression | None]] = []
        may_be_object = False
        for i, arg in enumerate(args[1:], start=1):
            if may_be_object and isinstance(arg, dict):
                may_be_object = False
                last = sections[-1]
                if arg.get("font-scale"):
                    last["scale"] = ctx.parse(arg["font-scale"], i, T.NUMBER)
                if arg.get("text-font"):
                    last["font"] = ctx.parse(arg["text-font"], i, T.array(T.STRING))
                if arg.get("text-color"):
                    last["color"] = ctx.parse(arg["text-color"], i, T.COLOR)
                va = arg.get("vertical-align")
                if va:
                    if isinstance(va, str) and va not in _VALIGN:
                        raise ctx.error(f"'vertical-align' must be one of: 'bottom', 'center', 'top' but "
                                        f"found '{va}' instead.", i)
                    last["valign"] = ctx.parse(va, i, T.STRING)
            else:
                content = ctx.parse(arg, i, T.VALUE)
                if content.type.kind not in ("string", "value", "null", "resolvedImage"):
                    raise ctx.error(f"Formatted text type must be 'string', 'value', 'image' or 'null'; "
                                    f"found {content.type}.", i)
                may_be_object = True
                sections.append({"content": content, "scale": None, "font": None, "color": None,
                                 "valign": None})
        return cls(sections)

    def evaluate(self, ctx: EvalContext) -> Any:
        out = []
        for s in self.sections:
            def ev(key: str, s: dict[str, Expression | None] = s) -> Any:
                e = s[key]
                return e.evaluate(ctx) if e is not None else None

            content = ev("content")
            if isinstance(content, T.ResolvedImage):
                out.append(T.FormattedSection("", image=content, vertical_align=ev("valign")))
                continue
            font = ev("font")
            out.append(T.FormattedSection(T.value_to_string(content), scale=ev("scale"),
                                          font_stack=",".join(font) if font is not None else None,
                                          text_color=ev("color"), vertical_align=ev("valign")))
        return T.Formatted(tuple(out))


@register("image")
class Image(Expression):
    type = T.RESOLVED_IMAGE

    def __init__(self, name: Expression) -> None:
        self.name = name

    def children(self) -> Iterator[Expression]:
        yield self.name

    @classmethod
    def parse(cls, args: list[Any], ctx: ParsingContext) -> Expression:
        if len(args) != 2:
            raise ctx.error("Expected two arguments.")
        return cls(ctx.parse(args[1], 1, T.STRING))

    def evaluate(self, ctx: EvalContext) -> Any:
        name = self.name.evaluate(ctx)
        available = ctx.available_images is None or name in ctx.available_images
        return T.ResolvedImage(name, available)
