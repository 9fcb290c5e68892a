"""The built-in demo networks ``demo:0`` .. ``demo:3``: real StyleGAN2, built from a seed.

They need no file and no training: the architecture is the real one (at 128 px with few
channels, so one CPU thread draws well over 8 frames a second), and the weights are NVIDIA's
random initialisation from a fixed seed, then shaped so the pictures read on a projector:

- A freshly initialised StyleGAN2 adds equally loud toRGB outputs at every resolution, which
  looks like grey high-frequency noise. Scaling each block's toRGB weights by a gain that falls
  with resolution makes the coarse blocks (large, smooth, coloured shapes) dominate and the
  fine blocks add texture. The styles still depend on W, so the picture moves with W.
- Leaky-ReLU activations have a positive mean, so random toRGB weights give every frame the
  same strong colour cast. Each network is calibrated on a few seeded W: the image is linear
  in the toRGB weights and biases, so scaling those weights sets the contrast and the last
  toRGB bias cancels the cast (leaving a chosen tint).
- ``demo:1..3`` are "later snapshots of the same training run": the base weights mixed with a
  seeded perturbation of the same scale, and the colour mix of every toRGB rotated in hue.
  Because they share the base, interpolating weights between two of them crossfades sensibly.

The mapping network and ``w_avg`` are shared by all four, so one W means the same in each.
Building one takes about a second of CPU (mostly the calibration), so built demos are kept in
the network cache, keyed by the code that builds them and the torch version.
"""

from __future__ import annotations

import functools
import hashlib
import math
import re
from pathlib import Path

import torch

from live.synth import networks, ops
from live.synth.cache import cache_root, load_safetensors, save_safetensors
from live.synth.errors import NetworkError
from live.synth.networks import Generator, randomize_

DEMO_COUNT = 4                # demo:0 .. demo:3
DEMO_SEED = 20240611          # seed of the base weights (any value; another one, another look)
DEMO_RESOLUTION = 128         # output size in pixels
DEMO_CHANNEL_BASE = 4096      # channels at resolution r: min(4096 // r, 128) -> 128 .. 32
DEMO_CHANNEL_MAX = 128        # the widest layer; 512 in real networks, cut for CPU speed
DEMO_MAPPING_LAYERS = 8       # as in NVIDIA's networks (the mapping costs little)
DEMO_NOISE_STRENGTH = 0.08    # per-pixel noise gain: a little film grain, visible in "random"
# toRGB gain per block resolution: coarse structure loud, fine detail quiet.
DEMO_TORGB_GAIN = {4: 0.35, 8: 0.45, 16: 0.55, 32: 0.45, 64: 0.2, 128: 0.08}
# Share of a common (grey) component in each toRGB weight: random per-colour weights alone
# vary hue but hardly brightness, which reads as flat on a projector.
DEMO_LUMA_COUPLING = 1.2
DEMO_VARIANT_MIX = 0.8        # weight of a variant's own perturbation against the base
DEMO_HUE_STEP = 2 * math.pi / 3 * 0.55  # colour rotation between consecutive variants (rad)
DEMO_W_AVG_SAMPLES = 1024     # z samples averaged for w_avg (truncation's centre)
DEMO_CALIBRATION_SAMPLES = 8  # seeded W frames measured to set contrast and colour balance
DEMO_TARGET_STD = 0.55        # image std after calibration (x 127.5 in 8-bit: about 70)
# Mean colour after calibration: a slight warm tint so frames are not centred on grey.
DEMO_RGB_TINT = (0.08, -0.02, 0.04)

_SPEC = re.compile(r"demo:(\d+)")


def demo_index(spec: str) -> int:
    """N of ``demo:N``; a clear error for an index out of range."""
    match = _SPEC.fullmatch(spec)
    if match is None or not 0 <= int(match.group(1)) < DEMO_COUNT:
        raise ValueError(f"unknown demo network '{spec}' (use demo:0 .. demo:{DEMO_COUNT - 1})")
    return int(match.group(1))


def demo_init_kwargs() -> dict:
    """Constructor arguments of every demo network."""
    return dict(z_dim=512, c_dim=0, w_dim=512, img_resolution=DEMO_RESOLUTION, img_channels=3,
                mapping_kwargs=dict(num_layers=DEMO_MAPPING_LAYERS),
                synthesis_kwargs=dict(channel_base=DEMO_CHANNEL_BASE,
                                      channel_max=DEMO_CHANNEL_MAX))


def _hue_rotation(angle: float) -> torch.Tensor:
    """3x3 rotation of RGB about the grey axis (keeps brightness, turns hue by ``angle``)."""
    axis = torch.ones(3, dtype=torch.float64) / math.sqrt(3)
    cross = torch.tensor([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]],
                          [-axis[1], axis[0], 0]], dtype=torch.float64)
    rot = (math.cos(angle) * torch.eye(3, dtype=torch.float64) + math.sin(angle) * cross
           + (1 - math.cos(angle)) * torch.outer(axis, axis))
    return rot.float()


