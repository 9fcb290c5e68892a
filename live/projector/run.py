"""Projecting a whole video: shards of frames, rounds of batches, devices, progress, resume.

The frames are cut into ``shards`` contiguous runs (``--batch`` per device, times the
devices). Round ``t`` optimises the ``t``-th frame of every shard at once, each starting from
its shard's previous frame (a shard's first frame starts from the mean W), the shards of each
device as one batch, the devices in parallel threads (torch releases the GIL while it
computes). A round is written when all of it is done, so an interrupted projection restarts
at its first unwritten round with the very batches an uninterrupted one had.

One box only for now: spreading the shards over a Ray cluster waits for the cluster-render
issue's shard machinery.
"""

from __future__ import annotations

import copy
import logging
import math
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import numpy as np
import torch

from live.latents.projection import W_DIM, root_attributes
from live.projector.distance import (NO_VGG_NOTE, Distance, PixelSSIMDistance, VGGDistance,
                                     file_md5)
from live.projector.errors import ProjectorError
from live.projector.optimise import BatchResult, ProjectorSettings, project_batch, w_statistics
from live.projector.store import ProjectionOutput
from live.projector.video import VideoSource
from live.video.sources import FIT_MODES
from live.synth.errors import NetworkError
from live.synth.loading import load_network
from live.synth.networks import Generator

log = logging.getLogger(__name__)


@dataclass
class ProjectOptions:
    fps: float | None = None           # projection fps; None: the video's own
    batch: int = 1                     # frames optimised at once on each device
    devices: list[str] = field(default_factory=lambda: ["cpu"])
    fit: str = "crop"
    vgg: Path | None = None            # StyleGAN2's VGG16 TorchScript file
    settings: ProjectorSettings = field(default_factory=ProjectorSettings)
    progress: bool = True              # a progress bar on stderr


@dataclass
class ProjectSummary:
    path: Path
    frames: int
    resumed_at: int           # frames already done when this run started
    mean_psnr_db: float       # over the frames this run projected (nan if none)
    seconds: float


def pick_devices(spec: str) -> list[str]:
    """``auto`` (every GPU, else the CPU), ``cpu``, ``cuda`` (every GPU) or ``cuda:N``."""
    gpus = torch.cuda.device_count()
    if spec == "auto":
        return [f"cuda:{i}" for i in range(gpus)] or ["cpu"]
    if spec == "cpu":
        return ["cpu"]
    if spec in ("cuda", "all") or spec.startswith("cuda:"):
        if gpus == 0:
            raise ProjectorError(f"--device {spec}: this machine has no CUDA GPU; use "
                                 f"--device cpu (or auto)")
        if spec in ("cuda", "all"):
            return [f"cuda:{i}" for i in range(gpus)]
        index = spec.partition(":")[2]
        if not index.isdigit() or int(index) >= gpus:
            raise ProjectorError(f"--device {spec}: GPUs here are cuda:0 .. cuda:{gpus - 1}")
        return [spec]
    raise ProjectorError(f"--device {spec}: expected auto, cpu, cuda or cuda:N")


