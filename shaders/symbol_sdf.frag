// MapLibre's SDF text: the glyph edge sits at 192/256 of the distance field, the halo reaches 6 SDF
// pixels out, and the smoothing width (gamma) shrinks with the device pixel ratio so @2x stays sharp.
#define SDF_PX 8.0
uniform sampler2D u_texture;
uniform bool u_is_halo;
uniform float u_device_pixel_ratio;
in vec2 v_tex;
in vec2 v_data;
in vec4 v_fill_color;
in vec4 v_halo_color;
in vec3 v_props;
out vec4 frag_color;
void main() {
    float edge_gamma = 0.105 / u_device_pixel_ratio;
    float font_scale = v_data.x;
    vec4 color = v_fill_color;
    float gamma = edge_gamma / font_scale;
    float inner_edge = (256.0 - 64.0) / 256.0;
    if (u_is_halo) {
        color = v_halo_color;
        gamma = (v_props.z * 1.19 / SDF_PX + edge_gamma) / font_scale;
        inner_edge = inner_edge + gamma * v_data.y;
    }
    float dist = texture(u_texture, v_tex).r;
    float gamma_scaled = gamma * v_data.y;
    float alpha = smoothstep(inner_edge - gamma_scaled, inner_edge + gamma_scaled, dist);
    if (u_is_halo) {
        // The halo is a ring: its inside stays clear so transparent text shows what is beneath.
        float halo_edge = (6.0 - v_props.y / font_scale) / SDF_PX;
        alpha = min(smoothstep(halo_edge - gamma_scaled, halo_edge + gamma_scaled, dist), 1.0 - alpha);
    }
    frag_color = color * (alpha * v_props.x);
}
