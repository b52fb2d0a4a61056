in vec4 v_shade;
out vec4 fragColor;
void main() {
    // Coplanar faces of neighbouring features (building parts with equal heights) tie in depth, and
    // interpolation rounding would pick a different winner per pixel depending on where a framebuffer
    // piece starts. Snapping depth to 2^-16 makes such ties exact so the draw order decides them.
    gl_FragDepth = floor(gl_FragCoord.z * 65536.0 + 0.5) / 65536.0;
    fragColor = v_shade;
}
