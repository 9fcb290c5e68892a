#version 330 core
// Draws an RGBA overlay image (the HUD's text) blended over the output by its alpha.

uniform sampler2D u_overlay;

in vec2 v_uv;
out vec4 f_color;

void main() {
    f_color = texture(u_overlay, v_uv);
}
