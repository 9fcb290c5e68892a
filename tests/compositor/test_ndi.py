"""NDI out, end to end: a headless show sends its output and its network frames as NDI
sources while recording; real NDI receivers in two other processes get them in order, at the
right size, and with the recorded picture (the network frames with their alpha)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
import uuid

import numpy as np
import pytest

from tests.support.ndi_receiver import loopback_config, read_frames
from tests.support.showrun import DEMO, ROOT, decode_frames, read_frame_log, run_cli

pytestmark = pytest.mark.slow

WIDTH, HEIGHT = 160, 120
SHOW_S = 6


def test_output_and_frames_reach_ndi_receivers_in_order(tmp_path, monkeypatch):
    for name, value in loopback_config(tmp_path / "ndi").items():
        monkeypatch.setenv(name, value)   # the show and the receivers alike
    source = f"gance-test-{uuid.uuid4().hex[:6]}"
    receivers = {kind: subprocess.Popen(
        [sys.executable, "-m", "tests.support.ndi_receiver", wanted, str(tmp_path / kind),
         str(SHOW_S + 60), "2"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True) for kind, wanted in (("output", f"({source})"), ("frame", f"({source} frame)"))}
    try:
        show = run_cli("run", DEMO, "--headless", "--seconds", SHOW_S, "--out",
                       tmp_path / "show.mp4", "--frame-log", tmp_path / "frames.jsonl",
                       "--set", f"output.width={WIDTH}", "--set", f"output.height={HEIGHT}",
                       "--set", "output.ndi.enabled=true", "--set", "output.ndi.frame=true",
                       "--set", f'output.ndi.name="{source}"', timeout=240)
    finally:
        for receiver in receivers.values():
            receiver.send_signal(signal.SIGTERM)
            receiver.wait(timeout=30)
    assert show.returncode == 0, show.stderr[-2000:]

    # A receiver on this loaded 2-core machine gets a few frames a second of the show's 15
    # (NDI drops for a slow receiver): enough to see order, size and content.
    output = read_frames(tmp_path / "output")
    assert len(output) >= 4, receivers["output"].stderr.read()[-2000:]
    assert {(r["width"], r["height"]) for r in output} == {(WIDTH, HEIGHT)}
    sent = [r["sent"] for r in output]
    assert sent == sorted(sent) and len(set(sent)) == len(sent), "frames out of order"
    # Each picture received is one the show recorded (both lossy: a few levels apart), and
    # the pictures change (the demo moves), so matching one is no accident.
    recorded = decode_frames(tmp_path / "show.mp4", WIDTH, HEIGHT).astype(np.float32)
    saved = sorted((tmp_path / "output").glob("frame-*.npy"))
    assert len(saved) >= 2
    for path in saved:
        picture = np.load(path)[:, :, :3].astype(np.float32)
        distances = np.abs(recorded[..., :3] - picture).mean(axis=(1, 2, 3))
        assert distances.min() < 6.0 < np.median(distances), (path.name, distances.min())

    frames = read_frames(tmp_path / "frame")
    assert len(frames) >= 4, receivers["frame"].stderr.read()[-2000:]
    [(width, height)] = {(r["width"], r["height"]) for r in frames}
    assert width == height and (width, height) != (WIDTH, HEIGHT)   # the network's own size
    assert all(r["mean"][3] == 255 for r in frames)                  # alpha sent along
    shown = [row["mean"] for row in read_frame_log(tmp_path / "frames.jsonl")]
    for row in frames:
        assert min(abs(np.mean(row["mean"][:3]) - mean) for mean in shown) < 2.0


def test_a_source_counts_its_receivers_and_drops_what_it_cannot_send(tmp_path, monkeypatch):
    """The mailbox: frames offered faster than the source sends replace one another (counted
    as dropped), the output loop never waits, and the HUD line names the receivers."""
    for name, value in loopback_config(tmp_path / "ndi").items():
        monkeypatch.setenv(name, value)
    from live.compositor.ndi import NdiSource

    name = f"gance-test-{uuid.uuid4().hex[:6]}"
    receiver = subprocess.Popen(
        [sys.executable, "-m", "tests.support.ndi_receiver", f"({name})",
         str(tmp_path / "received"), "60", "0"], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    source = NdiSource(name, 640, 360, 30)
    try:
        picture = bytes(640 * 360 * 4)
        deadline = time.monotonic() + 60
        while source.receivers < 1:
            assert time.monotonic() < deadline, "no receiver connected in a minute"
            source.offer(picture)
            time.sleep(0.05)
        assert f"NDI '{name}' 640x360: 1 receivers" in source.hud_line()
        offered, before = 200, source.sent + source.dropped
        start = time.monotonic()
        for _ in range(offered):
            source.offer(picture)          # back to back: far faster than NDI sends
        assert time.monotonic() - start < 1.0
        time.sleep(0.5)
        assert source.dropped > 0
        assert source.sent + source.dropped - before == offered   # each frame sent or dropped
    finally:
        source.close()
        receiver.send_signal(signal.SIGTERM)
        receiver.wait(timeout=30)
