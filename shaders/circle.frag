in vec3 v_data;
#pragma prop: define vec4 color
#pragma prop: define float radius
#pragma prop: define float blur
#pragma prop: define float opacity
#pragma prop: define vec4 stroke_color
#pragma prop: define float stroke_width
#pragma prop: define float stroke_opacity
out vec4 fragColor;
void main() {
    #pragma prop: initialize vec4 color
    #pragma prop: initialize float radius
    #pragma prop: initialize float blur
    #pragma prop: initialize float opacity
    #pragma prop: initialize vec4 stroke_color
    #pragma prop: initialize float stroke_width
    #pragma prop: initialize float stroke_opacity
    vec2 extrude = v_data.xy;
    float extrude_length = length(extrude);
    float antialiased_blur = -max(blur, v_data.z);
    float opacity_t = smoothstep(0.0, antialiased_blur, extrude_length - 1.0);
    float color_t = stroke_width < 0.01 ? 0.0 :
        smoothstep(antialiased_blur, 0.0, extrude_length - radius / (radius + stroke_width));
    fragColor = opacity_t * mix(color * opacity, stroke_color * stroke_opacity, color_t);
}
