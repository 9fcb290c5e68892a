"""Shared fixtures: small real generators, and a private network cache for every test."""

from __future__ import annotations

import pytest
import torch

from live.synth.networks import Generator, build_generator, randomize_

# Small enough that building, pickling and drawing one takes milliseconds.
SMALL_RESOLUTION = 32
SMALL_CHANNEL_BASE = 256   # 64 channels at 4 px ... 8 at 32 px, capped below
SMALL_CHANNEL_MAX = 32


def small_generator(seed: int = 0, architecture: str = "skip", num_fp16_res: int = 0,
                    conv_clamp: float | None = None, resolution: int = SMALL_RESOLUTION,
                    mapping_layers: int = 2, w_dim: int = 64) -> Generator:
    """A random StyleGAN2 whose every weight, bias, noise strength and w_avg is non-trivial
    (NVIDIA's init leaves biases and noise strengths at 0, which would hide mapping bugs).
    Affine biases are multiples of 2^-10 so TensorFlow's ``mod_bias = bias - 1`` is exact.
    ``w_dim`` (z too): 512 where W must be what real networks and projection files hold."""
    G = build_generator(dict(
        z_dim=w_dim, c_dim=0, w_dim=w_dim, img_resolution=resolution, img_channels=3,
        mapping_kwargs=dict(num_layers=mapping_layers),
        synthesis_kwargs=dict(channel_base=SMALL_CHANNEL_BASE, channel_max=SMALL_CHANNEL_MAX,
                              architecture=architecture, num_fp16_res=num_fp16_res,
                              conv_clamp=conv_clamp)))
    randomize_(G, seed)
    rng = torch.Generator().manual_seed(seed + 1)
    with torch.no_grad():
        for name, p in G.named_parameters():
            if name.endswith("bias") or name.endswith("noise_strength"):
                p.add_(torch.randn(p.shape, generator=rng) * 0.2)
            if name.endswith("affine.bias"):
                p.copy_(torch.round(p * 1024) / 1024)
        G.mapping.w_avg.copy_(torch.randn(G.w_dim, generator=rng))
    return G


@pytest.fixture(scope="session")
def shared_demo_cache(tmp_path_factory):
    """Built demo networks, shared by the session's tests (building one takes ~1 s)."""
    return tmp_path_factory.mktemp("demo-cache")


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch, shared_demo_cache):
    """Every test gets its own network cache folder (never the user's ~/.cache); only its
    ``demo`` folder is the session's shared one."""
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "demo").symlink_to(shared_demo_cache, target_is_directory=True)
    monkeypatch.setenv("GANCE_LIVE_CACHE", str(cache))
    return cache
