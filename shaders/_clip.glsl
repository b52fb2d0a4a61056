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
void apply_clip() {
    if (v_clip.x < 0.0 || v_clip.y < 0.0 || v_clip.x >= 1.0 || v_clip.y >= 1.0) discard;
}
#endif
