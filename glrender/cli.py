"""The ``glrender`` command: ``glrender render`` draws one image, ``glrender serve`` runs the HTTP server.

Exit codes: 0 on success; 2 on bad input (bad flag, missing style, any GlrenderError), always with a
single ``glrender: error: ...`` line on stderr and never a traceback; 1 for an unexpected internal
failure (also one line; set GLRENDER_DEBUG=1 to see the traceback); 130 on Ctrl-C.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import sys
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from glrender.errors import GlrenderError

PROG = "glrender"
EXIT_OK, EXIT_INTERNAL, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
_EXTENSIONS = {".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg", ".webp": "webp"}
# Flags whose values may start with "-" (negative longitudes, bearings): see _join_negative_values.
_NUMERIC_FLAGS = ("--center", "--bbox", "--zoom", "--bearing", "--pitch")
_NEGATIVE_VALUE = re.compile(r"^-[\d.]")


class UsageError(Exception):
    """Bad command-line input; reported as one line with exit code 2."""


class _Parser(argparse.ArgumentParser):
    """argparse prints the whole usage block on errors; we promise one line, so point at --help."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see '{self.prog} --help')")


# --- value parsers (argparse `type=` callables; ValueError/TypeError -> "invalid ... value") -------


def _finite(text: str, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{what} must be a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{what} must be a finite number, got {text!r}")
    return value


def _numbers(text: str, count: int, what: str, form: str) -> tuple[float, ...]:
    parts = text.split(",")
    if len(parts) != count:
        raise argparse.ArgumentTypeError(f"{what} must be {form}, got {text!r}")
    return tuple(_finite(p.strip(), what) for p in parts)


def parse_center(text: str) -> tuple[float, float]:
    lon, lat = _numbers(text, 2, "center", "LON,LAT")
    return lon, lat


def parse_bbox(text: str) -> tuple[float, float, float, float]:
    west, south, east, north = _numbers(text, 4, "bbox", "W,S,E,N")
    return west, south, east, north


def parse_size(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"\s*(\d+)\s*[xX]\s*(\d+)\s*", text)
    if not match:
        raise argparse.ArgumentTypeError(f"size must be WxH in pixels, e.g. 512x512, got {text!r}")
    width, height = int(match.group(1)), int(match.group(2))
    if width < 1 or height < 1:
        raise argparse.ArgumentTypeError(f"size must be at least 1x1, got {text!r}")
    return width, height


def parse_scale(text: str) -> float:
    value = _finite(text, "scale")
    if value <= 0:
        raise argparse.ArgumentTypeError(f"scale must be positive, got {text!r}")
    return int(value) if value.is_integer() else value


def parse_port(text: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise argparse.ArgumentTypeError(f"port must be an integer 1-65535, got {text!r}")
    return int(text)


def parse_quality(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 100:
        raise argparse.ArgumentTypeError(f"quality must be an integer 1-100, got {text!r}")
    return int(text)


def _float_of(what: str) -> Callable[[str], float]:
    def convert(text: str) -> float:
        return _finite(text, what)

    convert.__name__ = what  # argparse names the type in some messages
    return convert


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description="Render MapLibre/Mapbox GL styles to images, headless.")
    parser.add_argument("--version", action="version", version=f"{PROG} {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="{render,serve}", parser_class=_Parser)
    sub.required = True

    r = sub.add_parser("render", help="render one image", description="Render one view of a style.")
    r.add_argument("style", metavar="STYLE", help="style JSON file")
    r.add_argument("-o", "--output", metavar="OUT", required=True,
                   help="output file (its extension picks the format unless --format is given); - for stdout")
    r.add_argument("--center", metavar="LON,LAT", type=parse_center, help="default: the style's center")
    r.add_argument("--zoom", metavar="Z", type=_float_of("zoom"), help="default: the style's zoom")
    r.add_argument("--bearing", metavar="DEG", type=_float_of("bearing"), help="default: the style's")
    r.add_argument("--pitch", metavar="DEG", type=_float_of("pitch"), help="default: the style's")
    r.add_argument("--bbox", metavar="W,S,E,N", type=parse_bbox, help="fit this box instead of center/zoom")
    r.add_argument("--size", metavar="WxH", type=parse_size, required=True, help="image size in CSS pixels")
    r.add_argument("--scale", metavar="N", type=parse_scale, default=1, help="pixel ratio (default 1)")
    r.add_argument("--format", choices=("png", "jpeg", "jpg", "webp"), help="default: from OUT's extension")
    r.add_argument("--quality", metavar="Q", type=parse_quality, default=85,
                   help="JPEG/WebP quality 1-100 (default 85)")
    r.add_argument("--exact", action="store_true",
                   help="blend in 16 bits so that a big image drawn in framebuffer pieces equals it drawn "
                        "whole within 1 level (slower: about +30%% on big views with llvmpipe)")

    s = sub.add_parser("serve", help="run the HTTP server", description="Serve the static images API.")
    s.add_argument("--config", metavar="FILE", help="TOML configuration (default: built-in demo)")
    s.add_argument("--host", default=None, help="bind address (default 127.0.0.1 or the config's)")
    s.add_argument("--port", type=parse_port, default=None, help="port (default 8080 or the config's)")
    return parser


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("glrender")
    except Exception:  # not installed (running from a checkout)
        return "0.1.0"


def _join_negative_values(argv: Sequence[str]) -> list[str]:
    """argparse reads "--center -122.4,37.8" as two flags; glue such values on as "--center=-122.4,..."."""
    out: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg in _NUMERIC_FLAGS and i + 1 < len(argv) and _NEGATIVE_VALUE.match(argv[i + 1]):
            out.append(f"{arg}={argv[i + 1]}")
            i += 2
            continue
        out.append(arg)
        i += 1
    return out


# --- commands --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RenderJob:
    style: Path
    output: str
    fmt: str
    center: tuple[float, float] | None
    zoom: float | None
    bearing: float | None
    pitch: float | None
    bbox: tuple[float, float, float, float] | None
    width: int
    height: int
    scale: float
    quality: int
    exact: bool = False


def render_job(args: argparse.Namespace) -> RenderJob:
    """Check what argparse cannot (files, format from the extension) and build the job."""
    style = Path(args.style)
    if not style.is_file():
        raise UsageError(f"style file not found: {args.style!r}")
    fmt = args.format
    if fmt is None:
        if args.output == "-":
            fmt = "png"
        else:
            ext = Path(args.output).suffix.lower()
            if ext not in _EXTENSIONS:
                raise UsageError(
                    f"cannot tell the format from {args.output!r}; "
                    "use a .png/.jpg/.jpeg/.webp name or --format"
                )
            fmt = _EXTENSIONS[ext]
    fmt = "jpeg" if fmt == "jpg" else fmt
    if args.output != "-":
        parent = Path(args.output).parent
        if not parent.is_dir():
            raise UsageError(f"output folder does not exist: {str(parent)!r}")
    width, height = args.size
    return RenderJob(style, args.output, fmt, args.center, args.zoom, args.bearing, args.pitch, args.bbox,
                     width, height, args.scale, args.quality, args.exact)


def run_render(job: RenderJob) -> None:
    from glrender.api import render  # lazy: argument errors must not need GL

    image = render(str(job.style), center=job.center, zoom=job.zoom, bearing=job.bearing, pitch=job.pitch,
                   bbox=job.bbox, width=job.width, height=job.height, scale=job.scale, exact=job.exact)
    data = image.encode(job.fmt, quality=job.quality)
    if job.output == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        Path(job.output).write_bytes(data)


def run_serve(args: argparse.Namespace) -> None:
    from server.app import serve  # the server package sits beside glrender in the same distribution

    serve(config_path=args.config, host=args.host, port=args.port)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point. Returns the exit code (the console script passes it to sys.exit)."""
    args_list = _join_negative_values(sys.argv[1:] if argv is None else list(argv))
    try:
        args = build_parser().parse_args(args_list)
        if args.command == "render":
            run_render(render_job(args))
        else:
            run_serve(args)
    except SystemExit as exc:  # --help / --version exit through argparse with code 0
        return exc.code if isinstance(exc.code, int) else EXIT_OK
    except (UsageError, GlrenderError) as exc:
        return _fail(str(exc), EXIT_USAGE)
    except OSError as exc:  # unwritable output, port in use...
        return _fail(f"{exc.strerror or exc}" + (f": {exc.filename!r}" if exc.filename else ""), EXIT_USAGE)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except Exception as exc:  # a bug: still one line, the traceback on request
        if os.environ.get("GLRENDER_DEBUG"):
            traceback.print_exc()
        return _fail(f"internal error: {type(exc).__name__}: {exc}", EXIT_INTERNAL)
    return EXIT_OK


def _fail(message: str, code: int) -> int:
    one_line = " ".join(message.split())
    print(f"{PROG}: error: {one_line}", file=sys.stderr)
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
