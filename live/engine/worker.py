"""The synthesis worker process: W+ in, RGBA8 pixels out, straight into a shared frame slot.

A worker holds no show state. It loads every network of the show once (so a switch costs
nothing), then loops: take a :class:`FrameJob`, draw it into the job's slot, tell the
conductor with a :class:`FrameDone` (it hands the worker its next job and passes the frame on
to the compositor of the moment: a compositor can be restarted, a worker's queues cannot). ``None`` on its queue means exit.
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


@child_process
def worker_main(spec: WorkerSpec, jobs, to_conductor) -> None:
    """Process entry point. Reports ``ready`` once warmed up, ``error`` if it cannot start."""
    source = f"worker:{spec.worker_id}"
    try:
        import torch

        from live.synth import NetworkSet, NonFinitePicture

        torch.set_num_threads(spec.threads)
        networks = NetworkSet(list(spec.networks), device=spec.device, fp16=spec.fp16)
        ring = FrameRing.attach(spec.ring_name)
        if (ring.height, ring.width) != (networks.img_resolution, networks.img_resolution):
            raise ValueError(f"frame slots are {ring.width}x{ring.height} but the networks "
                             f"draw {networks.img_resolution}px")
        # The first call allocates buffers (and compiles on CUDA): pay for it before the show.
        blank_ws = np.zeros((networks.num_ws, networks.w_dim), np.float32)
        bad_pictures = _BadPictures(source, to_conductor)
        try:
            networks.render_rgba(blank_ws, 0, noise_mode=spec.noise_mode)
        except NonFinitePicture as exc:  # the show may still play the other networks
            bad_pictures.report(str(exc))
    except Exception as exc:  # any start-up failure is reported, not raised into the void
        to_conductor.put(Status(source, "error", f"{type(exc).__name__}: {exc}"))
        return
    to_conductor.put(Status(source, "ready", f"{len(networks)} networks on {spec.device}"))
    try:
        while (job := jobs.get()) is not None:
            try:
                _draw(job, networks, ring, spec)
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


def _draw(job: FrameJob, networks, ring: FrameRing, spec: WorkerSpec) -> None:
    header = ring.header(job.slot)
    header["worker"], header["worker_pid"] = spec.worker_id, os.getpid()
    header["t_synth_start"] = time.monotonic()
    try:
        networks.render_rgba(job.ws, job.network, crossfade_to=job.crossfade_to,
                             crossfade=job.crossfade, noise_mode=spec.noise_mode,
                             out=ring.pixels(job.slot))
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
