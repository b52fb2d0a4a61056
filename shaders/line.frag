#include "_clip.glsl"
in vec2 v_normal;
in vec2 v_width2;
in float v_gamma_scale;
uniform float u_device_pixel_ratio;
#if defined(DASHED) || defined(PATTERN)
#pragma prop: define float floorwidth
#endif
#ifdef DASHED
#pragma prop: define vec4 dash
uniform sampler2D u_dash_image;   // signed distances to dash edges, 0.5 on the edge (line_atlas.py)
uniform vec2 u_dash_atlas_size;
in vec2 v_dash_tex;
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
#if defined(DASHED) || defined(PATTERN)
    #pragma prop: initialize float floorwidth
#endif
#ifdef DASHED
    // One atlas pixel is (pattern length / 256) floored line widths, so this smoothstep spans about
    // one device pixel on either side of the dash edge whatever the pattern's scale.
    #pragma prop: initialize vec4 dash
    float sdfdist = texture(u_dash_image, v_dash_tex).r;
    float sdfgamma = (u_dash_atlas_size.x / 256.0 / u_device_pixel_ratio) / dash.w;
    alpha *= smoothstep(0.5 - sdfgamma / floorwidth, 0.5 + sdfgamma / floorwidth, sdfdist);
#endif
#ifdef PATTERN
    // MapLibre's line pattern: the image spans the line's width at the integer zoom and repeats along
    // it at that scale; its one-pixel wrapped border is sampled at the line's edges.
    #pragma prop: initialize vec4 pattern
    #pragma prop: initialize float pixel_ratio
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
