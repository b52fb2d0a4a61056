// Colour the accumulated density through the heatmap-color ramp (256 texels over density 0..1).
uniform sampler2D u_image;
uniform sampler2D u_color_ramp;
uniform float u_opacity;
uniform vec2 u_origin;     // window position of the full image's origin in this piece
uniform vec2 u_size;       // full image size, device pixels
uniform vec2 u_qsize;      // size of the quarter-resolution density view
uniform vec2 u_qorigin;    // its origin inside the density texture
uniform vec2 u_tex_size;   // density texture size
out vec4 fragColor;
void main() {
    vec2 uv = (gl_FragCoord.xy - u_origin) / u_size;
    vec2 q = (uv * u_qsize + u_qorigin) / u_tex_size;
    float t = texture(u_image, q).r;
    fragColor = texture(u_color_ramp, vec2(t, 0.5)) * u_opacity;
}
