uniform vec4 u_color;
uniform float u_opacity;
#ifdef PATTERN
uniform vec4 u_pattern;
#include "_pattern.glsl"
#endif
out vec4 fragColor;
void main() {
#ifdef PATTERN
    fragColor = pattern_color(u_pattern) * u_opacity;
#else
    fragColor = u_color * u_opacity;
#endif
}
