in vec4 v_shade;
#ifdef EXACT_DEPTH
flat in vec4 v_depth_plane;
uniform vec2 u_origin;  // window position of the full image's origin in this piece
#endif
#include "_clip.glsl"
#ifdef PATTERN
#include "_pattern.glsl"
#pragma prop: define vec4 pattern
#endif
out vec4 fragColor;
void main() {
    // Coplanar faces of neighbouring features (building parts with equal heights) nearly tie in
    // depth: snapping depth to 2^-16 makes such ties exact so the draw order decides them.
    // With EXACT_DEPTH (big images, render/draw_extrusion.py) depth comes from the face's plane at the
    // pixel's whole-image position instead of the GPU's interpolation, which works from the
    // framebuffer's corner and so rounds differently in each framebuffer piece (a wall would win
    // over its neighbour in one piece and lose in another).
    apply_clip();
#ifdef EXACT_DEPTH
    vec2 px = gl_FragCoord.xy - u_origin;
    float z = v_depth_plane.w > 0.0
        ? v_depth_plane.x * px.x + v_depth_plane.y * px.y + v_depth_plane.z
        : gl_FragCoord.z;
#else
    float z = gl_FragCoord.z;
#endif
    gl_FragDepth = floor(clamp(z, 0.0, 1.0) * 65536.0 + 0.5) / 65536.0;
#ifdef PATTERN
    #pragma prop: initialize vec4 pattern
    fragColor = pattern_color(pattern) * v_shade;
#else
    fragColor = v_shade;
#endif
}
