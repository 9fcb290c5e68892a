"""Optimising a batch of frames into W, StyleGAN2's way (pure torch: no files, no video).

As in NVIDIA's stylegan2-ada-pytorch projector: the latent starts from the mean W (or, for
every frame after a shard's first, from the previous frame's result), each step draws it with a
random perturbation that decays to nothing over the first three quarters, the learning rate
ramps up over the first 5 % and down with a cosine over the last 25 %, and Adam minimises the
distance. Optionally the per-pixel noise maps are optimised too, with StyleGAN2's penalty on
their autocorrelation and a renormalisation after each step.

Every frame's random draws come from its own generator seeded by (seed, frame index), and the
loss is a sum of per-frame terms, so a frame's result does not depend on which other frames
share its batch: a resumed projection ends identical to an uninterrupted one.
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass, replace
from typing import Callable, Iterator

import numpy as np
import torch
import torch.nn.functional as F

from live.projector.distance import Distance
from live.synth.networks import Generator, SynthesisLayer

W_STD_SAMPLES = 10000   # z samples whose spread around the mean W sets the perturbation's size
W_STD_SEED = 123        # fixed, so the spread (and every projection) is reproducible
W_STD_CHUNK = 2000      # samples mapped at a time
NOISE_MAP_FLOOR = 8     # the noise penalty looks at each map down to 8x8 px


@dataclass(frozen=True)
class ProjectorSettings:
    """StyleGAN2's projector hyper-parameters (its defaults) and ours."""

    steps: int = 1000
    initial_learning_rate: float = 0.1
    initial_noise_factor: float = 0.05     # perturbation at step 0, in units of W's spread
    noise_ramp_length: float = 0.75        # share of the steps over which it decays to 0
    lr_rampdown_length: float = 0.25
    lr_rampup_length: float = 0.05
    regularize_noise_weight: float = 1e5
    # A frame starting from the previous frame's result starts close to its answer: the step
    # size and perturbation meant to search from the mean W would throw that away (measured:
    # docs/BENCHMARKS.md, projector).
    warm_learning_rate: float = 0.01
    warm_noise_factor: float = 0.005
    optimise_noise: bool = False           # also fit the per-pixel noise maps (see run.py)
    w_plus: bool = False                   # one W per layer instead of one W for all
    seed: int = 0


def learning_rate(settings: ProjectorSettings, step: int) -> float:
    """The learning rate at ``step``: a linear ramp up, flat, a cosine ramp down.

    >>> s = ProjectorSettings(steps=100)
    >>> learning_rate(s, 0), learning_rate(s, 50), round(learning_rate(s, 99), 5)
    (0.0, 0.1, 0.00039)
    """
    t = step / settings.steps
    ramp = min(1.0, (1.0 - t) / settings.lr_rampdown_length)
    ramp = 0.5 - 0.5 * math.cos(ramp * math.pi)
    ramp *= min(1.0, t / settings.lr_rampup_length)
    return settings.initial_learning_rate * ramp


def perturbation_scale(settings: ProjectorSettings, step: int, w_std: float) -> float:
    """Standard deviation of the random perturbation of W at ``step``."""
    t = step / settings.steps
    return w_std * settings.initial_noise_factor * max(0.0, 1.0 - t / settings.noise_ramp_length) ** 2


@torch.no_grad()
def w_statistics(G: Generator) -> tuple[torch.Tensor, float]:
    """The mean W (the mapping's tracked ``w_avg``) and the spread of mapped W around it
    (root of the summed per-dimension variance, as StyleGAN2's projector measures it)."""
    device = G.mapping.w_avg.device
    rng = torch.Generator().manual_seed(W_STD_SEED)
    z = torch.randn([W_STD_SAMPLES, G.z_dim], generator=rng)
    w_avg = G.mapping.w_avg
    total = 0.0
    for chunk in z.split(W_STD_CHUNK):
        w = G.mapping(chunk.to(device), None)[:, 0]
        total += (w - w_avg).square().sum().item()
    return w_avg.clone(), math.sqrt(total / W_STD_SAMPLES)


def frame_seed(seed: int, frame: int) -> int:
    """The seed of one frame's random draws."""
    return (seed << 32) + frame


def to_network_range(images: np.ndarray, device: torch.device) -> torch.Tensor:
    """``[N, H, W, 3]`` uint8 -> ``[N, 3, H, W]`` float, the inverse of ``x * 127.5 + 128``."""
    tensor = torch.from_numpy(np.ascontiguousarray(images)).to(device)
    return (tensor.permute(0, 3, 1, 2).float() - 128) / 127.5


def to_rgb8(images: torch.Tensor) -> np.ndarray:
    """``[N, 3, H, W]`` in about [-1, 1] -> ``[N, H, W, 3]`` uint8 (NVIDIA's convention)."""
    return (images * 127.5 + 128).clamp(0, 255).to(torch.uint8).permute(0, 2, 3, 1).cpu().numpy()


