#version 330 core
// The layer stack (issue 12): the video layer under the GAN frame, which was drawn into a
// layer of its own (alpha = where the frame is), mixed over it by opacity and blend mode.
//
// Drawn as one quad over the whole output: the video is read at v_uv (image rows top-down,
// the quad's corners say which way up), the frame layer texel for texel at gl_FragCoord,
// since it was drawn into a framebuffer of this output's size the same way up.

uniform sampler2D u_video;     // RGBA8, the newest camera or file picture
uniform sampler2D u_layer;     // the GAN frame drawn as frame.frag draws it, over transparency
uniform bool u_has_video;      // false: the background is below the frame
uniform vec3 u_background;     // the output's background, already faded
uniform float u_fade;          // 1 = picture, 0 = black (the blackout fades the video too)
uniform float u_opacity;       // frame_opacity
uniform int u_blend;           // frame_blend: 0 normal, 1 add, 2 screen, 3 multiply

in vec2 v_uv;
out vec4 f_color;

void main() {
    vec3 below = u_has_video ? texture(u_video, v_uv).rgb * u_fade : u_background;
    vec4 frame = texelFetch(u_layer, ivec2(gl_FragCoord.xy), 0);
    vec3 mixed = frame.rgb;
    if (u_blend == 1) {
        mixed = min(below + frame.rgb, 1.0);
    } else if (u_blend == 2) {
        mixed = 1.0 - (1.0 - below) * (1.0 - frame.rgb);
    } else if (u_blend == 3) {
        mixed = below * frame.rgb;
    }
    f_color = vec4(mix(below, mixed, u_opacity * frame.a), 1.0);
}
