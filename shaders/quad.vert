#version 330 core
// A textured quad (the frame, or an overlay such as the HUD) whose corners were placed (NDC)
// and oriented (texture coordinates) on the CPU by live/compositor/placement.py, so
// rotation, mirroring and aspect cost nothing here.

in vec2 in_position;   // normalised device coordinates, y up
in vec2 in_uv;         // (0, 0) = top-left pixel of the image

// -1 when drawing into a texture that is read back: glReadPixels returns the bottom row
// first, so flipping here hands the recorder top-down rows without a CPU copy.
uniform float u_flip_y;

out vec2 v_uv;

void main() {
    v_uv = in_uv;
    gl_Position = vec4(in_position.x, in_position.y * u_flip_y, 0.0, 1.0);
}
