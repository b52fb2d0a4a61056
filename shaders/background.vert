#define VERTEX
in vec2 a_pos;
#include "_depth.glsl"
void main() {
    gl_Position = vec4(a_pos, 0.0, 1.0);
    set_layer_depth();
}
