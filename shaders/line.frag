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
#ifdef GRADIENT
uniform sampler2D u_gradient;
in vec2 v_uv;
#endif
#ifdef PATTERN
#pragma prop: define vec4 pattern
#pragma prop: define float pixel_ratio
#pragma prop: define float floorwidth
uniform sampler2D u_image;
uniform vec2 u_texsize;
uniform float u_tile_units_to_pixels;
in float v_tile_linesofar;
#endif
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
#ifdef PATTERN
    // MapLibre's line pattern: the image spans the line's width at the integer zoom and repeats along
    // it at that scale; its one-pixel wrapped border is sampled at the line's edges.
    #pragma prop: initialize vec4 pattern
    #pragma prop: initialize float pixel_ratio
    #pragma prop: initialize float floorwidth
    if (pattern.z <= pattern.x) discard;
    vec2 display_size = (pattern.zw - pattern.xy) / pixel_ratio;
    float pattern_len = display_size.x / u_tile_units_to_pixels;
    float aspect = display_size.y / floorwidth;
    float px = mod(v_tile_linesofar / pattern_len * aspect, 1.0);
    float py = 0.5 * v_normal.y + 0.5;
    vec2 texel = 1.0 / u_texsize;
    vec2 tpos = mix(pattern.xy * texel - texel, pattern.zw * texel + texel, vec2(px, py));
    fragColor = texture(u_image, tpos) * (alpha * opacity);
#elif defined(GRADIENT)
    fragColor = texture(u_gradient, v_uv) * (alpha * opacity);
#else
    fragColor = color * (alpha * opacity);
#endif
}
