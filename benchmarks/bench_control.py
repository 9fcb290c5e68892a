"""MIDI to conductor: how long from a controller's message to a ControlEvent from ``poll()``.

A fake controller (a JACK virtual output port) sends note-ons into a running ControlHub; the
conductor's side polls every 50 us. Figures:

- ``arrival_to_poll``: from the message reaching the hub's port (rtmidi measures the gaps
  between arrivals; the hub rebuilds arrival times from them) to ``poll()`` returning the
  event: the hub's share. Target: p99 <= 1 ms.
- ``send_to_poll``: from the sender's ``send_message`` call, so including JACK's transport,
  which moves MIDI once per period (``--period`` frames at 48 kHz; a USB controller on ALSA
  has no such period).
- ``lost_messages``: messages that never came out (JACK drops a period's MIDI when a client
  misses it, which a loaded 2-core machine provokes).
- ``poll_with_event_us`` / ``poll_idle_us``: what one ``poll()`` costs the conductor's loop
  with one message waiting / with nothing.
- ``translate_us``: MidiMap.translate on one message.

With ``--show``, a second part runs the demo show headless (``gance-live run``, CPU
workers) with the APC mini map, presses pads that switch networks, and reads the frame log:

- ``pad_to_frame``: from the pad's note to the first shown frame with the new network, in
  milliseconds and in frame periods (target: 2 frames or less). It includes the frames
  already in flight when the event arrives: the engine renders ahead of the display.

    .venv/bin/python -m benchmarks.bench_control [--messages 2000] [--period 32] [--show]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.report import report
from live.config import load_config
from live.control.config import ControlConfig
from live.control.hub import ControlHub
from live.control.midi import MidiMap
from tests.support.jack import FakeController, dummy_jack_server, wait_for
from tests.control.conftest import MAPS
from tests.support.showrun import DEMO, interrupt, read_frame_log, start_cli, wait_for_frames


POLL_PAUSE_S = 50e-6  # between two idle polls of the measuring loop
LOST_AFTER_S = 0.5    # a message not out of poll() by then is counted as lost


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def measure_hub(messages: int) -> dict[str, list[float]]:
    cfg = ControlConfig()
    cfg.midi.api = "jack"
    cfg.midi.maps = [str(MAPS / "generic.toml")]
    cfg.osc.enabled = False
    times: dict[str, list[float]] = {"arrival_to_poll": [], "send_to_poll": [],
                                     "poll_with_event": [], "poll_idle": [], "lost": []}
    with FakeController("Bench Keys") as keys, \
            ControlHub(cfg, time.perf_counter, 8, resolve=lambda p: MAPS / p) as hub:
        if not wait_for(lambda: hub.ports, timeout=10):
            raise SystemExit("the hub did not open the fake controller's port")
        for index in range(messages):
            sent = time.perf_counter()
            keys.send([0x90, 36 + index % 8, 100])   # a pad: one network event each
            while True:
                before = time.perf_counter()
                events = hub.poll()
                polled = time.perf_counter()
                if events or polled - sent > LOST_AFTER_S:
                    break
                times["poll_idle"].append(polled - before)
                # Leave the CPU to JACK's threads: on a small machine a spinning loop makes
                # them miss their period, and JACK then drops that period's MIDI.
                time.sleep(POLL_PAUSE_S)
            if not events:
                times["lost"].append(sent)
                continue
            times["poll_with_event"].append(polled - before)
            times["arrival_to_poll"].append(polled - events[0].time)
            times["send_to_poll"].append(polled - sent)
            time.sleep(0.002)  # a performer's pace, not a flood
    return times


def measure_translate(messages: int) -> float:
    midi_map = MidiMap.load(MAPS / "korg-nanokontrol2.toml")
    data = [[0xB0, 0, v % 128] for v in range(messages)]
    start = time.perf_counter()
    for message in data:
        midi_map.translate(message)
    return (time.perf_counter() - start) / messages * 1e6


def measure_show(switches: int) -> tuple[list[float], int]:
    """Pad presses to shown frames in a running show: latencies in seconds, and its fps."""
    with tempfile.TemporaryDirectory() as folder:
        log = Path(folder) / "frames.jsonl"
        controls = ["--set", 'control.midi.api="jack"',
                    "--set", f'control.midi.maps=["{MAPS / "akai-apc-mini.toml"}"]']
        fps = load_config(DEMO).show.fps
        latencies = []
        with FakeController("APC MINI") as apc:
            show = start_cli("run", DEMO, "--headless", "--seconds", 600, "--frame-log", log,
                             *controls)
            try:
                wait_for_frames(log, 3, show)
                # The show finds the controller within its first rescan; press until it obeys.
                network = 1
                while not any(row["network"] == network for row in read_frame_log(log)):
                    apc.send([0x90, network, 127])
                    time.sleep(0.5)
                for switch in range(switches):
                    network = switch % 2  # bottom-row pads 1 and 2: networks 0 and 1
                    time.sleep(1.0)
                    pressed = time.monotonic()
                    apc.send([0x90, network, 127])
                    rows = wait_for_frames(log, 1, show, where=lambda row, n=network, t=pressed:
                                           row["network"] == n and row["t_shown"] > t)
                    latencies.append(rows[0]["t_shown"] - pressed)
            finally:
                interrupt(show)
    return latencies, fps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--period", type=int, default=32,
                        help="JACK frames per period at 48 kHz (32 = 0.67 ms)")
    parser.add_argument("--show", action="store_true",
                        help="also measure pad to shown frame in a running demo show")
    parser.add_argument("--switches", type=int, default=20,
                        help="network switches for --show")
    args = parser.parse_args()
    with dummy_jack_server(period=args.period):
        times = measure_hub(args.messages)
        if args.show:
            latencies, fps = measure_show(args.switches)
    arrival_ms = [t * 1e3 for t in times["arrival_to_poll"]]
    send_ms = [t * 1e3 for t in times["send_to_poll"]]
    figures = {
        "messages": args.messages,
        "lost_messages": len(times["lost"]),
        "jack_period_ms": args.period / 48.0,
        "arrival_to_poll_p50_ms": statistics.median(arrival_ms),
        "arrival_to_poll_p99_ms": percentile(arrival_ms, 0.99),
        "send_to_poll_p50_ms": statistics.median(send_ms),
        "send_to_poll_p99_ms": percentile(send_ms, 0.99),
        "send_to_poll_max_ms": max(send_ms),
        "poll_with_event_p50_us": statistics.median(times["poll_with_event"]) * 1e6,
        "poll_with_event_p99_us": percentile(times["poll_with_event"], 0.99) * 1e6,
        "poll_idle_p50_us": statistics.median(times["poll_idle"]) * 1e6,
        "translate_us": measure_translate(100_000),
    }
    if args.show:
        latency_ms = [t * 1e3 for t in latencies]
        figures.update({
            "show_fps": fps,
            "pad_to_frame_p50_ms": statistics.median(latency_ms),
            "pad_to_frame_max_ms": max(latency_ms),
            "pad_to_frame_p50_frames": statistics.median(latency_ms) * fps / 1e3,
            "pad_to_frame_max_frames": max(latency_ms) * fps / 1e3,
        })
    report("bench_control", figures)


if __name__ == "__main__":
    main()
