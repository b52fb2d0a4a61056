// Sprite patterns anchored to world pixels at the integer zoom (MapLibre's get_pattern_pos): the tile
// origin's pixel position comes in two 16-bit halves so float precision holds at high zooms.
#ifdef VERTEX
uniform vec2 u_pixel_coord_upper;
uniform vec2 u_pixel_coord_lower;
uniform float u_tile_units_to_pixels;
out vec2 v_pattern_pos;
void set_pattern_pos(vec2 display_size, vec2 pos) {
    vec2 size = max(display_size, vec2(1e-6));
    vec2 offset = mod(mod(mod(u_pixel_coord_upper, size) * 256.0, size) * 256.0 + u_pixel_coord_lower, size);
    v_pattern_pos = (u_tile_units_to_pixels * pos + offset) / size;
}
#else
uniform sampler2D u_image;
uniform vec2 u_texsize;
in vec2 v_pattern_pos;
// pattern = (tl.x, tl.y, br.x, br.y) in atlas pixels; an empty rectangle is a missing image.
vec4 pattern_color(vec4 pattern) {
    if (pattern.z <= pattern.x) discard;
#ifdef PERSPECTIVE_BY_HAND
    vec2 coord = mod(v_pattern_pos / v_persp, 1.0);
#else
    vec2 coord = mod(v_pattern_pos, 1.0);
#endif
    return texture(u_image, mix(pattern.xy / u_texsize, pattern.zw / u_texsize, coord));
}
#endif
