// 2D layers drawn after a fill-extrusion layer sit behind every building (MapLibre keeps 3D layers in
// the front of the depth range), so they are pushed to u_layer_depth and depth-tested.
uniform float u_layer_depth;
void set_layer_depth() {
    gl_Position.z = u_layer_depth * gl_Position.w;
}