def psnr(images: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Peak signal-to-noise ratio in dB of uint8 images against targets, per image."""
    error = (images.astype(np.float64) - targets.astype(np.float64)) ** 2
    mse = error.reshape(len(images), -1).mean(axis=1)
    with np.errstate(divide="ignore"):
        return 10 * np.log10(255.0 ** 2 / mse)


@dataclass
class BatchResult:
    latents: np.ndarray   # [N, num_ws, 512] float32: the W+ each frame ended on
    images: np.ndarray    # [N, H, W, 3] uint8: what the network draws from it
    psnr: np.ndarray      # [N] dB against the targets


def project_batch(G: Generator, targets: np.ndarray, starts: np.ndarray, frames: list[int],
                  settings: ProjectorSettings, distance: Distance, w_std: float,
                  warm: bool = False,
                  on_step: Callable[[int, torch.Tensor], None] | None = None) -> BatchResult:
    """Optimise each of ``targets`` (``[N, R, R, 3]`` uint8) from its start (``[N, num_ws,
    w_dim]``, row 0 used unless ``settings.w_plus``); ``frames`` are the frames' indices in
    the video (their seeds); ``warm``: the starts are previous frames' results, not the mean
    W. ``on_step(step, images)`` sees each step's drawn images."""
    if warm:
        settings = replace(settings, initial_learning_rate=settings.warm_learning_rate,
                           initial_noise_factor=settings.warm_noise_factor)
    device = G.mapping.w_avg.device
    count = len(frames)
    assert targets.shape == (count, G.img_resolution, G.img_resolution, 3), targets.shape
    assert starts.shape == (count, G.num_ws, G.w_dim), starts.shape
    prepared = distance.prepare(to_network_range(targets, device))
    rows = G.num_ws if settings.w_plus else 1
    w_opt = torch.tensor(starts[:, :rows], dtype=torch.float32, device=device,
                         requires_grad=True)
    draws = [torch.Generator().manual_seed(frame_seed(settings.seed, f)) for f in frames]
    with _own_noise_maps(G, count, settings.optimise_noise) as noise_maps:
        optimizer = torch.optim.Adam([w_opt, *noise_maps], betas=(0.9, 0.999),
                                     lr=settings.initial_learning_rate)
        for step in range(settings.steps):
            for group in optimizer.param_groups:
                group["lr"] = learning_rate(settings, step)
            scale = perturbation_scale(settings, step, w_std)
            perturbation = torch.stack([torch.randn(w_opt.shape[1:], generator=g)
                                        for g in draws]).to(device) * scale
            ws = (w_opt + perturbation).expand(-1, G.num_ws, -1)
            images = G.synthesis(ws, noise_mode="const")
            loss = distance(images, prepared).sum()
            if noise_maps:
                loss = loss + settings.regularize_noise_weight * \
                    noise_regularisation(noise_maps).sum()
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            if noise_maps:
                normalise_noise_(noise_maps)
            if on_step is not None:
                on_step(step, images.detach())
    # Drawn with the network's own noise maps: what a show will draw from this latent.
    latents = w_opt.detach().expand(-1, G.num_ws, -1)
    with torch.no_grad():
        images = to_rgb8(G.synthesis(latents, noise_mode="const"))
    return BatchResult(latents.cpu().numpy().astype(np.float32, copy=True), images,
                       psnr(images, targets))


@contextlib.contextmanager
def _own_noise_maps(G: Generator, count: int, optimise: bool) -> Iterator[list[torch.Tensor]]:
    """While optimising noise: each frame of the batch gets its own copy of every noise map
    (``[N, 1, R, R]``, starting from the network's), put in place of the network's own and
    put back afterwards. Without ``optimise``: no maps, the network's are used."""
    if not optimise:
        yield []
        return
    layers = [m for m in G.synthesis.modules() if isinstance(m, SynthesisLayer) and m.use_noise]
    originals = [layer.noise_const for layer in layers]
    maps = [original.detach()[None, None].repeat(count, 1, 1, 1).requires_grad_(True)
            for original in originals]
    try:
        for layer, noise in zip(layers, maps):
            layer.noise_const = noise
        yield maps
    finally:
        for layer, original in zip(layers, originals):
            layer.noise_const = original


def noise_regularisation(maps: list[torch.Tensor]) -> torch.Tensor:
    """StyleGAN2's penalty on noise maps that carry signal: the squared autocorrelation at a
    one-pixel shift, in both directions, at every scale down to 8x8 px; ``[N]``."""
    total = torch.zeros(maps[0].shape[0], device=maps[0].device)
    for noise in maps:
        while True:
            total = total + (noise * noise.roll(1, dims=3)).mean(dim=(1, 2, 3)).square()
            total = total + (noise * noise.roll(1, dims=2)).mean(dim=(1, 2, 3)).square()
            if noise.shape[2] <= NOISE_MAP_FLOOR:
                break
            noise = F.avg_pool2d(noise, 2)
    return total


@torch.no_grad()
def normalise_noise_(maps: list[torch.Tensor]) -> None:
    """Each frame's noise maps back to zero mean and unit variance."""
    for noise in maps:
        noise.sub_(noise.mean(dim=(1, 2, 3), keepdim=True))
        noise.mul_(noise.square().mean(dim=(1, 2, 3), keepdim=True).rsqrt())
