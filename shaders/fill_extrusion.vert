#define VERTEX
in vec2 a_pos;
in vec3 a_normal;
in float a_top;
in float a_edge;
uniform mat4 u_matrix;
uniform vec3 u_lightpos;
uniform float u_lightintensity;
uniform vec3 u_lightcolor;
uniform float u_vertical_gradient;
uniform float u_opacity;
out vec4 v_shade;
#ifdef EXACT_DEPTH
uniform mat4 u_matrix_inv_t;  // inverse(u_matrix) transposed: carries face planes to clip space
uniform vec2 u_image_size;    // the whole image in device pixels
// The face's depth as a plane over window pixels, z = x * X + y * Y + z (w = 0: edge-on, unusable)
flat out vec4 v_depth_plane;
#endif
// Buffered geometry of neighbouring tiles overlaps: each tile keeps only its own square, so a
// translucent roof is coloured once (MapLibre uses the stencil buffer for the same purpose).
#include "_clip.glsl"
#pragma prop: define vec4 color
#pragma prop: define float base
#pragma prop: define float height
#ifdef PATTERN
#include "_pattern.glsl"
#pragma prop: define vec4 pattern
#pragma prop: define float pixel_ratio
uniform float u_height_factor;  // metres to tile units for the pattern on walls
#endif
void main() {
    #pragma prop: initialize vec4 color
    #pragma prop: initialize float base
    #pragma prop: initialize float height
    base = max(0.0, base);
    height = max(0.0, height);
    float t = a_top;
    float elevation = t > 0.0 ? height : base;
    gl_Position = u_matrix * vec4(a_pos, elevation, 1.0);
    set_clip(a_pos);
#ifdef EXACT_DEPTH
    // Every vertex of a triangle lies on one face (a roof or one wall) with one normal, so the
    // provoking vertex gives the triangle's plane.
    vec4 pc = u_matrix_inv_t * vec4(a_normal, -dot(a_normal, vec3(a_pos, elevation)));
    if (abs(pc.z) > 1e-30) {
        v_depth_plane = vec4(-pc.x / (pc.z * u_image_size.x), -pc.y / (pc.z * u_image_size.y),
                             0.5 + 0.5 * (pc.x + pc.y - pc.w) / pc.z, 1.0);
    } else {
        v_depth_plane = vec4(0.0);
    }
#endif
#ifdef PATTERN
    #pragma prop: initialize vec4 pattern
    #pragma prop: initialize float pixel_ratio
    // Roofs take the map-anchored pattern; walls unroll it along the ring (edge distance) and upwards.
    bool roof = a_normal.z > 0.99;
    vec2 ppos = roof ? a_pos : vec2(a_edge, elevation * u_height_factor);
    set_pattern_pos((pattern.zw - pattern.xy) / pixel_ratio, ppos);
    float directional = clamp(dot(a_normal, u_lightpos), 0.0, 1.0);
    directional = mix((1.0 - u_lightintensity), max((0.5 + u_lightintensity), 1.0), directional);
    if (a_normal.y != 0.0) {
        directional *= (1.0 - u_vertical_gradient) + (u_vertical_gradient *
            clamp((t + base) * pow(height / 150.0, 0.5), mix(0.7, 0.98, 1.0 - u_lightintensity), 1.0));
    }
    v_shade = vec4(clamp(directional * u_lightcolor, mix(vec3(0.0), vec3(0.3), 1.0 - u_lightcolor), vec3(1.0)), 1.0);
    v_shade *= u_opacity;
#else
    float colorvalue = color.r * 0.2126 + color.g * 0.7152 + color.b * 0.0722;
    v_shade = vec4(0.0, 0.0, 0.0, 1.0);
    color += vec4(0.03, 0.03, 0.03, 1.0);  // slight ambient light: no face is fully black
    float directional = clamp(dot(a_normal, u_lightpos), 0.0, 1.0);
    directional = mix((1.0 - u_lightintensity), max((1.0 - colorvalue + u_lightintensity), 1.0), directional);
    if (a_normal.y != 0.0) {
        directional *= (1.0 - u_vertical_gradient) + (u_vertical_gradient *
            clamp((t + base) * pow(height / 150.0, 0.5), mix(0.7, 0.98, 1.0 - u_lightintensity), 1.0));
    }
    v_shade.r += clamp(color.r * directional * u_lightcolor.r, mix(0.0, 0.3, 1.0 - u_lightcolor.r), 1.0);
    v_shade.g += clamp(color.g * directional * u_lightcolor.g, mix(0.0, 0.3, 1.0 - u_lightcolor.g), 1.0);
    v_shade.b += clamp(color.b * directional * u_lightcolor.b, mix(0.0, 0.3, 1.0 - u_lightcolor.b), 1.0);
    v_shade *= u_opacity;
#endif
}
