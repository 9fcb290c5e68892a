"""Playing with the booth: NDI out's cost and latency, and Ableton Link's phase agreement.

NDI (``--frames`` frames of ``--size``, 1920x1080 by default, at ``--fps``), one NDI source
and a real receiver in another process (``tests/support/ndi_receiver.py``, found over
loopback through NDI_CONFIG_DIR):

- ``offer_us``: what the compositor's output loop pays per frame (handing the read-back
  frame to the source's mailbox).
- ``send_ms``: what the source's own thread spends per frame (the copy into cyndilib's
  buffer and NDI's asynchronous send, which compresses), off the output loop.
- ``latency_ms``: from the frame's send (NDI's timestamp) to the receiver having its RGBA
  pixels, on this machine.
- ``received`` / ``dropped``: frames the receiver got, and frames the mailbox dropped because
  the previous one was still being sent.
- ``ndi_received_all`` / ``ndi_dropped_all`` / ``receiver_got_all``: over the whole run (the
  warm-up too), the frames NDI's receiver took off the network and dropped, and those the
  receiver process got: where a frame sent was lost.

Link (``--link-seconds``): the demo show headless (``gance-live run``) follows the Link
session of a second peer process (``tests/support/link_peer.py``):

- ``link_phase_ms_p50`` / ``_p95`` / ``_max``: how far each frame's beat, at the frame's due
  time, is from the peer's beat then (the phase within a 4-beat bar), in milliseconds.

    .venv/bin/python -m benchmarks.bench_booth [--frames 300] [--size 1920x1080] [--fps 30]
        [--link-seconds 30]
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np

from benchmarks.report import report
from tests.support.ndi_receiver import loopback_config, read_frames, read_performance
from tests.support.link_peer import phase_errors, read_timeline
from tests.support.showrun import DEMO, ROOT, read_frame_log, start_cli, wait_for_frames


def ndi_figures(frames: int, width: int, height: int, fps: int, folder: Path) -> dict:
    os.environ.update(loopback_config(folder / "ndi"))
    from live.compositor.ndi import NdiSource

    name = f"bench-{uuid.uuid4().hex[:6]}"
    receiver = subprocess.Popen([sys.executable, "-m", "tests.support.ndi_receiver",
                                 f"({name})", str(folder / "received"), "600", "0"],
                                cwd=ROOT, stdout=subprocess.PIPE, text=True)
    source = NdiSource(name, width, height, fps)
    try:
        assert receiver.stdout.readline().startswith("receiving"), "no receiver"
        # Frames that differ, as a show's do (NDI compresses each).
        rng = np.random.default_rng(0)
        pictures = [rng.integers(0, 256, (height, width, 4), np.uint8).tobytes()
                    for _ in range(4)]
        deadline = time.monotonic() + 60
        while not read_frames(folder / "received"):   # until the receiver is connected
            assert time.monotonic() < deadline, "the receiver got nothing in a minute"
            source.offer(pictures[0])
            time.sleep(1 / fps)
        warm_up, dropped_before = len(read_frames(folder / "received")), source.dropped
        sent_before = source.sent
        offers = []
        start = time.monotonic()
        for index in range(frames):
            time.sleep(max(0.0, start + index / fps - time.monotonic()))
            before = time.perf_counter()
            source.offer(pictures[index % len(pictures)])
            offers.append(time.perf_counter() - before)
        time.sleep(1.0)
        sent, dropped = source.sent - sent_before, source.dropped - dropped_before
        send_seconds = _send_cost(width, height, fps, pictures)
    finally:
        source.close()
        receiver.send_signal(signal.SIGTERM)
        receiver.wait(timeout=30)
    received = read_frames(folder / "received")[warm_up:]
    performance = read_performance(folder / "received")   # the whole run, warm-up included
    latency = np.array([r["arrival"] - r["sent"] for r in received]) * 1000
    return {"ndi_size": f"{width}x{height}", "offer_us_p50": float(np.median(offers) * 1e6),
            "offer_us_p99": float(np.percentile(offers, 99) * 1e6),
            "send_ms_p50": float(np.median(send_seconds) * 1000),
            "send_ms_p99": float(np.percentile(send_seconds, 99) * 1000),
            "latency_ms_p50": float(np.median(latency)),
            "latency_ms_p95": float(np.percentile(latency, 95)),
            "offered": frames, "sent": sent, "dropped": dropped, "received": len(received),
            "ndi_received_all": performance["total"], "ndi_dropped_all": performance["dropped"],
            "receiver_got_all": warm_up + len(received)}


def _send_cost(width: int, height: int, fps: int, pictures: list[bytes]) -> list[float]:
    """What the source's thread does per frame, timed alone: copy, then NDI's async send."""
    from fractions import Fraction

    from cyndilib.sender import Sender
    from cyndilib.video_frame import VideoSendFrame
    from cyndilib.wrapper.ndi_structs import FourCC

    frame = VideoSendFrame()
    frame.set_resolution(width, height)
    frame.set_frame_rate(Fraction(fps, 1))
    frame.set_fourcc(FourCC.RGBA)
    sender = Sender(f"bench-cost-{uuid.uuid4().hex[:6]}", clock_video=False)
    sender.set_video_frame(frame)
    scratch = bytearray(width * height * 4)
    costs = []
    with sender:
        for index in range(120):
            before = time.perf_counter()
            scratch[:] = pictures[index % len(pictures)]
            sender.write_video_async(memoryview(scratch))
            costs.append(time.perf_counter() - before)
            time.sleep(max(0.0, 1 / fps - costs[-1]))
    return costs


def link_figures(seconds: float, folder: Path) -> dict:
    timeline = folder / "peer.txt"
    peer = subprocess.Popen([sys.executable, "-m", "tests.support.link_peer", "120",
                             str(timeline)], cwd=ROOT, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    log = folder / "frames.jsonl"
    try:
        assert peer.stdout.readline().strip() == "ready"
        show = start_cli("run", DEMO, "--headless", "--seconds", seconds + 30, "--frame-log",
                         log, "--set", 'control.tempo.source="link"')
        try:
            wait_for_frames(log, 3, show)
            start = time.monotonic() + 3.0   # peers found, the first beat_sync applied
            time.sleep(seconds + 3.0)
        finally:
            show.send_signal(signal.SIGINT)
            show.wait(timeout=60)
    finally:
        peer.stdin.close()
        peer.wait(timeout=10)
    rows = [r for r in read_frame_log(log) if start < r["t_due"] < start + seconds]
    errors = np.abs(phase_errors(rows, read_timeline(timeline))) * 1000
    return {"link_frames": len(rows), "link_phase_ms_p50": float(np.median(errors)),
            "link_phase_ms_p95": float(np.percentile(errors, 95)),
            "link_phase_ms_max": float(errors.max())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--frames", type=int, default=300)
    parser.add_argument("--size", default="1920x1080")
    parser.add_argument("--fps", type=int, default=30)
    parser.add_argument("--link-seconds", type=float, default=30.0)
    args = parser.parse_args()
    width, height = map(int, args.size.split("x"))
    with tempfile.TemporaryDirectory(prefix="bench-booth-") as folder:
        figures = ndi_figures(args.frames, width, height, args.fps, Path(folder))
        figures.update(link_figures(args.link_seconds, Path(folder)))
    report("bench_booth", figures)


if __name__ == "__main__":
    main()
