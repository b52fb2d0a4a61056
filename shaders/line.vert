#define VERTEX
in vec2 a_pos;
in vec2 a_extrude;
in vec2 a_normal;
in float a_direction;
in float a_linesofar;
uniform mat4 u_matrix;
uniform float u_units_per_px;     // tile units per CSS pixel
uniform vec2 u_units_to_pixels;   // clip units to CSS pixels
uniform float u_device_pixel_ratio;
out vec2 v_normal;
out vec2 v_width2;
out float v_gamma_scale;
#include "_clip.glsl"
#include "_depth.glsl"
#pragma prop: define vec4 color
#pragma prop: define float opacity
#pragma prop: define float width
#pragma prop: define float gapwidth
#pragma prop: define float offset
#pragma prop: define float blur
#ifdef GRADIENT
in vec2 a_uv;              // fraction of this tile's piece of the line, gradient texture row
uniform float u_image_height;
out vec2 v_uv;
#endif
#if defined(DASHED) || defined(PATTERN)
#pragma prop: define float floorwidth
#endif
#ifdef DASHED
// (atlas row, rows across the line, pattern length in line widths, shorter of the cross-faded lengths)
#pragma prop: define vec4 dash
uniform float u_tileratio;        // CSS pixels per tile unit at the integer (tile) zoom
uniform vec2 u_dash_atlas_size;
out vec2 v_dash_tex;
#endif
#ifdef PATTERN
#pragma prop: define vec4 pattern
#pragma prop: define float pixel_ratio
out float v_tile_linesofar;
#endif
void main() {
    #pragma prop: initialize vec4 color
    #pragma prop: initialize float opacity
    #pragma prop: initialize float width
    #pragma prop: initialize float gapwidth
    #pragma prop: initialize float offset
    #pragma prop: initialize float blur
    float ANTIALIASING = 1.0 / u_device_pixel_ratio / 2.0;
    v_normal = a_normal;
    float gap = gapwidth / 2.0;
    float halfwidth = width / 2.0;
    float off = -1.0 * offset;
    float inset = gap + (gap > 0.0 ? ANTIALIASING : 0.0);
    float outset = gap + halfwidth * (gap > 0.0 ? 2.0 : 1.0) + (halfwidth == 0.0 ? 0.0 : ANTIALIASING);
    // The extrusion is in CSS pixels, turned into tile units so it follows pitch like MapLibre's.
    vec2 dist = outset * a_extrude;
    float u = 0.5 * a_direction;
    float t = 1.0 - abs(u);
    vec2 offset2 = off * a_extrude * a_normal.y * mat2(t, -u, u, t);
    vec4 projected_extrude = u_matrix * vec4(dist * u_units_per_px, 0.0, 0.0);
    vec2 base = a_pos + offset2 * u_units_per_px;
    gl_Position = u_matrix * vec4(base, 0.0, 1.0) + projected_extrude;
    float len_flat = length(dist);
    float len_persp = length(projected_extrude.xy / gl_Position.w * u_units_to_pixels);
    v_gamma_scale = len_persp > 0.0 ? len_flat / len_persp : 1.0;
    v_width2 = vec2(outset, inset);
#ifdef GRADIENT
    v_uv = vec2(a_uv.x, (a_uv.y + 0.5) / u_image_height);
#endif
#if defined(DASHED) || defined(PATTERN)
    #pragma prop: initialize float floorwidth
#endif
#ifdef DASHED
    // MapLibre's line_sdf: the pattern is laid out at the integer zoom with the floored width, so it
    // scales with the map between integer zooms; across the line it walks the rows of a round entry.
    #pragma prop: initialize vec4 dash
    v_dash_tex = vec2(a_linesofar * u_tileratio / dash.z / floorwidth,
                      (dash.x + 0.5 - a_normal.y * dash.y / 2.0) / u_dash_atlas_size.y);
#endif
#ifdef PATTERN
    #pragma prop: initialize vec4 pattern
    #pragma prop: initialize float pixel_ratio
    v_tile_linesofar = a_linesofar;
#endif
    set_clip(base + dist * u_units_per_px);
    set_layer_depth();
}
