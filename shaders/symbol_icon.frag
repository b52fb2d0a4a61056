uniform sampler2D u_texture;
in vec2 v_tex;
in float v_opacity;
out vec4 frag_color;
void main() {
    // the icon atlas holds premultiplied RGBA
    frag_color = texture(u_texture, v_tex) * v_opacity;
}
