from __future__ import annotations

import pytest

from glrender.errors import RenderError
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
    cache.set_view(300, 200)
    plain = cache.get(name)
    assert plain is cache.get(name)
    props = PROGRAMS[name]
    if props:
        dd = cache.get(name, props)
        assert dd is not plain
        assert any(f"a_{p}" in dd for p in props)
    if name == "line":
        cache.get(name, [], ["DASHED"])
    if name == "fill_extrusion":  # big images: depth from each face's plane
        for defines in (["EXACT_DEPTH"], ["EXACT_DEPTH", "PATTERN"]):
            assert "u_matrix_inv_t" in cache.get(name, props, defines)
    cache.release()


def test_programs_carry_the_frames_snap_uniforms(gl_ctx: object) -> None:
    cache = ProgramCache(gl_ctx)  # type: ignore[arg-type]
    # drawing without an image to snap to would collapse every vertex: refuse it
    with pytest.raises(RenderError, match="set_view"):
        cache.get("fill")
    cache.set_view(300, 200)
    prog = cache.get("fill")
    assert prog["u_snap"].value == pytest.approx((150.0, 100.0, 0.0, 0.0))
    assert prog["u_snap_scale"].value == pytest.approx((1 / 150, 1 / 100))
    # GL lines draw through the power-of-two viewport around an integer centre
    outline = cache.get("fill_outline")
    assert outline["u_snap"].value == pytest.approx((150.0, 100.0, 0.0, 0.0))
    assert outline["u_snap_scale"].value == pytest.approx((1 / 256, 1 / 128))
    cache.set_view(301, 200)  # a new image size reaches programs compiled before it
    assert cache.get("fill")["u_snap"].value == pytest.approx((150.5, 100.0, 0.0, 0.0))
    assert cache.get("fill_outline")["u_snap"].value == pytest.approx((150.5, 100.0, 0.5, 0.0))
    cache.release()
