in vec4 v_shade;
flat in vec4 v_depth_plane;
uniform vec2 u_origin;  // window position of the full image's origin in this piece
#include "_clip.glsl"
#ifdef PATTERN
#include "_pattern.glsl"
#pragma prop: define vec4 pattern
#endif
out vec4 fragColor;
void main() {
    // Depth comes from the face's plane at the pixel's whole-image position, not from the GPU's
    // interpolation, which works from the framebuffer's corner and so rounds differently in each
    // framebuffer piece (a building wall would win over its neighbour in one piece and lose in
    // another). Coplanar faces of neighbouring features (building parts with equal heights) still
    // nearly tie: snapping depth to 2^-16 makes such ties exact so the draw order decides them.
    apply_clip();
    vec2 px = gl_FragCoord.xy - u_origin;
    float z = v_depth_plane.w > 0.0
        ? v_depth_plane.x * px.x + v_depth_plane.y * px.y + v_depth_plane.z
        : gl_FragCoord.z;
    gl_FragDepth = floor(clamp(z, 0.0, 1.0) * 65536.0 + 0.5) / 65536.0;
#ifdef PATTERN
    #pragma prop: initialize vec4 pattern
    fragColor = pattern_color(pattern) * v_shade;
#else
    fragColor = v_shade;
#endif
}
