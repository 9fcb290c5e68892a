"""The built-in demo networks: deterministic, structured and colourful, distinct variants."""

from __future__ import annotations

import numpy as np
import torch

from live.synth import load_network
from live.synth.demo import DEMO_COUNT, build_demo
from live.synth.netset import image_to_rgb8


def frames(G, ws: torch.Tensor) -> np.ndarray:
    """RGB8 frames ``[N, H, W, 3]`` as the projector gets them."""
    img = G.synthesis(ws)
    return np.stack([image_to_rgb8(i).numpy() for i in img]).astype(np.float64)


def test_demo_is_deterministic_real_stylegan2():
    a, b = load_network("demo:0"), build_demo(0)
    assert (a.z_dim, a.w_dim, a.num_ws, a.img_resolution, a.img_channels) == (512, 512, 12, 128, 3)
    assert a.mapping.w_avg.shape == (512,)
    for name, value in a.state_dict().items():
        assert torch.equal(value, b.state_dict()[name]), name
    # The real architecture: modulated convs with 2x upsampling blocks up to 128 px.
    assert [blk.resolution for blk in a.synthesis.blocks()] == [4, 8, 16, 32, 64, 128]


def test_demo_frames_have_structure_colour_and_follow_w():
    G = build_demo(0)
    z = torch.randn(4, 512, generator=torch.Generator().manual_seed(5))
    rgb = frames(G, G.mapping(z))
    for frame in rgb:
        luma = frame.mean(axis=2)
        assert luma.std() > 20, "flat frame"           # contrast on a 0..255 scale
        assert frame.std(axis=2).mean() > 15, "grey"    # channels differ: colour
        # Structure, not noise: neighbouring pixels are strongly correlated.
        corr = np.corrcoef(luma[:, :-1].ravel(), luma[:, 1:].ravel())[0, 1]
        assert corr > 0.8, corr
        assert (frame < 250).mean() > 0.8 and (frame > 5).mean() > 0.8, "clipped"
    # Different W, clearly different picture.
    assert np.abs(rgb[0] - rgb[1]).mean() > 20


def test_variants_differ_and_crossfade_through_weights():
    nets = [build_demo(i) for i in range(DEMO_COUNT)]
    ws = nets[0].mapping(torch.randn(1, 512, generator=torch.Generator().manual_seed(6)))
    rgb = [frames(G, ws)[0] for G in nets]
    for i in range(DEMO_COUNT):
        for j in range(i + 1, DEMO_COUNT):
            assert np.abs(rgb[i] - rgb[j]).mean() > 20, (i, j)
    # Same training run: the mapping network (what W means) is shared.
    assert torch.equal(nets[1].mapping.fc0.weight, nets[0].mapping.fc0.weight)
    a, b = nets[0].state_dict(), nets[1].state_dict()
    mid = build_demo(0)
    mid.load_state_dict({k: torch.lerp(a[k], b[k], 0.5) for k in a})
    halfway = frames(mid, ws)[0]
    # The midpoint is its own picture, not either end, and still structured.
    assert np.abs(halfway - rgb[0]).mean() > 5 and np.abs(halfway - rgb[1]).mean() > 5
    assert halfway.mean(axis=2).std() > 15


def test_demo_cache_holds_exactly_the_built_network(private_cache):
    built = build_demo(3)
    entries = list((private_cache / "demo").glob("demo3-*.safetensors"))
    assert len(entries) == 1
    cached = build_demo(3)
    fresh = build_demo(3, use_cache=False)
    for name, value in fresh.state_dict().items():
        assert torch.equal(value, cached.state_dict()[name]), name
        assert torch.equal(value, built.state_dict()[name]), name
