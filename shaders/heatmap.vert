#define VERTEX
// One Gaussian kernel per point, in a quad just big enough that the kernel's value at its edge is
// below what an 8-bit density texture could show (MapLibre's heatmap vertex shader).
in vec2 a_pos;
in vec2 a_corner;
uniform mat4 u_matrix;
uniform float u_extrude_scale;  // tile units per CSS pixel
uniform float u_intensity;
out vec2 v_extrude;
#pragma prop: define float weight
#pragma prop: define float radius
const float ZERO = 1.0 / 255.0 / 16.0;
#define GAUSS_COEF 0.3989422804014327
void main() {
    #pragma prop: initialize float weight
    #pragma prop: initialize float radius
    // Solve weight * intensity * GAUSS_COEF * exp(-4.5 * s^2) = ZERO for the quad's half size s.
    float S = sqrt(-2.0 * log(ZERO / weight / u_intensity / GAUSS_COEF)) / 3.0;
    v_extrude = S * a_corner;
    vec2 extrude = v_extrude * radius * u_extrude_scale;
    gl_Position = u_matrix * vec4(a_pos + extrude, 0.0, 1.0);
}
