in vec4 v_shade;
out vec4 fragColor;
void main() {
    fragColor = v_shade;
}
