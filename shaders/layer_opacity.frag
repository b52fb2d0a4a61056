// Composites a layer drawn on its own (premultiplied) with the layer's group opacity.
uniform sampler2D u_image;
uniform vec2 u_texsize;
uniform float u_opacity;
out vec4 fragColor;
void main() {
    fragColor = texture(u_image, gl_FragCoord.xy / u_texsize) * u_opacity;
}
