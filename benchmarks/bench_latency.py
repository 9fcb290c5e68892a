"""Onset to photon, end to end: clicks into a real audio input, a white frame for each onset.

    PYTHONPATH=. .venv/bin/python -m benchmarks.bench_latency [--clicks 20]

A private PulseAudio server's null sink is the sound card: this script plays clicks into the
sink, and the show captures the sink's monitor as its live input (``[audio] source = "live"``,
``input_device = "pulse"``), exactly as a microphone would come in. The show runs headless
with the onset test pattern (``[engine] test_pattern = "onset"``): every frame bound after a
detected onset is painted full white by its worker. For each click, the time from its first
sample (the moment PortAudio says the sink plays it) to the first swap of the stage output
showing a white frame (``t_swapped`` in the frame log) is its onset-to-photon latency.

Two engines: a synthetic worker taking 4 ms a frame at 60 fps (a GPU's synthesis time on this
machine's transport and compositor; 256² frames) and the demo network on the CPU (2
workers, 15 fps). Besides the latency, the white frames' median budget per stage. Both ends
are PortAudio's estimates (the click's DAC time, the hop's ADC time), so a device that
misreports its latency shifts ``click_to_hop_captured`` and the total alike.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.report import report
from live.audio.backends import open_output
from live.audio.devices import find_device, list_audio_devices
from live.contracts.frames import frame_budget
from tests.support.pulse import PulseServer
from tests.support.showrun import DEMO, read_frame_log, start_cli, wait_for_frames

RATE = 48000
CLICK_S = 0.005          # a burst of noise this long: a sharp onset in every band
WHITE = 254.5            # a frame's mean above this is the test pattern's white

ENGINES = {
    # 256² frames: llvmpipe's 1024² upload alone would bound 60 fps here (bench_stagerate).
    "synthetic 4 ms, 60 fps": ["show.fps=60", 'engine.synthesis="synthetic"',
                               "engine.synthetic_ms=[4.0]", "engine.workers=1",
                               "engine.synthetic_size=256"],
    "demo network on CPU, 15 fps": ["show.fps=15", "engine.workers=2"],
}


class ClickPlayer:
    """Plays a click every ``interval`` seconds into the default output (the null sink),
    noting the monotonic time each click's first sample is played."""

    def __init__(self, interval: float, count: int) -> None:
        self.interval_samples = round(interval * RATE)
        self.count = count
        rng = np.random.default_rng(0)
        self.click = (0.8 * rng.uniform(-1, 1, round(CLICK_S * RATE))).astype(np.float32)
        self.played = 0                  # samples written so far
        self.click_times: list[float] = []
        device = find_device("pulse", "output", list_audio_devices())
        self.stream = open_output("sounddevice", device["index"], 2, RATE, 256, self.fill)

    def fill(self, out: np.ndarray, t_heard: float) -> None:
        out[:] = 0.0
        start, end, length = self.played, self.played + len(out), len(self.click)
        # Clicks number 1..count start every interval; any of them may overlap this block.
        number = max(1, -(-(start - length + 1) // self.interval_samples))
        while number <= self.count and number * self.interval_samples < end:
            begin = number * self.interval_samples          # in samples since the start
            lo, hi = max(begin, start), min(begin + length, end)
            out[lo - start:hi - start, :] = self.click[lo - begin:hi - begin, None]
            if begin >= start:                              # its first sample is in this block
                self.click_times.append(t_heard + (begin - start) / RATE)
            number += 1
        self.played = end

    @property
    def finished(self) -> bool:
        return self.played > (self.count + 1) * self.interval_samples


def measure(name: str, overrides: list[str], clicks: int, interval: float,
            folder: Path) -> dict[str, float]:
    log = folder / f"{name.split()[0]}.jsonl"
    seconds = 4.0 + (clicks + 2) * interval
    sets = [arg for o in overrides + ['audio.source="live"', 'audio.input_device="pulse"',
                                      'engine.test_pattern="onset"'] for arg in ("--set", o)]
    # The show finds the private server by PULSE_SERVER, which main() set for both ends.
    show = start_cli("run", DEMO, "--headless", "--seconds", seconds,
                     "--out", folder / "show.mp4", "--frame-log", log, *sets, cwd=folder)
    wait_for_frames(log, 1, show)           # the show is on: its frames are being swapped
    player = ClickPlayer(interval, clicks)
    player.stream.start()
    while not player.finished:
        time.sleep(0.05)
    player.stream.close()
    show.communicate(timeout=120)
    rows = read_frame_log(log)
    white = [row for row in rows if row["mean"] > WHITE and row["t_swapped"]]
    latencies, firsts = [], []
    for click in player.click_times:
        shown = [row for row in white if click < row["t_swapped"] < click + interval]
        if shown:
            latencies.append(shown[0]["t_swapped"] - click)
            firsts.append((click, shown[0]))
    figures = {"clicks": len(player.click_times), "clicks_shown_white": len(latencies),
               "white_frames": len(white)}
    if not latencies:
        return figures

    def p50_ms(values: list[float]) -> float:
        return round(1000 * float(np.median(values)), 1)

    ms = np.asarray(latencies) * 1000
    figures |= {"onset_to_photon_ms_p50": round(float(np.percentile(ms, 50)), 1),
                "onset_to_photon_ms_p95": round(float(np.percentile(ms, 95)), 1),
                # the click's last sample reaching the analysis (block, hop, device buffers)
                "click_to_hop_captured_ms_p50": p50_ms([row["t_audio"] - click
                                                        for click, row in firsts])}
    budgets = [b for _, row in firsts if (b := frame_budget(row)) is not None]
    for stage in budgets[0] if budgets else ():
        figures[f"white_frame_{stage}_ms_p50"] = p50_ms([b[stage] for b in budgets])
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clicks", type=int, default=20)
    parser.add_argument("--interval", type=float, default=0.5, help="seconds between clicks")
    args = parser.parse_args()
    runtime = Path(tempfile.mkdtemp(prefix="gance-bench-pulse-"))
    runtime.chmod(0o700)
    pulse = PulseServer(runtime)
    pulse.start()
    os.environ["PULSE_SERVER"] = pulse.env["PULSE_SERVER"]
    figures = {}
    try:
        with tempfile.TemporaryDirectory() as folder:
            for name, overrides in ENGINES.items():
                for key, value in measure(name, overrides, args.clicks, args.interval,
                                          Path(folder)).items():
                    figures[f"{name}: {key}"] = value
    finally:
        pulse.stop()
    report("latency", figures)


if __name__ == "__main__":
    main()
