in vec3 v_texcoord;
uniform sampler2D u_image;
uniform float u_opacity;
uniform float u_brightness_low;
uniform float u_brightness_high;
uniform float u_saturation_factor;
uniform float u_contrast_factor;
uniform vec3 u_spin_weights;
out vec4 fragColor;
// MapLibre's raster colour pipeline, in its order: unpremultiply, hue spin, saturation (towards the
// average of the colour before the spin, as MapLibre computes it), contrast, brightness range.
void main() {
    vec4 color = texture(u_image, v_texcoord.xy / v_texcoord.z);  // premultiplied
    if (color.a > 0.0) {
        color.rgb /= color.a;
    }
    color.a *= u_opacity;
    vec3 rgb = color.rgb;
    rgb = vec3(dot(rgb, u_spin_weights.xyz), dot(rgb, u_spin_weights.zxy), dot(rgb, u_spin_weights.yzx));
    float average = (color.r + color.g + color.b) / 3.0;
    rgb += (average - rgb) * u_saturation_factor;
    rgb = (rgb - 0.5) * u_contrast_factor + 0.5;
    vec3 lo = vec3(u_brightness_low);
    vec3 hi = vec3(u_brightness_high);
    fragColor = vec4(mix(lo, hi, rgb) * color.a, color.a);
}
