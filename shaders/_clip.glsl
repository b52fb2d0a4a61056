// Tile clipping without a stencil buffer: every tile-bound program passes the fragment's position in
// tile units and drops fragments outside the tile square, so buffered geometry that neighbouring
// tiles both contain is drawn exactly once (MapLibre uses stencil masks for the same purpose).
#ifdef VERTEX
uniform vec4 u_clip_rect;  // x0, y0, x1, y1 in tile units
out vec2 v_clip;
void set_clip(vec2 tile_pos) {
    v_clip = (tile_pos - u_clip_rect.xy) / (u_clip_rect.zw - u_clip_rect.xy);
}
#else
in vec2 v_clip;
#ifdef PERSPECTIVE_BY_HAND
// programs that reach the GPU with w = 1 (gpu/snap.py) send 1/w along and divide here
in float v_persp;
#endif
void apply_clip() {
#ifdef PERSPECTIVE_BY_HAND
    vec2 c = v_clip / v_persp;
#else
    vec2 c = v_clip;
#endif
    if (c.x < 0.0 || c.y < 0.0 || c.x >= 1.0 || c.y >= 1.0) discard;
}
#endif
