// Kernel density: a Gaussian whose standard deviation is a third of heatmap-radius, summed by
// additive blending into a float texture.
in vec2 v_extrude;
uniform float u_intensity;
out vec4 fragColor;
#pragma prop: define float weight
#define GAUSS_COEF 0.3989422804014327
void main() {
    #pragma prop: initialize float weight
    float d = -0.5 * 3.0 * 3.0 * dot(v_extrude, v_extrude);
    float val = weight * u_intensity * GAUSS_COEF * exp(d);
    fragColor = vec4(val, 1.0, 1.0, 1.0);
}
