"""The generator's structure and semantics: shapes, W+ splitting, truncation, noise modes,
architectures, fused/non-fused equivalence, fp16 handling."""

from __future__ import annotations

import pytest
import torch

from live.synth.networks import Generator, build_generator, enable_fp16, randomize_
from live.synth.ops import bias_act
from tests.synth.conftest import small_generator


def test_num_ws_and_parameter_names_follow_nvidia():
    G = Generator(z_dim=512, c_dim=0, w_dim=512, img_resolution=1024, img_channels=3,
                  synthesis_kwargs=dict(channel_base=32768))
    assert G.num_ws == 18 and G.mapping.num_ws == 18
    names = set(G.state_dict())
    for expected in ("mapping.w_avg", "mapping.fc7.weight", "synthesis.b4.const",
                     "synthesis.b4.conv1.noise_const", "synthesis.b4.conv1.affine.bias",
                     "synthesis.b1024.conv0.resample_filter", "synthesis.b1024.torgb.weight",
                     "synthesis.b8.conv0.noise_strength"):
        assert expected in names
    # config-f channel counts: 512 up to 64 px, then 32768 // res.
    assert G.synthesis.b64.conv1.weight.shape == (512, 512, 3, 3)
    assert G.synthesis.b1024.conv1.weight.shape == (32, 32, 3, 3)


def test_output_shape_and_determinism():
    G = small_generator(seed=3)
    z = torch.randn(2, G.z_dim)
    ws = G.mapping(z)
    assert ws.shape == (2, G.num_ws, G.w_dim)
    img = G.synthesis(ws)
    assert img.shape == (2, 3, 32, 32) and img.dtype == torch.float32
    assert torch.equal(img, G.synthesis(ws))
    assert torch.equal(G(z), img)
    again = small_generator(seed=3)
    assert torch.equal(again.synthesis(ws), img)


def test_each_w_steers_its_own_layers():
    G = small_generator(seed=1)
    ws = G.mapping(torch.randn(1, G.z_dim))
    base = G.synthesis(ws)
    for idx in range(G.num_ws):
        changed = ws.clone()
        changed[:, idx] += 1.0
        assert not torch.equal(G.synthesis(changed), base), idx


def test_truncation_with_and_without_cutoff():
    G = small_generator(seed=2)
    z = torch.randn(3, G.z_dim)
    ws = G.mapping(z)
    half = G.mapping(z, truncation_psi=0.5)
    torch.testing.assert_close(half, G.mapping.w_avg + 0.5 * (ws - G.mapping.w_avg))
    cut = G.mapping(z, truncation_psi=0.0, truncation_cutoff=2)
    torch.testing.assert_close(cut[:, :2], G.mapping.w_avg.expand(3, 2, -1))
    torch.testing.assert_close(cut[:, 2:], ws[:, 2:])


def test_noise_modes():
    G = small_generator(seed=4)
    ws = G.mapping(torch.randn(1, G.z_dim))
    const = G.synthesis(ws, noise_mode="const")
    none = G.synthesis(ws, noise_mode="none")
    torch.manual_seed(0)
    random_a = G.synthesis(ws, noise_mode="random")
    random_b = G.synthesis(ws, noise_mode="random")
    assert torch.equal(const, G.synthesis(ws, noise_mode="const"))
    assert not torch.equal(const, none)
    assert not torch.equal(random_a, random_b)
    with torch.no_grad():
        for module in G.modules():
            if hasattr(module, "noise_strength"):
                module.noise_strength.zero_()
    # With zero strengths every mode is the same function.
    assert torch.equal(G.synthesis(ws, noise_mode="const"), G.synthesis(ws, noise_mode="none"))


@pytest.mark.parametrize("architecture", ["orig", "skip", "resnet"])
def test_architectures_build_and_differ(architecture):
    G = small_generator(seed=5, architecture=architecture)
    blocks = G.synthesis.blocks()
    assert all(hasattr(b, "torgb") == (architecture == "skip" or b.is_last) for b in blocks)
    assert all(hasattr(b, "skip") == (architecture == "resnet" and b.in_channels > 0)
               for b in blocks)
    img = G(torch.randn(2, G.z_dim))
    assert img.shape == (2, 3, 32, 32) and torch.isfinite(img).all()


def test_fused_and_unfused_modconv_agree():
    G = small_generator(seed=6)
    ws = G.mapping(torch.randn(3, G.z_dim))
    fused = G.synthesis(ws, fused_modconv=True)
    unfused = G.synthesis(ws, fused_modconv=False)
    torch.testing.assert_close(fused, unfused, rtol=1e-4, atol=1e-4)


def test_fp16_blocks_run_fp32_on_cpu_and_clamp_is_applied():
    G = small_generator(seed=7, num_fp16_res=2, conv_clamp=0.5)
    assert [b.use_fp16 for b in G.synthesis.blocks()] == [False, False, True, True]
    ws = G.mapping(torch.randn(1, G.z_dim))
    img = G.synthesis(ws)
    assert img.dtype == torch.float32
    # A tiny conv_clamp bounds every toRGB output: the image is a sum of clamped terms.
    assert img.abs().max() <= 0.5 * len(G.synthesis.blocks()) + 1e-6
    unclamped = small_generator(seed=7, num_fp16_res=2, conv_clamp=None)
    assert not torch.equal(unclamped.synthesis(ws), img)


def test_enable_fp16_marks_top_blocks_and_adds_clamp():
    G = small_generator(seed=8)
    enable_fp16(G, num_res=2, conv_clamp=256)
    assert [b.use_fp16 for b in G.synthesis.blocks()] == [False, False, True, True]
    assert G.synthesis.b32.conv1.conv_clamp == 256 and G.synthesis.b4.conv1.conv_clamp == 256
    assert G.synthesis.b32.conv1.weight.is_contiguous(memory_format=torch.channels_last)


def test_conditional_mapping_needs_labels():
    G = build_generator(dict(z_dim=16, c_dim=4, w_dim=16, img_resolution=8, img_channels=3,
                             mapping_kwargs=dict(num_layers=2),
                             synthesis_kwargs=dict(channel_base=64, channel_max=8)))
    randomize_(G, 0)
    z = torch.randn(2, 16)
    with pytest.raises(ValueError, match="conditional"):
        G.mapping(z)
    a = G.mapping(z, torch.eye(4)[:2])
    b = G.mapping(z, torch.eye(4)[2:])
    assert a.shape == (2, G.num_ws, 16) and not torch.equal(a, b)


def test_activation_bias_act_defaults():
    x = torch.tensor([[-1.0, 2.0]])
    torch.testing.assert_close(bias_act(x, act="lrelu"), torch.tensor([[-0.2, 2.0]]) * 2 ** 0.5)
    with pytest.raises(ValueError, match="unknown activation"):
        bias_act(x, act="gelu2")
