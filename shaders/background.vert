#define VERTEX
in vec2 a_pos;
#include "_depth.glsl"
#ifdef PATTERN
// Patterned backgrounds are drawn tile by tile (as MapLibre does) so the pattern is anchored to the map.
uniform mat4 u_matrix;
uniform vec4 u_pattern;
uniform float u_pixel_ratio;
#include "_pattern.glsl"
#endif
void main() {
#ifdef PATTERN
    gl_Position = u_matrix * vec4(a_pos, 0.0, 1.0);
    set_pattern_pos((u_pattern.zw - u_pattern.xy) / u_pixel_ratio, a_pos);
#else
    gl_Position = vec4(a_pos, 0.0, 1.0);
#endif
    set_layer_depth();
}
