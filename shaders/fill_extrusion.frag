in vec4 v_shade;
#include "_clip.glsl"
#ifdef PATTERN
#include "_pattern.glsl"
#pragma prop: define vec4 pattern
#endif
out vec4 fragColor;
void main() {
    // Coplanar faces of neighbouring features (building parts with equal heights) tie in depth, and
    // interpolation rounding would pick a different winner per pixel depending on where a framebuffer
    // piece starts. Snapping depth to 2^-16 makes such ties exact so the draw order decides them.
    apply_clip();
    gl_FragDepth = floor(gl_FragCoord.z * 65536.0 + 0.5) / 65536.0;
#ifdef PATTERN
    #pragma prop: initialize vec4 pattern
    fragColor = pattern_color(pattern) * v_shade;
#else
    fragColor = v_shade;
#endif
}
