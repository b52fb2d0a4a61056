#define VERTEX
in vec2 a_pos;
uniform mat4 u_matrix;
#include "_clip.glsl"
#include "_depth.glsl"
#pragma prop: define vec4 color
#pragma prop: define float opacity
#ifdef PATTERN
#include "_pattern.glsl"
#pragma prop: define vec4 pattern
#pragma prop: define float pixel_ratio
#endif
void main() {
    #pragma prop: initialize vec4 color
    #pragma prop: initialize float opacity
    gl_Position = u_matrix * vec4(a_pos, 0.0, 1.0);
#ifdef PATTERN
    #pragma prop: initialize vec4 pattern
    #pragma prop: initialize float pixel_ratio
    set_pattern_pos((pattern.zw - pattern.xy) / pixel_ratio, a_pos);
#endif
    set_clip(a_pos);
    set_layer_depth();
}
