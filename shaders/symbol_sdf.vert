// Symbol quads arrive in clip space of the whole image: placement put every glyph on the CPU, once.
in vec4 a_clip;
in vec2 a_tex;
in vec2 a_data;        // font scale (size / 24 * perspective ratio), gamma scale
in vec4 a_fill_color;
in vec4 a_halo_color;
in vec3 a_props;       // opacity, halo width, halo blur
uniform vec2 u_texsize;
out vec2 v_tex;
out vec2 v_data;
out vec4 v_fill_color;
out vec4 v_halo_color;
out vec3 v_props;
void main() {
    gl_Position = a_clip;
    v_tex = a_tex / u_texsize;
    v_data = a_data;
    v_fill_color = a_fill_color;
    v_halo_color = a_halo_color;
    v_props = a_props;
}
