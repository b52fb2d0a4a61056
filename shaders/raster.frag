#include "_clip.glsl"
in vec2 v_texcoord;
uniform sampler2D u_image;
uniform float u_opacity;
uniform float u_brightness_low;
uniform float u_brightness_high;
uniform float u_saturation_factor;
uniform float u_contrast_factor;
uniform vec3 u_spin_weights;
out vec4 fragColor;
void main() {
    apply_clip();
    vec4 color = texture(u_image, v_texcoord);  // premultiplied
    color *= u_opacity;
    vec3 rgb = color.a > 0.0 ? color.rgb / color.a : vec3(0.0);
    rgb = vec3(dot(rgb, u_spin_weights.xyz), dot(rgb, u_spin_weights.zxy), dot(rgb, u_spin_weights.yzx));
    float average = (rgb.r + rgb.g + rgb.b) / 3.0;
    rgb += (average - rgb) * u_saturation_factor;
    rgb = (rgb - 0.5) * u_contrast_factor + 0.5;
    vec3 hi = vec3(u_brightness_high);
    vec3 lo = vec3(u_brightness_low);
    fragColor = vec4(mix(lo, hi, rgb) * color.a, color.a);
}