def shard_bounds(count: int, shards: int) -> list[range]:
    """``count`` frames in ``shards`` contiguous runs, as equal as they can be.

    >>> shard_bounds(7, 3)
    [range(0, 2), range(2, 4), range(4, 7)]
    """
    shards = max(1, min(shards, count))
    return [range(i * count // shards, (i + 1) * count // shards) for i in range(shards)]


def round_frames(bounds: list[range], round_index: int) -> list[tuple[int, int]]:
    """``(shard, frame)`` of round ``round_index``: each long-enough shard's frame there.

    >>> round_frames([range(0, 2), range(2, 5)], 2)
    [(1, 4)]
    """
    return [(s, shard[round_index]) for s, shard in enumerate(bounds) if round_index < len(shard)]


def first_unfinished_round(bounds: list[range], done: set[int]) -> int:
    """The first round with a frame not in ``done`` (the number of rounds when all are)."""
    rounds = max(len(shard) for shard in bounds)
    return next((t for t in range(rounds)
                 if any(frame not in done for _, frame in round_frames(bounds, t))), rounds)


def project_video(video_path: str | Path, network: str, out: str | Path,
                  options: ProjectOptions, say: Callable[[str], None] = print) -> ProjectSummary:
    """Project every frame of a video into ``network``'s W, into the GANce file ``out``."""
    started = time.monotonic()
    if options.fit not in FIT_MODES:
        raise ProjectorError(f"--fit {options.fit}: expected one of {', '.join(FIT_MODES)}")
    video = VideoSource(video_path)
    inputs = [video.path] + ([Path(network)] if Path(network).is_file() else [])
    if any(Path(out).resolve() == path.resolve() for path in inputs):
        raise ProjectorError(f"--out {out} is one of the inputs (the video or the network); "
                             f"name a new .hdf5 file")
    sources = video.sources(options.fps)
    fps = options.fps or video.fps
    nets = _load_networks(network, options.devices)
    first = nets[0]
    size = first.img_resolution
    distances = _distances(options.vgg, options.devices, say)
    _, w_std = w_statistics(first)
    w_avg = first.mapping.w_avg.cpu().numpy()
    count = len(sources)
    bounds = shard_bounds(count, options.batch * len(options.devices))
    network_md5 = file_md5(Path(network)) if Path(network).is_file() else ""
    # What a resumed run must share with the first (files by content, not by path).
    settings = {"video_md5": file_md5(video.path), "network": network_md5 or network,
                "distance": distances[0].name, "vgg_md5": getattr(distances[0], "md5", ""),
                "projection_fps": fps, "frames": count, "shards (--batch x devices)": len(bounds),
                "fit": options.fit, **asdict(options.settings)}
    root = root_attributes(count, (size, size), fps, original_fps=video.fps, complete=False)
    root.update({"original_target_path": str(video.path), "target_md5_hash": settings["video_md5"],
                 "original_network_path": str(network),
                 "network_md5_hash": network_md5,
                 "original_width_height": np.array([video.width, video.height]),
                 "original_frame_count": video.frame_count,
                 "steps_in_projection": options.settings.steps})
    output = ProjectionOutput.open(out, root, settings)
    try:
        done = output.done()
        resume = first_unfinished_round(bounds, done)
        resumed_at = sum(len(round_frames(bounds, t)) for t in range(resume))
        rounds = max(len(shard) for shard in bounds)
        output.discard([frame for t in range(resume, rounds)
                        for _, frame in round_frames(bounds, t)])
        if resumed_at:
            say(f"resuming {output.path}: {resumed_at} of {count} frames already projected")
        previous = {s: output.latent(shard[resume - 1]) for s, shard in enumerate(bounds)
                    if 0 < resume <= len(shard)}
        psnrs = _project_rounds(nets, distances, video, sources, bounds, resume, previous,
                                w_avg, w_std, output, options, resumed_at)
        output.finish()
    finally:
        output.close()
    return ProjectSummary(output.path, count, resumed_at,
                          float(np.mean(psnrs)) if psnrs else math.nan,
                          time.monotonic() - started)


def _load_networks(spec: str, devices: list[str]) -> list[Generator]:
    """One copy of the network per device, checked to be one a projection file can hold."""
    G = load_network(spec)
    if G.c_dim:
        raise NetworkError(f"{spec}: a conditional network (c_dim {G.c_dim}): the projector "
                           f"needs an unconditional one")
    if G.w_dim != W_DIM:
        raise NetworkError(f"{spec}: W has {G.w_dim} dimensions; GANce projection files hold "
                           f"{W_DIM}-dimensional W (every StyleGAN2 release)")
    return [copy.deepcopy(G).to(device) for device in devices]


def _distances(vgg: Path | None, devices: list[str], say: Callable[[str], None]) -> list[Distance]:
    if vgg is None:
        say(NO_VGG_NOTE)
        return [PixelSSIMDistance() for _ in devices]
    return [VGGDistance(vgg, torch.device(device)) for device in devices]


def _shard_frames(video: VideoSource, sources: list[int], shard: range, start: int,
                  size: int, fit: str) -> Iterator[np.ndarray]:
    """The targets of one shard from its ``start``-th frame on (one decoder per shard)."""
    return video.frames([sources[f] for f in shard[start:]], size, fit)


def _project_rounds(nets: list[Generator], distances: list[Distance], video: VideoSource,
                    sources: list[int], bounds: list[range], resume: int,
                    previous: dict[int, np.ndarray], w_avg: np.ndarray, w_std: float,
                    output: ProjectionOutput, options: ProjectOptions,
                    resumed_at: int) -> list[float]:
    from tqdm import tqdm

    size = nets[0].img_resolution
    num_ws = nets[0].num_ws
    readers = {s: _shard_frames(video, sources, shard, resume, size, options.fit)
               for s, shard in enumerate(bounds) if resume < len(shard)}
    rounds = max(len(shard) for shard in bounds)
    per_device = options.batch
    psnrs: list[float] = []
    steps = options.settings.steps
    with ThreadPoolExecutor(len(nets)) as pool, \
            tqdm(total=len(sources), initial=resumed_at, unit="frame", desc="project",
                 disable=not options.progress, dynamic_ncols=True) as bar:
        for t in range(resume, rounds):
            began = time.monotonic()
            members = round_frames(bounds, t)
            targets = np.stack([next(readers[s]) for s, _ in members])
            starts = np.stack([np.broadcast_to(previous.get(s, w_avg), (num_ws, W_DIM))
                               for s, _ in members])
            groups = [range(i, min(i + per_device, len(members)))
                      for i in range(0, len(members), per_device)]
            jobs = [pool.submit(project_batch, nets[d], targets[g.start:g.stop],
                                starts[g.start:g.stop], [f for _, f in members[g.start:g.stop]],
                                options.settings, distances[d], w_std, warm=t > 0)
                    for d, g in enumerate(groups)]
            results: list[BatchResult] = [job.result() for job in jobs]
            latents = np.concatenate([r.latents for r in results])
            images = np.concatenate([r.images for r in results])
            quality = np.concatenate([r.psnr for r in results])
            for i, (s, frame) in enumerate(members):
                output.write_frame(frame, latents[i], targets[i], images[i])
                previous[s] = latents[i]
            output.flush()
            psnrs += quality.tolist()
            seconds = time.monotonic() - began
            bar.set_postfix_str(f"{steps * len(members) / seconds:.1f} steps/s, "
                                f"{quality.mean():.1f} dB", refresh=False)
            bar.update(len(members))
            log.info("round %d of %d written: frames %s, %.1f dB", t + 1, rounds,
                     ",".join(str(f) for _, f in members), quality.mean())
    return psnrs
