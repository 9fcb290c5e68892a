#version 330 core
// Resamples the frame texture onto the output and applies the output look.
//
// Texel (i, j) holds image pixel (column i, row j) with row 0 at the top; the sample point
// of a fragment, in texel units, is v_uv * size - 0.5 (pixel centres), exactly as in the
// numpy reference live/compositor/catmull_rom.py.

// UPSCALE_METHOD is defined by the loader (live/compositor/shaders.py), one program per
// method, so a fragment never pays for the methods it does not use:
// 0 nearest, 1 linear, 2 Catmull-Rom in 9 bilinear taps, 3 Catmull-Rom in 16 point taps.
#ifndef UPSCALE_METHOD
#error UPSCALE_METHOD must be defined (0 nearest, 1 linear, 2 bicubic 9 taps, 3 bicubic 16 taps)
#endif

uniform sampler2D u_frame;     // RGBA8, linear filtering, clamp to edge
uniform float u_brightness;    // added after contrast, -1..1
uniform float u_contrast;      // around mid grey, 1 = unchanged
uniform float u_gamma;         // 1 = unchanged; > 1 brightens the mid-tones
uniform float u_fade;          // 1 = picture, 0 = black (blackout fade)
uniform vec3 u_background;     // the output's background, faded: where no frame is
// The performed look (parameters.py, stage "output"); the defaults change nothing.
uniform float u_master;        // output level, 0..1
uniform float u_punch;         // multiplies u_contrast
uniform float u_saturation;    // 0 = grey (Rec. 709 luma), 1 = unchanged
uniform float u_hue;           // HSV hue rotation, in turns (degrees / 360)
uniform bool u_invert;         // negative
uniform float u_flash;         // the strobe's flash toward white, 0 = none
// Zoom, pan and spin as one map of the fragment's place (v_uv - 0.5) to where it reads the
// frame: made once per draw by live/compositor/look.py:view_transform, not per fragment.
uniform vec2 u_view_centre;
uniform mat2 u_view;

in vec2 v_uv;
out vec4 f_color;

// Catmull-Rom weights of the samples at offsets -1, 0, 1, 2 for a fraction t in [0, 1).
vec4 catmull_rom_weights(float t) {
    float t2 = t * t;
    float t3 = t2 * t;
    return vec4(-0.5 * t3 + t2 - 0.5 * t,
                 1.5 * t3 - 2.5 * t2 + 1.0,
                -1.5 * t3 + 2.0 * t2 + 0.5 * t,
                 0.5 * t3 - 0.5 * t2);
}

vec4 sample_nearest(vec2 uv, vec2 size) {
    ivec2 texel = clamp(ivec2(floor(uv * size)), ivec2(0), ivec2(size) - 1);
    return texelFetch(u_frame, texel, 0);
}

// 16 exact texel reads: precise whatever the hardware's filtering precision.
vec4 sample_catmull_rom_16(vec2 uv, vec2 size) {
    vec2 position = uv * size - 0.5;
    vec2 base = floor(position);
    vec4 wx = catmull_rom_weights(position.x - base.x);
    vec4 wy = catmull_rom_weights(position.y - base.y);
    ivec2 top_left = ivec2(base) - 1;
    ivec2 last = ivec2(size) - 1;
    vec4 sum = vec4(0.0);
    for (int j = 0; j < 4; ++j) {
        int y = clamp(top_left.y + j, 0, last.y);
        vec4 row = vec4(0.0);
        for (int i = 0; i < 4; ++i) {
            row += wx[i] * texelFetch(u_frame, ivec2(clamp(top_left.x + i, 0, last.x), y), 0);
        }
        sum += wy[j] * row;
    }
    return sum;
}

