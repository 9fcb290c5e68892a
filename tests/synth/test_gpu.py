"""The CUDA frame path: fp16 quality, CUDA graphs against eager drawing, pinned copies.
Skipped without a CUDA device."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from live.contracts.frames import FrameRing
from live.synth import NetworkSet, load_network
from live.synth.bench import fp16_psnr, synthetic_generator
from live.synth.cache import save_safetensors
from live.synth.networks import enable_fp16
from live.synth.netset import image_to_rgb8

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device"),
]

FP16_MIN_PSNR_DB = 30.0   # fp16 top blocks against fp32: visually identical above ~30 dB


def test_cuda_frames_match_eager_drawing_and_land_in_the_slot():
    nets = NetworkSet(["demo:0", "demo:1"], device="cuda", fp16=False)
    G = load_network("demo:0", device="cuda")
    ws = G.mapping(torch.randn(1, 512, device="cuda"))[0]
    with torch.no_grad():
        img = G.synthesis(ws[None], force_fp32=True)
    expected = np.full((128, 128, 4), 255, np.uint8)
    expected[..., :3] = image_to_rgb8(img[0]).cpu().numpy()
    with FrameRing.create(slots=2, height=128, width=128, purpose="synth-gpu-test") as ring:
        for _ in range(3):  # first call captures the graph, later ones replay it
            nets.render_rgba(ws.cpu().numpy(), 0, out=ring.pixels(1))
            # cuDNN may pick other algorithms inside a graph: allow 1 level of rounding.
            diff = np.abs(ring.pixels(1).astype(int) - expected.astype(int))
            assert diff.max() <= 1 and (ring.pixels(1)[..., 3] == 255).all()
    # Another W through the same graph gives another picture.
    other = nets.render_rgba(np.zeros_like(ws.cpu().numpy()), 0)
    assert np.abs(other.astype(int) - expected.astype(int)).mean() > 5


def test_cuda_crossfade_follows_the_fader():
    nets = NetworkSet(["demo:0", "demo:1"], device="cuda")
    ws = load_network("demo:0").mapping(torch.randn(1, 512))[0].numpy()
    a = nets.render_rgba(ws, 0, crossfade_to=1, crossfade=0.2).astype(int)
    b = nets.render_rgba(ws, 0, crossfade_to=1, crossfade=0.8).astype(int)
    again = nets.render_rgba(ws, 0, crossfade_to=1, crossfade=0.2).astype(int)
    assert np.abs(a - b).mean() > 5
    assert np.abs(a - again).max() <= 1


def test_fp16_against_fp32_psnr(tmp_path):
    G = synthetic_generator(256, 16384).cuda()
    enable_fp16(G)
    assert fp16_psnr(G, torch.device("cuda")) >= FP16_MIN_PSNR_DB
    path = save_safetensors(synthetic_generator(256, 16384), tmp_path / "n.safetensors")
    half = NetworkSet([str(path)], device="cuda", fp16=True)
    full = NetworkSet([str(path)], device="cuda", fp16=False)
    ws = half.nets[0].mapping(torch.randn(1, 512, device="cuda"))[0].cpu().numpy()
    diff = half.render_rgba(ws, 0).astype(float) - full.render_rgba(ws, 0).astype(float)
    assert 10 * np.log10(255 ** 2 / max((diff ** 2).mean(), 1e-12)) >= FP16_MIN_PSNR_DB
