#define VERTEX
in vec2 a_pos;
in vec2 a_texcoord;
uniform mat4 u_matrix;
out vec2 v_texcoord;
#include "_clip.glsl"
#include "_depth.glsl"
void main() {
    gl_Position = u_matrix * vec4(a_pos, 0.0, 1.0);
    v_texcoord = a_texcoord;
    set_clip(a_pos);
    set_layer_depth();
}
