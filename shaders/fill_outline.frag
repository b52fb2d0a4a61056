// Drawn with w = 1 (gpu/snap.py, exact), so varyings come premultiplied by 1/w (see the vertex shader).
#define PERSPECTIVE_BY_HAND
#include "_clip.glsl"
in vec2 v_pos;
#pragma prop: define vec4 outline_color
#pragma prop: define float opacity
#ifdef PATTERN
#include "_pattern.glsl"
#pragma prop: define vec4 pattern
#endif
out vec4 fragColor;
void main() {
    apply_clip();
    #pragma prop: initialize vec4 outline_color
    #pragma prop: initialize float opacity
    float dist = length(v_pos / v_persp - gl_FragCoord.xy);
    float alpha = 1.0 - smoothstep(0.0, 1.0, dist);
#ifdef PATTERN
    #pragma prop: initialize vec4 pattern
    fragColor = pattern_color(pattern) * (alpha * opacity);
#else
    fragColor = outline_color * (alpha * opacity);
#endif
}
