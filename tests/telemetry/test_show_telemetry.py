"""A windowed show under Xvfb playing recorded telemetry of two GPUs that heat up (this
machine has none): the HUD shows a line per GPU, amber once they are hot; the thermal guard
steps the show's rate down and says so in the log; the figures go out over OSC; the
telemetry log holds what was sampled; and the show goes on to its end."""

import json
import signal
import socket
import subprocess
import time

import numpy as np
from pythonosc.osc_message import OscMessage

from tests.compositor.xvfb import screenshot, xvfb
from tests.engine.showrun import make_show, start_cli, wait_for_frames
from tests.telemetry.traces import write_trace

HOT_FROM_S = 4.0


def amber(image: np.ndarray) -> int:
    """Pixels of the HUD's warning colour (255, 176, 0) in the HUD's corner of the screen:
    the text is opaque, the picture under the dark panel too dim to come near it."""
    hud = image[20:200, 20:460].astype(int)   # inside the panel, which starts at (16, 16)
    red, green, blue = hud[..., 0], hud[..., 1], hud[..., 2]
    return int(((red > 220) & (green > 140) & (green < 210) & (blue < 40)).sum())


def wait_for_state(layout: socket.socket, wanted: str, timeout: float = 60) -> dict:
    """The OSC state-out values received until ``/live/gpu/0/state`` became ``wanted``, and
    the rest of that batch (half a second more)."""
    seen: dict = {}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            message = OscMessage(layout.recv(65536))
        except (socket.timeout, ValueError):
            continue
        seen[message.address] = message.params[0] if message.params else None
        if seen.get("/live/gpu/0/state") == wanted:
            deadline = min(deadline, time.monotonic() + 0.5)
            if time.monotonic() >= deadline - 0.01:
                return seen
    if seen.get("/live/gpu/0/state") == wanted:
        return seen
    raise AssertionError(f"/live/gpu/0/state never became {wanted!r}: {seen}")


def test_recorded_telemetry_through_a_windowed_show(tmp_path):
    show_file = make_show(tmp_path)
    # Both GPUs idle at 60 C, then hot from HOT_FROM_S on (GPU1 also thermally throttled).
    write_trace(tmp_path / "hot.jsonl", 60.0, lambda t: [60, 60] if t < HOT_FROM_S else [84, 88],
                throttles=lambda t: [0, 0x40] if t >= HOT_FROM_S else [])
    with xvfb(480, 360) as display, \
            socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as layout:
        layout.bind(("127.0.0.1", 0))
        layout.settimeout(0.2)
        process = start_cli(
            "run", show_file, "--seconds", 600, "--frame-log", tmp_path / "frames.jsonl",
            "--telemetry-log", tmp_path / "telemetry.jsonl", "--set", "output.hud=true",
            "--set", "output.width=480", "--set", "output.height=360",
            "--set", 'telemetry.replay="hot.jsonl"', "--set", "telemetry.dwell_s=1.0",
            "--set", "control.osc.enabled=true", "--set", "control.osc.port=0",
            "--set", f"control.osc.send_port={layout.getsockname()[1]}",
            display=display, cwd=tmp_path)
        try:
            wait_for_frames(tmp_path / "frames.jsonl", 3, process)
            cool = wait_for_state(layout, "cool")
            time.sleep(1.0)                        # the HUD is redrawn twice a second
            cool_shot = screenshot(display)
            hot = wait_for_state(layout, "warm")
            time.sleep(2.5)                        # a guard step (1 s dwell) and a redraw
            hot_shot = screenshot(display)
            shown_before_stop = len(wait_for_frames(tmp_path / "frames.jsonl", 1, process))
            time.sleep(1.0)
        finally:
            process.send_signal(signal.SIGINT)
            try:
                _, stderr = process.communicate(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                raise
    assert process.returncode == 0, stderr[-2000:]
    assert cool["/live/gpu/0/temperature_c"] == 60.0 and cool["/live/gpu/0/share"] == 1.0
    assert hot["/live/gpu/0/temperature_c"] == 84.0 and hot["/live/gpu/0/share"] < 0.5
    # The HUD: white GPU lines while cool, amber ones (and the guard's line) once hot.
    assert amber(cool_shot) == 0
    assert amber(hot_shot) > 200, "hot GPU lines should be drawn in amber"
    assert "thermal guard: GPU0 warm (84 C, slowdown at 85 C)" in stderr
    assert "thermal guard: GPU1 throttling (hw thermal)" in stderr
    assert "thermal guard: show rate 100% -> 75% of its fps (every GPU hot)" in stderr
    assert "Traceback" not in stderr
    rows = [json.loads(line) for line in (tmp_path / "telemetry.jsonl").read_text().splitlines()]
    assert {row["index"] for row in rows} == {0, 1}
    assert [row["temperature_c"] for row in rows if row["index"] == 0][:2] == [60, 60]
    assert rows[-1]["temperature_c"] == 88 and rows[-1]["throttle_reasons"] == 0x40
    frames = [json.loads(line) for line in (tmp_path / "frames.jsonl").read_text().splitlines()]
    assert len(frames) > shown_before_stop > 0      # frames went on after the guard stepped
