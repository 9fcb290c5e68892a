"""A windowed show under Xvfb with the show box's hardware played for real where it can be:
recorded telemetry of two GPUs that heat up (this machine has none) and the cooler's
firmware in MicroPython's VM on a pseudo-terminal. The HUD shows a line per GPU, amber once
they are hot; the thermal guard steps the show's rate down and says so in the log; the
figures go out over OSC; the cooler hears "show starting", then "quiet" when the screen is
blacked out between songs; its cable is pulled and the show goes on; the telemetry log holds
what was sampled."""

import json
import signal
import socket
import subprocess
import time

import numpy as np
from pythonosc.osc_message import OscMessage
from pythonosc.udp_client import SimpleUDPClient

from tests.support.xvfb import screenshot, xvfb
from tests.support.showrun import free_udp_port, make_show, read_frame_log, start_cli, \
    wait_for_frames
from tests.hardware.micropython import FirmwareOnPty, celsius_to_raw
from tests.telemetry.traces import write_trace

HOT_FROM_S = 6.0


def amber(image: np.ndarray) -> int:
    """Pixels of the HUD's warning colour (255, 176, 0) in the HUD's corner of the screen:
    the text is opaque, the picture under the dark panel too dim to come near it."""
    hud = image[20:220, 20:460].astype(int)   # inside the panel, which starts at (16, 16)
    red, green, blue = hud[..., 0], hud[..., 1], hud[..., 2]
    return int(((red > 220) & (green > 140) & (green < 210) & (blue < 40)).sum())


class StateOut:
    """The show's OSC state-out, as a layout would see it."""

    def __init__(self, layout: socket.socket) -> None:
        self.layout, self.values = layout, {}

    def wait(self, address: str, value, timeout: float = 60) -> dict:
        """Until ``address`` says ``value``; then the rest of that batch (half a second)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                message = OscMessage(self.layout.recv(65536))
            except (socket.timeout, ValueError):
                continue
            self.values[message.address] = message.params[0] if message.params else None
            if self.values.get(address) == value:
                deadline = min(deadline, time.monotonic() + 0.5)
        if self.values.get(address) != value:
            raise AssertionError(f"{address} never said {value!r}: {self.values}")
        return dict(self.values)


def test_telemetry_guard_and_cooler_through_a_windowed_show(tmp_path):
    show_file = make_show(tmp_path)
    # Both GPUs idle at 60 C, then hot from HOT_FROM_S on (GPU1 also thermally throttled).
    write_trace(tmp_path / "hot.jsonl", 60.0, lambda t: [60, 60] if t < HOT_FROM_S else [84, 88],
                throttles=lambda t: [0, 0x40] if t >= HOT_FROM_S else [])
    cooler_port = tmp_path / "ttyCOOLER"
    firmware = FirmwareOnPty(tmp_path, cooler_port, {
        "adc": [celsius_to_raw(52.0), celsius_to_raw(55.0)], "max_rpm": [4000, 4000]})
    osc_port = free_udp_port()
    with xvfb(480, 360) as display, \
            socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as layout:
        layout.bind(("127.0.0.1", 0))
        layout.settimeout(0.2)
        state_out = StateOut(layout)
        process = start_cli(
            "run", show_file, "--seconds", 600, "--frame-log", tmp_path / "frames.jsonl",
            "--telemetry-log", tmp_path / "telemetry.jsonl", "--set", "output.hud=true",
            "--set", "output.width=480", "--set", "output.height=360",
            "--set", 'telemetry.replay="hot.jsonl"', "--set", "telemetry.dwell_s=1.0",
            "--set", "hardware.cooler.enabled=true",
            "--set", f'hardware.cooler.port="{cooler_port}"',
            "--set", f"hardware.cooler.starting_s={HOT_FROM_S}",
            "--set", "control.osc.enabled=true", "--set", f"control.osc.port={osc_port}",
            "--set", f"control.osc.send_port={layout.getsockname()[1]}",
            display=display, cwd=tmp_path)
        try:
            wait_for_frames(tmp_path / "frames.jsonl", 3, process)
            starting = state_out.wait("/live/cooler/hint", "show starting")  # the firmware's word
            cool = state_out.wait("/live/gpu/0/state", "cool")
            time.sleep(1.0)                        # the HUD is redrawn twice a second
            cool_shot = screenshot(display)
            hot = state_out.wait("/live/gpu/0/state", "warm")
            time.sleep(2.5)                        # a guard step (1 s dwell) and a redraw
            hot_shot = screenshot(display)
            state_out.wait("/live/cooler/hint", "normal")
            SimpleUDPClient("127.0.0.1", osc_port).send_message("/live/blackout", 1.0)
            state_out.wait("/live/cooler/hint", "quiet")
            firmware.pull_cable(b"\xa5\x5a\x01\x02\x0e")
            state_out.wait("/live/cooler/connected", 0)
            shown = len(read_frame_log(tmp_path / "frames.jsonl"))
            wait_for_frames(tmp_path / "frames.jsonl", shown + 5, process)   # the show goes on
        finally:
            firmware.close()
            process.send_signal(signal.SIGINT)
            try:
                stdout, stderr = process.communicate(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                raise
    assert process.returncode == 0, stderr[-2000:]
    assert starting["/live/cooler/0/temperature_c"] == 52.0 and starting["/live/cooler/0/rpm"] > 0
    assert cool["/live/gpu/0/temperature_c"] == 60.0 and cool["/live/gpu/0/share"] == 1.0
    assert hot["/live/gpu/0/temperature_c"] == 84.0 and hot["/live/gpu/0/share"] < 0.5
    # The HUD: white GPU lines while cool, amber ones (and the guard's line) once hot.
    assert amber(cool_shot) == 0
    assert amber(hot_shot) > 200, "hot GPU lines should be drawn in amber"
    assert "thermal guard: GPU0 warm (84 C, slowdown at 85 C)" in stderr
    assert "thermal guard: GPU1 throttling (hw thermal)" in stderr
    assert "thermal guard: show rate 100% -> 75% of its fps (every GPU hot)" in stderr
    assert "cooler: connected on" in stderr and "cooler: lost" in stderr
    assert "Traceback" not in stderr
    assert "left out by the thermal guard" in stdout
    rows = [json.loads(line) for line in (tmp_path / "telemetry.jsonl").read_text().splitlines()]
    assert {row["index"] for row in rows} == {0, 1}
    assert [row["temperature_c"] for row in rows if row["index"] == 0][:2] == [60, 60]
    assert rows[-1]["temperature_c"] == 88 and rows[-1]["throttle_reasons"] == 0x40