@functools.lru_cache(maxsize=1)
def _base_state() -> dict[str, torch.Tensor]:
    """The demo:0 weights (built once per process; each call of build_demo copies them)."""
    G = Generator(**demo_init_kwargs()).eval().requires_grad_(False)
    randomize_(G, DEMO_SEED)
    with torch.no_grad():
        for block in G.synthesis.blocks():
            weight = block.torgb.weight
            weight.add_(DEMO_LUMA_COUPLING * weight.mean(dim=0, keepdim=True))
            weight.mul_(DEMO_TORGB_GAIN[block.resolution])
            for layer in (getattr(block, "conv0", None), block.conv1):
                if layer is not None:
                    layer.noise_strength.fill_(DEMO_NOISE_STRENGTH)
        z = torch.randn([DEMO_W_AVG_SAMPLES, G.z_dim],
                        generator=torch.Generator().manual_seed(DEMO_SEED + 1))
        G.mapping.w_avg.copy_(G.mapping(z)[:, 0].mean(dim=0))
    return {k: v.clone() for k, v in G.state_dict().items()}


@torch.no_grad()
def _calibrate_(G: Generator) -> None:
    """Scale every toRGB weight and set the last toRGB bias so that, over seeded W, the
    image has std ``DEMO_TARGET_STD`` and mean colour ``DEMO_RGB_TINT``."""
    blocks = G.synthesis.blocks()
    for block in blocks:
        block.torgb.bias.zero_()
    z = torch.randn([DEMO_CALIBRATION_SAMPLES, G.z_dim],
                    generator=torch.Generator().manual_seed(DEMO_SEED + 2))
    img = G.synthesis(G.mapping(z))  # linear in the toRGB weights, now without biases
    assert img.shape == (DEMO_CALIBRATION_SAMPLES, 3, DEMO_RESOLUTION, DEMO_RESOLUTION)
    mean = img.mean(dim=(0, 2, 3))
    gain = DEMO_TARGET_STD / (img - mean[None, :, None, None]).std().item()
    for block in blocks:
        block.torgb.weight.mul_(gain)
    blocks[-1].torgb.bias.copy_(torch.tensor(DEMO_RGB_TINT) - gain * mean)


def _variant_state(index: int) -> dict[str, torch.Tensor]:
    """Weights of demo:``index``: the base mixed with a seeded perturbation, hue-rotated."""
    state = {k: v.clone() for k, v in _base_state().items()}
    if index == 0:
        return state
    rng = torch.Generator().manual_seed(DEMO_SEED + 100 + index)
    # Mixing with unit-variance noise and renormalising keeps every weight's scale.
    norm = 1 / math.sqrt(1 + DEMO_VARIANT_MIX ** 2)
    rotation = _hue_rotation(DEMO_HUE_STEP * index)
    for name, value in state.items():
        if not name.startswith("synthesis.") or not name.endswith("weight"):
            continue
        noise = torch.randn(value.shape, generator=rng) * value.std()
        value.copy_((value + DEMO_VARIANT_MIX * noise) * norm)
        if name.endswith("torgb.weight"):
            value.copy_(torch.einsum("ck,kihw->cihw", rotation, value))
    return state


@functools.lru_cache(maxsize=1)
def demo_cache_key() -> str:
    """Changes whenever the code that builds the demos, or torch's random numbers, could."""
    digest = hashlib.sha256(torch.__version__.encode())
    for module in (ops, networks):
        digest.update(Path(module.__file__).read_bytes())
    digest.update(Path(__file__).read_bytes())
    return digest.hexdigest()[:16]


def build_demo(index: int, use_cache: bool = True) -> Generator:
    """demo:``index`` as an eval-mode :class:`Generator` on the CPU (deterministic).

    ``use_cache`` reads/writes the built weights in the network cache.
    """
    if not 0 <= index < DEMO_COUNT:
        raise ValueError(f"unknown demo network demo:{index} "
                         f"(use demo:0 .. demo:{DEMO_COUNT - 1})")
    path = cache_root() / "demo" / f"demo{index}-{demo_cache_key()}.safetensors"
    if use_cache and path.is_file():
        try:
            return load_safetensors(path).eval().requires_grad_(False)
        except NetworkError:
            pass  # a damaged entry is rebuilt below
    G = Generator(**demo_init_kwargs()).eval().requires_grad_(False)
    G.load_state_dict(_variant_state(index))
    _calibrate_(G)
    if use_cache:
        try:
            save_safetensors(G, path, source={"demo": index})
        except OSError:
            pass  # an unwritable cache only costs the build next time
    return G
