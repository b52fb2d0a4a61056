#define VERTEX
// The part of a DEM tile left visible by higher tiles: u_rect (fractions of the tile) drawn over the
// tile's 8192-unit square, sampling the slope texture at the same fractions.
in vec2 a_pos;
uniform mat4 u_matrix;
uniform vec4 u_rect;
out vec2 v_pos;
#include "_depth.glsl"
void main() {
    v_pos = mix(u_rect.xy, u_rect.zw, a_pos);
    gl_Position = u_matrix * vec4(v_pos * 8192.0, 0.0, 1.0);
    set_layer_depth();
}
