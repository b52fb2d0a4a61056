#include "_clip.glsl"
#pragma prop: define vec4 color
#pragma prop: define float opacity
out vec4 fragColor;
void main() {
    apply_clip();
    #pragma prop: initialize vec4 color
    #pragma prop: initialize float opacity
    fragColor = color * opacity;
}