// 9 bilinear reads: the two middle taps of each axis have positive weights, so one linear
// fetch between them at w2 / (w1 + w2) gives w1 * a + w2 * b; the outer taps are read at
// texel centres. The edge clamp comes from the texture's CLAMP_TO_EDGE wrap.
vec4 sample_catmull_rom_9(vec2 uv, vec2 size) {
    vec2 position = uv * size - 0.5;
    vec2 base = floor(position);
    vec2 t = position - base;
    vec4 wx = catmull_rom_weights(t.x);
    vec4 wy = catmull_rom_weights(t.y);
    vec2 w_middle = vec2(wx.y + wx.z, wy.y + wy.z);
    vec2 offset_middle = vec2(wx.z, wy.z) / w_middle;
    // Texel-unit positions of the three reads per axis, turned into texture coordinates.
    vec2 uv_before = (base - 1.0 + 0.5) / size;
    vec2 uv_middle = (base + offset_middle + 0.5) / size;
    vec2 uv_after = (base + 2.0 + 0.5) / size;
    vec3 weight_x = vec3(wx.x, w_middle.x, wx.w);
    vec3 weight_y = vec3(wy.x, w_middle.y, wy.w);
    vec3 u = vec3(uv_before.x, uv_middle.x, uv_after.x);
    vec3 v = vec3(uv_before.y, uv_middle.y, uv_after.y);
    vec4 sum = vec4(0.0);
    for (int j = 0; j < 3; ++j) {
        vec4 row = weight_x.x * texture(u_frame, vec2(u.x, v[j]))
                 + weight_x.y * texture(u_frame, vec2(u.y, v[j]))
                 + weight_x.z * texture(u_frame, vec2(u.z, v[j]));
        sum += weight_y[j] * row;
    }
    return sum;
}

// HSV conversions without branches (after Sam Hocevar's, public domain).
vec3 rgb_to_hsv(vec3 c) {
    vec4 K = vec4(0.0, -1.0 / 3.0, 2.0 / 3.0, -1.0);
    vec4 p = mix(vec4(c.bg, K.wz), vec4(c.gb, K.xy), step(c.b, c.g));
    vec4 q = mix(vec4(p.xyw, c.r), vec4(c.r, p.yzx), step(p.x, c.r));
    float d = q.x - min(q.w, q.y);
    float e = 1.0e-10;
    return vec3(abs(q.z + (q.w - q.y) / (6.0 * d + e)), d / (q.x + e), q.x);
}

vec3 hsv_to_rgb(vec3 c) {
    vec3 p = abs(fract(c.xxx + vec3(1.0, 2.0 / 3.0, 1.0 / 3.0)) * 6.0 - 3.0);
    return c.z * mix(vec3(1.0), clamp(p - 1.0, 0.0, 1.0), c.y);
}

void main() {
    vec2 size = vec2(textureSize(u_frame, 0));
    vec2 uv = u_view_centre + u_view * (v_uv - 0.5);
    // 1 inside the frame, 0 where a spin turned the frame away (a mix, not a discard or a
    // branch: both cost llvmpipe most of the draw's time).
    vec2 within = step(vec2(0.0), uv) * step(uv, vec2(1.0));
    float inside = within.x * within.y;
#if UPSCALE_METHOD == 0
    vec4 color = sample_nearest(uv, size);
#elif UPSCALE_METHOD == 1
    vec4 color = texture(u_frame, uv);
#elif UPSCALE_METHOD == 2
    vec4 color = sample_catmull_rom_9(uv, size);
#else
    vec4 color = sample_catmull_rom_16(uv, size);
#endif
    vec3 rgb = clamp(color.rgb, 0.0, 1.0);
    rgb = clamp((rgb - 0.5) * (u_contrast * u_punch) + 0.5 + u_brightness, 0.0, 1.0);
    rgb = pow(rgb, vec3(1.0 / u_gamma));
    float luma = dot(rgb, vec3(0.2126, 0.7152, 0.0722));
    rgb = clamp(mix(vec3(luma), rgb, u_saturation), 0.0, 1.0);
    if (u_hue != 0.0) {
        vec3 hsv = rgb_to_hsv(rgb);
        rgb = hsv_to_rgb(vec3(fract(hsv.x + u_hue), hsv.yz));
    }
    if (u_invert) {
        rgb = 1.0 - rgb;
    }
    rgb = mix(rgb, vec3(1.0), u_flash);
    f_color = vec4(mix(u_background, rgb * (u_master * u_fade), inside), 1.0);
}
