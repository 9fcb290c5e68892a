#version 330 core
// The source video's eye region drawn into the synthesized frame (GANce's overlay), its
// edges feathered so the real eyes melt into the synthetic face around them. It is drawn
// before the look, which then treats it as part of the frame (blackout fade included).

uniform sampler2D u_region;    // RGBA8: the source frame's region around its eyes
uniform float u_opacity;       // the live track's fade, 0..1
uniform float u_feather;       // part of the region, from each edge inward, that fades

in vec2 v_uv;
out vec4 f_color;

void main() {
    vec2 edge = min(v_uv, 1.0 - v_uv) * 2.0;          // 0 at an edge, 1 in the middle
    float reach = max(u_feather, 1.0e-4);
    float alpha = smoothstep(0.0, reach, edge.x) * smoothstep(0.0, reach, edge.y);
    f_color = vec4(texture(u_region, v_uv).rgb, alpha * u_opacity);
}
