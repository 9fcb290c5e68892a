#version 330 core
// Feedback trails, one step per output period (live/compositor/renderer.py): the trail
// keeps the brightest of the new frame and the previous trail faded by u_keep, and the
// picture drawn is the frame mixed with its trail by u_feedback. Both targets have the
// frame's size, so v_uv is always a texel centre.

uniform sampler2D u_frame;     // the frame just uploaded (RGBA8)
uniform sampler2D u_trail;     // the previous period's trail (float)
uniform float u_keep;          // how much of a trail is left after one period, 0..1
uniform float u_feedback;      // the trail's share of the picture, 0..1

in vec2 v_uv;
layout(location = 0) out vec4 f_trail;
layout(location = 1) out vec4 f_picture;

void main() {
    vec3 frame = texture(u_frame, v_uv).rgb;
    vec3 trail = max(frame, texture(u_trail, v_uv).rgb * u_keep);
    f_trail = vec4(trail, 1.0);
    f_picture = vec4(mix(frame, trail, u_feedback), 1.0);
}
