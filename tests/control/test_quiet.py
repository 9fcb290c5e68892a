"""Quiet when nothing is wrong: no library chatter on stderr, no traceback at a closed pipe."""

from __future__ import annotations

import os
import pytest

from live.control.ports import ALSA_SEQUENCER, ALSA_UNAVAILABLE
from tests.engine.showrun import ffprobe, run_cli, scratch_dir

ALSA_MISSING = not os.access(ALSA_SEQUENCER, os.R_OK | os.W_OK)


@pytest.mark.slow
def test_a_show_retrying_alsa_midi_says_once_that_it_is_unavailable() -> None:
    out = scratch_dir() / "demo.mp4"
    # A controller map and quick rescans: the hot-plug watcher retries ALSA about six times.
    show = run_cli("demo", "--headless", "--seconds", 4, "--out", out,
                   "--set", 'control.midi.maps=["midi/generic.toml"]',
                   "--set", "control.midi.rescan_seconds=0.05")
    assert show.returncode == 0, show.stderr
    assert "ALSA lib" not in show.stderr
    said = show.stderr.count(ALSA_UNAVAILABLE)
    assert said == 1 if ALSA_MISSING else said == 0, show.stderr
    assert ffprobe(out)["video"]["width"] == 512  # the show itself went on

