"""No orphans, no leftovers, clean stops: a show's processes live and die with it.

Real shows in subprocesses, real signals, /proc and /dev/shm as the kernel shows them.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from live.contracts.shm import leftover_segments, segment_name
from tests.support.showrun import (DEMO, descendants, ffprobe, process_group, run_cli,
                                  shared_memory_of, start_cli, wait_for_frames, wait_until_gone)

pytestmark = pytest.mark.slow

# The issue asks for 1 s; a loaded test machine gets half a second more.
ORPHAN_TIMEOUT_S = 1.5
# The README says 2 s; benchmarks measure it, a busy CI machine gets a generous bound.
STOP_TIMEOUT_S = 10.0


def test_children_of_a_killed_show_exit_and_leave_nothing_in_dev_shm(tmp_path):
    log = tmp_path / "frames.jsonl"
    show = start_cli("run", DEMO, "--headless", "--seconds", 120, "--frame-log", log,
                     "--out", tmp_path / "show.mp4")
    family, orphans = [], []
    try:
        wait_for_frames(log, 4, show)
        family = descendants(show.pid)   # workers, audio, compositor, resource tracker, ffmpeg
        shm = shared_memory_of([show.pid, *family])
        os.kill(show.pid, signal.SIGKILL)
        show.wait(10)
        orphans = wait_until_gone(family, ORPHAN_TIMEOUT_S)
    finally:
        show.kill()
        for pid in orphans:   # a failing run leaves none behind
            os.kill(pid, signal.SIGKILL)
        _, stderr = show.communicate(timeout=30)
    assert len(family) >= 5, f"expected 2 workers, audio, compositor and the tracker: {family}"
    assert orphans == [], f"still running {ORPHAN_TIMEOUT_S} s after the show was killed"
    ours = {path.name for path in shm if path.name.startswith("gance_live_")}
    semaphores = {path for path in shm if path.name.startswith("sem.mp-")}
    assert len(ours) == 2 and semaphores, "the show should map its segments and semaphores"
    assert leftover_segments(show.pid) == []
    assert [path for path in semaphores if path.exists()] == []
    assert "Traceback" not in stderr


def test_a_show_removes_segments_whose_owner_is_dead_and_keeps_live_ones(tmp_path):
    dead = _dead_pid()
    stale = Path("/dev/shm", segment_name("frames", dead))
    alive = Path("/dev/shm", segment_name("lifecycle_test"))   # this test's: alive
    stale.write_bytes(bytes(4096))
    alive.write_bytes(bytes(4096))
    try:
        result = run_cli("demo", "--headless", "--seconds", 1, "--out", tmp_path / "demo.mp4")
        assert result.returncode == 0, result.stderr
        assert not stale.exists()
        assert alive.exists(), "a segment of a live process was removed"
        removed = [line for line in result.stderr.splitlines() if "removed shared memory" in line]
        assert removed == [f"gance-live: removed shared memory left by dead shows: {stale.name}"]
    finally:
        stale.unlink(missing_ok=True)
        alive.unlink(missing_ok=True)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_a_signal_to_the_process_group_stops_everything_cleanly(tmp_path, signum):
    """Ctrl-C in a terminal (or a service manager's SIGTERM) reaches every process of the
    group at once: the show stops, restarts nothing, prints no traceback, keeps its mp4."""
    log, out = tmp_path / "frames.jsonl", tmp_path / "show.mp4"
    show = start_cli("run", DEMO, "--headless", "--seconds", 120, "--frame-log", log,
                     "--out", out, new_session=True)
    try:
        wait_for_frames(log, 8, show)
        shm = shared_memory_of([show.pid, *descendants(show.pid)])
        os.killpg(show.pid, signum)
        deadline = time.monotonic() + STOP_TIMEOUT_S
        while process_group(show.pid) and time.monotonic() < deadline:
            time.sleep(0.02)
        left = process_group(show.pid)
        stdout, stderr = show.communicate(timeout=30)
    finally:
        if process_group(show.pid):   # a failing run leaves none behind
            os.killpg(show.pid, signal.SIGKILL)
    assert left == [], f"still running {STOP_TIMEOUT_S} s after {signum.name}"
    assert show.returncode == 0, stderr
    assert signum.name in stdout
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr
    assert "restarting" not in stderr and "exited" not in stderr, stderr
    assert leftover_segments(show.pid) == []
    assert [path for path in shm if path.exists()] == []
    assert int(ffprobe(out)["video"]["nb_read_frames"]) >= 8


def _dead_pid() -> int:
    """The pid of a process that has exited and been reaped."""
    finished = subprocess.Popen(["true"])
    finished.wait()
    return finished.pid
