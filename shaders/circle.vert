#define VERTEX
in vec2 a_pos;
in vec2 a_corner;
uniform mat4 u_matrix;
uniform bool u_scale_with_map;
uniform bool u_pitch_with_map;
uniform vec2 u_extrude_scale;
uniform float u_camera_to_center_distance;
uniform float u_device_pixel_ratio;
out vec3 v_data;
#include "_depth.glsl"
#pragma prop: define vec4 color
#pragma prop: define float radius
#pragma prop: define float blur
#pragma prop: define float opacity
#pragma prop: define vec4 stroke_color
#pragma prop: define float stroke_width
#pragma prop: define float stroke_opacity
void main() {
    #pragma prop: initialize vec4 color
    #pragma prop: initialize float radius
    #pragma prop: initialize float blur
    #pragma prop: initialize float opacity
    #pragma prop: initialize vec4 stroke_color
    #pragma prop: initialize float stroke_width
    #pragma prop: initialize float stroke_opacity
    vec2 extrude = a_corner;
    float size = radius + stroke_width;
    if (u_pitch_with_map) {
        vec2 corner = a_pos;
        if (u_scale_with_map) {
            corner += extrude * size * u_extrude_scale;
        } else {
            vec4 pc = u_matrix * vec4(a_pos, 0.0, 1.0);
            corner += extrude * size * u_extrude_scale * (pc.w / u_camera_to_center_distance);
        }
        gl_Position = u_matrix * vec4(corner, 0.0, 1.0);
    } else {
        gl_Position = u_matrix * vec4(a_pos, 0.0, 1.0);
        if (u_scale_with_map) {
            gl_Position.xy += extrude * size * u_extrude_scale * u_camera_to_center_distance;
        } else {
            gl_Position.xy += extrude * size * u_extrude_scale * gl_Position.w;
        }
    }
    // A minimum blur of about one device pixel stands in for antialiasing.
    float antialiasblur = 1.0 / u_device_pixel_ratio / max(size, 1e-6);
    v_data = vec3(extrude, antialiasblur);
    set_layer_depth();
}
