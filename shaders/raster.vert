#define VERTEX
// A unit quad (or grid) stretched over four corners in tile units: a tile square (or the part of it
// no higher tile covers), or an image source's quad. u_image_warp = (px, py, blend) maps the unit
// square projectively onto the corners (MapLibre's image warp), blended towards the plain bilinear
// map by blend; tiles use (0, 0, 1).
in vec2 a_pos;
uniform mat4 u_matrix;
uniform vec4 u_coords_top;     // top-left xy, top-right xy
uniform vec4 u_coords_bottom;  // bottom-left xy, bottom-right xy
uniform vec4 u_tex_rect;       // texture sub-rectangle x0, y0, x1, y1 drawn on the quad
uniform vec3 u_image_warp;
out vec3 v_texcoord;           // homogeneous: divide xy by z per fragment
#include "_depth.glsl"
void main() {
    vec2 tl = u_coords_top.xy;
    vec2 tr = u_coords_top.zw;
    vec2 bl = u_coords_bottom.xy;
    vec2 br = u_coords_bottom.zw;
    vec2 bilinear = mix(mix(tl, tr, a_pos.x), mix(bl, br, a_pos.x), a_pos.y);
    float denominator = dot(u_image_warp.xy, a_pos) + 1.0;
    vec2 across = tr - tl + u_image_warp.x * tr;
    vec2 down = bl - tl + u_image_warp.y * bl;
    vec2 projective = (across * a_pos.x + down * a_pos.y + tl) / denominator;
    vec2 pos = mix(projective, bilinear, u_image_warp.z);
    gl_Position = u_matrix * vec4(pos, 0.0, 1.0);
    float ratio = mix(1.0 / denominator, 1.0, u_image_warp.z);
    v_texcoord = vec3(mix(u_tex_rect.xy, u_tex_rect.zw, a_pos) * ratio, ratio);
    set_layer_depth();
}
