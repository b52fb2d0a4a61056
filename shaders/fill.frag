#include "_clip.glsl"
#pragma prop: define vec4 color
#pragma prop: define float opacity
#ifdef PATTERN
#include "_pattern.glsl"
#pragma prop: define vec4 pattern
#endif
out vec4 fragColor;
void main() {
    apply_clip();
    #pragma prop: initialize vec4 color
    #pragma prop: initialize float opacity
#ifdef PATTERN
    #pragma prop: initialize vec4 pattern
    fragColor = pattern_color(pattern) * opacity;
#else
    fragColor = color * opacity;
#endif
}
