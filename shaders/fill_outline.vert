#define VERTEX
in vec2 a_pos;
uniform mat4 u_matrix;
uniform vec2 u_world;
uniform vec2 u_origin;  // window position of the full image in this piece
out vec2 v_pos;
out float v_persp;
#include "_clip.glsl"
#include "_depth.glsl"
#pragma prop: define vec4 outline_color
#pragma prop: define float opacity
#ifdef PATTERN
#include "_pattern.glsl"
#pragma prop: define vec4 pattern
#pragma prop: define float pixel_ratio
#endif
void main() {
    #pragma prop: initialize vec4 outline_color
    #pragma prop: initialize float opacity
    gl_Position = u_matrix * vec4(a_pos, 0.0, 1.0);
    // The outline's centre in framebuffer pixels: the fragment shader fades with the distance to it,
    // which gives the 2-px GL line MapLibre draws its soft polygon edge.
    v_pos = (gl_Position.xy / gl_Position.w + 1.0) / 2.0 * u_world + u_origin;
#ifdef PATTERN
    #pragma prop: initialize vec4 pattern
    #pragma prop: initialize float pixel_ratio
    set_pattern_pos((pattern.zw - pattern.xy) / pixel_ratio, a_pos);
#endif
    set_clip(a_pos);
    set_layer_depth();
    // This program reaches the GPU with w = 1 (gpu/snap.py: wide GL lines need exact window
    // positions), which would interpolate linearly on screen. MapLibre interpolates v_pos with
    // perspective (the soft edge fades along long pitched edges), so every varying goes out
    // multiplied by 1/w, with 1/w itself, and the fragment shader divides.
    float l = gl_Position.w > 0.0 ? 1.0 / gl_Position.w : 1.0;
    v_persp = l;
    v_pos *= l;
    v_clip *= l;
#ifdef PATTERN
    v_pattern_pos *= l;
#endif
}
