"""Quiet when nothing is wrong: no library chatter on stderr, no traceback at a closed pipe."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from live.control.ports import ALSA_SEQUENCER, ALSA_UNAVAILABLE
from tests.support.showrun import cli_env, ffprobe, run_cli, scratch_dir

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


def test_keys_piped_into_head_ends_quietly() -> None:
    # pipefail: the pipeline fails if gance-live does, as a script would see it.
    pipeline = subprocess.run(
        ["bash", "-c", f"set -o pipefail; {sys.executable} -m live keys | head -1"],
        cwd=scratch_dir(), env=cli_env(), capture_output=True, text=True, timeout=120)
    assert pipeline.returncode == 0, pipeline.stderr
    assert pipeline.stderr == ""
    assert len(pipeline.stdout.splitlines()) == 1


def test_keys_into_a_pipe_nobody_reads_ends_quietly() -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first line: every write meets EPIPE
    try:
        keys = subprocess.run([sys.executable, "-m", "live", "keys"], cwd=scratch_dir(),
                              env=cli_env(), stdout=write_end, stderr=subprocess.PIPE,
                              text=True, timeout=120)
    finally:
        os.close(write_end)
    assert keys.returncode == 0, keys.stderr
    assert keys.stderr == ""
