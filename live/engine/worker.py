"""The synthesis worker process: W+ in, RGBA8 pixels out, straight into a shared frame slot.

A worker holds no show state. It loads every network of the show once (so a switch costs
nothing), then loops: take a :class:`FrameJob`, draw it into the job's slot, tell the
conductor with a :class:`FrameDone` (it hands the worker its next job and passes the frame on
to the compositor of the moment: a compositor can be restarted, a worker's queues cannot).
``None`` on its queue means exit.

A **synthetic** worker (``[engine] synthesis = "synthetic"``) stands in for a GPU of a given
speed: each frame takes a set time (with jitter) and writes a real picture into the slot, so
the scheduler, the transport, the reorder buffer and the compositor can be run at stage rate
with any number of workers on a machine without a GPU. It imports no torch.
"""

from __future__ import annotations

import os
import time
import traceback
from dataclasses import dataclass

import numpy as np

from live.contracts.frames import FrameRing
from live.contracts.lifecycle import child_process
from live.contracts.messages import FrameDone, FrameJob, Status

BAD_PICTURE_REPORT_S = 2.0   # at most one warning this often while a network draws NaN/inf


@dataclass(frozen=True)
class WorkerSpec:
    """Everything a worker needs, picklable for the ``spawn`` start method."""

    worker_id: int
    device: str              # "cpu" or "cuda:N"
    networks: tuple[str, ...]  # load_network specs, in show order
    ring_name: str
    threads: int             # torch CPU threads (CPU workers share the machine's cores)
    fp16: bool
    noise_mode: str
    synthetic: Synthetic | None = None   # a synthetic worker's timing, instead of networks


@dataclass(frozen=True)
class Synthetic:
    """A synthetic worker's frames: ``seconds`` each, give or take up to ``jitter``."""

    seconds: float
    jitter: float


class SyntheticFrames:
    """Frames drawn in a set time: a gradient moving with the frame index (every pixel
    written, 4 bytes each), then a wait until the frame's time is up, as a GPU would take it.
    The first ``WARMUP_FRAMES`` take ``WARMUP_FACTOR`` times as long, as a GPU's first frames
    do (CUDA graph capture, cuDNN's algorithm search)."""

    WARMUP_FRAMES = 2
    WARMUP_FACTOR = 8.0

    def __init__(self, timing: Synthetic, size: int, seed: int) -> None:
        self.timing = timing
        self.rng = np.random.default_rng(seed)
        ramp = np.arange(size, dtype=np.uint16)
        self.gradient = np.empty((size, size, 4), np.uint8)
        self.gradient[..., 0] = ramp[None, :] * 256 // size
        self.gradient[..., 1] = ramp[:, None] * 256 // size
        self.gradient[..., 2] = 128
        self.gradient[..., 3] = 0     # alpha 255 after adding the index's 255 below
        self.drawn = 0

    def frame_time(self) -> float:
        jitter = self.timing.jitter * self.rng.uniform(-1.0, 1.0)
        self.drawn += 1
        warming_up = self.drawn <= self.WARMUP_FRAMES
        return max(0.0, self.timing.seconds * (self.WARMUP_FACTOR if warming_up else 1.0) + jitter)

    def render(self, job: FrameJob, out: np.ndarray) -> None:
        until = time.monotonic() + self.frame_time()
        shift = np.array([job.index * 3 % 256, job.index * 5 % 256, job.network * 64 % 256, 255],
                         np.uint8)
        np.add(self.gradient, shift, out=out)
        while (left := until - time.monotonic()) > 0:
            time.sleep(left)


