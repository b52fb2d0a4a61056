#include "_clip.glsl"
in vec2 v_normal;
in vec2 v_width2;
in float v_gamma_scale;
in float v_linesofar;
uniform float u_device_pixel_ratio;
#ifdef DASHED
uniform float u_dash[16];   // cumulative dash edges in CSS pixels, u_dash[u_dash_count-1] = period
uniform int u_dash_count;
#endif
#pragma prop: define vec4 color
#pragma prop: define float opacity
#pragma prop: define float blur
out vec4 fragColor;
void main() {
    apply_clip();
    #pragma prop: initialize vec4 color
    #pragma prop: initialize float opacity
    #pragma prop: initialize float blur
    float dist = length(v_normal) * v_width2.s;
    float blur2 = (blur + 1.0 / u_device_pixel_ratio) * v_gamma_scale;
    float alpha = clamp(min(dist - (v_width2.t - blur2), v_width2.s - dist) / blur2, 0.0, 1.0);
#ifdef DASHED
    // Signed distance to the nearest dash edge (positive inside a dash), in CSS pixels.
    float period = u_dash[u_dash_count - 1];
    float s = mod(v_linesofar, period);
    float sd = -1e9;
    float prev = 0.0;
    for (int i = 0; i < 16; i++) {
        if (i >= u_dash_count) break;
        float edge = u_dash[i];
        if (i % 2 == 0) {
            // dash from prev to edge (wrapping dashes at both ends of the period count too)
            float d = min(s - prev, edge - s);
            d = max(d, min(s - (prev - period), (edge - period) - s));
            d = max(d, min(s - (prev + period), (edge + period) - s));
            sd = max(sd, d);
        }
        prev = edge;
    }
    alpha *= clamp(sd * u_device_pixel_ratio + 0.5, 0.0, 1.0);
#endif
    fragColor = color * (alpha * opacity);
}
