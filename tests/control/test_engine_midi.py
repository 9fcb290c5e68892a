"""End to end: a controller on a JACK port drives a running show, frame by frame."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Callable

import pytest

from tests.control.conftest import MAPS, FakeController
from tests.support.showrun import DEMO, interrupt, read_frame_log, start_cli, wait_for_frames

pytestmark = pytest.mark.slow


def test_pads_and_a_fader_change_the_network_and_gain_of_shown_frames(jack_server, tmp_path):
    log = tmp_path / "frames.jsonl"
    controls = ["--set", 'control.midi.api="jack"', "--set", "control.midi.rescan_seconds=0.1",
                "--set", f'control.midi.maps=["{MAPS / "akai-apc-mini.toml"}"]']
    with FakeController("APC MINI") as apc:
        show = start_cli("run", DEMO, "--headless", "--seconds", 90, "--frame-log", log,
                         *controls)
        try:
            before = wait_for_frames(log, 3, show)
            assert {row["network"] for row in before} == {0}
            # Pad 3 of the bottom row (a note), until the show has found the port and obeys.
            play_until(show, log, apc, lambda row: row["network"] == 2,
                       [[0x90, 2, 127], [0x80, 2, 0]])
            # The master fader (CC 56): swept through the show's gain to take it over softly,
            # then down to 25. Repeated in case a busy machine made JACK drop a burst.
            sweep = [[0xB0, 56, value] for value in [*range(0, 128, 8), 127, 100, 64, 25]]
            play_until(show, log, apc, lambda row: abs(row["gain"] - 25 / 127) < 1e-4, sweep)
            shown = wait_for_frames(log, 2, show,
                                    where=lambda row: abs(row["gain"] - 25 / 127) < 1e-4)
        finally:
            interrupt(show)
    assert show.returncode == 0, show.stderr.read()[-2000:]
    assert all(row["network"] == 2 for row in shown)
    rows = read_frame_log(log)
    first_switched = next(i for i, row in enumerate(rows) if row["network"] == 2)
    assert all(row["network"] == 0 for row in rows[:first_switched])
    assert [row["index"] for row in rows] == sorted(row["index"] for row in rows)


def play_until(show: subprocess.Popen, log: Path, controller: FakeController,
               shown: Callable[[dict], bool], messages: list[list[int]],
               timeout: float = 60.0) -> None:
    """Play ``messages`` every half second until a frame matching ``shown`` is logged."""
    deadline = time.monotonic() + timeout
    while not any(shown(row) for row in read_frame_log(log)):
        assert time.monotonic() < deadline, f"no such frame after {timeout} s"
        assert show.poll() is None, show.stderr.read()[-2000:]
        for message in messages:
            controller.send(message)
        time.sleep(0.5)