@child_process
def worker_main(spec: WorkerSpec, jobs, to_conductor) -> None:
    """Process entry point. Reports ``ready`` once warmed up, ``error`` if it cannot start."""
    source = f"worker:{spec.worker_id}"
    if spec.synthetic is not None:
        _synthetic_main(spec, source, jobs, to_conductor)
        return
    try:
        import torch

        from live.synth import NetworkSet, NonFinitePicture

        torch.set_num_threads(spec.threads)
        networks = NetworkSet(list(spec.networks), device=spec.device, fp16=spec.fp16)
        ring = FrameRing.attach(spec.ring_name)
        if (ring.height, ring.width) != (networks.img_resolution, networks.img_resolution):
            raise ValueError(f"frame slots are {ring.width}x{ring.height} but the networks "
                             f"draw {networks.img_resolution}px")
        bad_pictures = _BadPictures(source, to_conductor)
        # The first call allocates buffers (and compiles on CUDA): pay for it before the show.
        # The second, timed, is the scheduler's guess at this worker's speed until its frames
        # are measured.
        blank_ws = np.zeros((networks.num_ws, networks.w_dim), np.float32)
        for first in (True, False):
            started = time.monotonic()
            try:
                networks.render_rgba(blank_ws, 0, noise_mode=spec.noise_mode)
            except NonFinitePicture as exc:  # the show may still play the other networks
                if first:
                    bad_pictures.report(str(exc))
        frame_seconds = time.monotonic() - started
    except Exception as exc:  # any start-up failure is reported, not raised into the void
        to_conductor.put(Status(source, "error", f"{type(exc).__name__}: {exc}"))
        return
    to_conductor.put(Status(source, "ready", f"{len(networks)} networks on {spec.device}",
                            frame_seconds))
    try:
        while (job := jobs.get()) is not None:
            try:
                _draw(job, ring, spec, lambda out: networks.render_rgba(
                    job.ws, job.network, crossfade_to=job.crossfade_to,
                    crossfade=job.crossfade, noise_mode=spec.noise_mode, out=out))
                drawn = True
            except NonFinitePicture as exc:
                bad_pictures.report(f"frame {job.index}: {exc}")
                drawn = False
            to_conductor.put(FrameDone(job.index, job.slot, spec.worker_id, drawn))
    except Exception:
        to_conductor.put(Status(source, "error", traceback.format_exc(limit=3)))
        raise
    finally:
        ring.close()


def _synthetic_main(spec: WorkerSpec, source: str, jobs, to_conductor) -> None:
    ring = FrameRing.attach(spec.ring_name)
    frames = SyntheticFrames(spec.synthetic, ring.width, seed=spec.worker_id)
    to_conductor.put(Status(source, "ready", f"synthetic, {spec.synthetic.seconds * 1000:.0f} "
                                             f"ms per frame"))
    try:
        while (job := jobs.get()) is not None:
            _draw(job, ring, spec, lambda out: frames.render(job, out))
            to_conductor.put(FrameDone(job.index, job.slot, spec.worker_id))
    finally:
        ring.close()


def _draw(job: FrameJob, ring: FrameRing, spec: WorkerSpec, render) -> None:
    """``render(pixels)`` into the job's slot, timed in its header."""
    header = ring.header(job.slot)
    header["worker"], header["worker_pid"] = spec.worker_id, os.getpid()
    header["t_synth_start"] = time.monotonic()
    pixels = ring.pixels(job.slot)
    try:
        render(pixels)
        if job.flash:
            pixels[:] = 255
    finally:  # a frame not drawn took its time too: the scheduler measures the worker by it
        header["t_synth_end"] = time.monotonic()


class _BadPictures:
    """Warnings about pictures holding NaN/inf, at most one per ``BAD_PICTURE_REPORT_S``
    (a damaged network fails on every frame it draws), counting the frames dropped."""

    def __init__(self, source: str, to_conductor) -> None:
        self.source, self.to_conductor = source, to_conductor
        self.last_report = -BAD_PICTURE_REPORT_S
        self.unreported = 0

    def report(self, detail: str) -> None:
        self.unreported += 1
        now = time.monotonic()
        if now - self.last_report < BAD_PICTURE_REPORT_S:
            return
        more = f" ({self.unreported} frames dropped)" if self.unreported > 1 else ""
        self.to_conductor.put(Status(self.source, "warning",
                                     f"{detail}; frame dropped, last picture held{more}"))
        self.last_report, self.unreported = now, 0
