// Plain (non-SDF) icons: RGBA sprite images, positions already in clip space (see symbol_sdf.vert).
in vec4 a_clip;
in vec2 a_tex;
in vec3 a_props;       // opacity
uniform vec2 u_texsize;
out vec2 v_tex;
out float v_opacity;
void main() {
    gl_Position = a_clip;
    v_tex = a_tex / u_texsize;
    v_opacity = a_props.x;
}
