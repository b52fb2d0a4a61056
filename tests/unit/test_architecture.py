"""DESIGN.md's import direction, checked on the source: nothing imports upward, and only
glrender/gpu/ imports moderngl.

server -> api -> render -> (buckets | gpu) -> (tessellate | tiles | style | geo) -> errors
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# package -> glrender packages it must not import
FORBIDDEN: dict[str, set[str]] = {
    "errors": {"style", "geo", "tiles", "tessellate", "buckets", "gpu", "render", "api", "cli", "encode",
               "text", "symbol"},
    "style": {"geo", "tiles.sources", "tessellate", "buckets", "gpu", "render", "api", "cli", "symbol"},
    "geo": {"style", "tiles", "tessellate", "buckets", "gpu", "render", "api", "cli", "text", "symbol"},
    "tiles": {"style", "tessellate", "buckets", "gpu", "render", "api", "cli", "text", "symbol"},
    "tessellate": {"style", "tiles.sources", "buckets", "gpu", "render", "api", "cli", "symbol"},
    "buckets": {"gpu", "render", "api", "cli"},
    "gpu": {"style", "tiles", "tessellate", "buckets", "render", "api", "cli", "text", "symbol"},
    "render": {"api", "cli"},
}
PURE = ("style", "geo", "tiles", "tessellate", "buckets", "text")


def _modules() -> list[Path]:
    return sorted(p for p in (ROOT / "glrender").rglob("*.py") if "data" not in p.parts)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
            out.update(f"{node.module}.{a.name}" for a in node.names)
    return out


def _package(path: Path) -> str:
    rel = path.relative_to(ROOT / "glrender").with_suffix("")
    return rel.parts[0] if len(rel.parts) > 1 else rel.parts[0]


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_import_direction(path: Path) -> None:
    pkg = _package(path)
    imports = _imports(path)
    if pkg != "gpu":
        assert not any(i == "moderngl" or i.startswith("moderngl.") for i in imports), \
            f"{path.relative_to(ROOT)} imports moderngl; only glrender/gpu/ may"
    if pkg in PURE:
        assert "glcontext" not in imports
    for bad in FORBIDDEN.get(pkg, set()):
        hits = [i for i in imports if i == f"glrender.{bad}" or i.startswith(f"glrender.{bad}.")]
        assert not hits, f"{path.relative_to(ROOT)} ({pkg}) imports upward: {hits}"


def test_server_uses_only_the_public_api() -> None:
    allowed = ("glrender.api", "glrender.errors", "glrender.encode", "glrender.geo", "glrender")
    for path in sorted((ROOT / "server").rglob("*.py")):
        for i in _imports(path):
            if i.startswith("glrender"):
                assert i in ("glrender",) or i.startswith(allowed), f"{path.relative_to(ROOT)} imports {i}"
