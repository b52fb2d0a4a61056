from __future__ import annotations

import pytest

from glrender.gpu.programs import ProgramCache

PROGRAMS = {
    "background": [],
    "fill": ["color", "opacity"],
    "fill_outline": ["outline_color", "opacity"],
    "line": ["color", "opacity", "width", "gapwidth", "offset", "blur"],
    "circle": ["color", "radius", "blur", "opacity", "stroke_color", "stroke_width", "stroke_opacity"],
    "fill_extrusion": ["color", "base", "height"],
    "raster": [],
}


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_every_program_compiles_with_uniforms_and_with_attributes(gl_ctx: object, name: str) -> None:
    cache = ProgramCache(gl_ctx)  # type: ignore[arg-type]
    plain = cache.get(name)
    assert plain is cache.get(name)
    props = PROGRAMS[name]
    if props:
        dd = cache.get(name, props)
        assert dd is not plain
        assert any(f"a_{p}" in dd for p in props)
    if name == "line":
        cache.get(name, [], ["DASHED"])
    cache.release()
