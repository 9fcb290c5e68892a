"""A network the projector can be tested on, and videos made from its pictures."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from live.synth.cache import save_safetensors
from live.synth.networks import Generator
# The network cache fixtures too: no test here (nor a CLI it starts) writes the user's cache.
from tests.synth.conftest import private_cache, shared_demo_cache, small_generator  # noqa: F401

RESOLUTION = 64
# A random network's picture swings with every W dimension far more than a trained one's,
# whose W spreads over many directions that change little; StyleGAN2's early perturbation of
# W (5 % of W's whole spread, per dimension) would then wipe the picture out. Damping the
# style affines gives the smooth W -> picture map of a trained network.
AFFINE_DAMPING = 0.1
TARGET_STD = 0.5        # picture contrast, in the network's [-1, 1] range
MEAN_SAMPLES = 2000     # z samples whose mapped mean is the network's w_avg


def projectable_generator(seed: int = 3) -> Generator:
    """A 64 px StyleGAN2 with 512-dimensional W (what projection files hold), a true mean W
    and a picture in range, for projection tests that take seconds on a CPU."""
    G = small_generator(seed=seed, resolution=RESOLUTION, w_dim=512)
    with torch.no_grad():
        for name, parameter in G.synthesis.named_parameters():
            if name.endswith("affine.weight"):
                parameter.mul_(AFFINE_DAMPING)
        z = torch.randn(MEAN_SAMPLES, G.z_dim, generator=torch.Generator().manual_seed(seed))
        ws = G.mapping(z)
        G.mapping.w_avg.copy_(ws[:, 0].mean(dim=0))
        gain = TARGET_STD / G.synthesis(ws[:16]).std().item()
        for block in G.synthesis.blocks():
            if hasattr(block, "torgb"):
                block.torgb.weight.mul_(gain)
                block.torgb.bias.mul_(gain)
    return G


def moving_latents(G: Generator, count: int, seed: int = 7, travel: float = 0.15) -> torch.Tensor:
    """``count`` W+ (one W on every row) moving in a straight line from a mapped W: the
    smooth motion of consecutive video frames."""
    rng = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        a, b = G.mapping(torch.randn(2, G.z_dim, generator=rng))
    steps = torch.linspace(0, travel, count)[:, None, None]
    return a[None] + steps * (b - a)[None]


def write_video(path: Path, frames_rgb: np.ndarray, fps: float) -> Path:
    """Frames ``[N, H, W, 3]`` uint8 as a lossless FFV1 video OpenCV reads back exactly."""
    height, width = frames_rgb.shape[1:3]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"FFV1"), fps, (width, height))
    assert writer.isOpened(), "OpenCV cannot write FFV1"
    for frame in frames_rgb:
        writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    writer.release()
    return path


@pytest.fixture
def network_file(tmp_path: Path) -> Path:
    return save_safetensors(projectable_generator(), tmp_path / "net.safetensors")
