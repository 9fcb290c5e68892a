"""Whole shows with real processes: workers, compositor, audio, supervisor."""

from __future__ import annotations

import os
import signal
import time

import numpy as np
import pytest

from live.contracts.shm import leftover_segments
from tests.support.xvfb import screenshot, xvfb
from tests.support.showrun import (DEMO, assert_in_order_and_never_black, ffprobe,
                                  kill_child_mid_show, read_frame_log, run_cli, start_cli,
                                  wait_for_frames)

pytestmark = pytest.mark.slow

DEMO_FPS = 15


def test_headless_demo_writes_the_asked_mp4_with_audio(tmp_path):
    out, log = tmp_path / "demo.mp4", tmp_path / "frames.jsonl"
    show = start_cli("demo", "--headless", "--seconds", 3, "--out", out, "--frame-log", log)
    stdout, stderr = show.communicate(timeout=180)
    assert show.returncode == 0, stderr
    assert f"wrote {out}" in stdout
    streams = ffprobe(out)
    video, audio = streams["video"], streams["audio"]
    assert (video["width"], video["height"]) == (512, 512)
    assert int(video["nb_read_frames"]) == 3 * DEMO_FPS
    assert video["avg_frame_rate"] == f"{DEMO_FPS}/1"
    assert abs(float(audio["duration"]) - 3.0) < 0.1
    rows = read_frame_log(log)
    assert len(rows) >= 3
    assert_in_order_and_never_black(rows)
    assert leftover_segments(show.pid) == []


def test_demo_without_display_says_so_and_goes_headless(tmp_path):
    out = tmp_path / "demo.mp4"
    result = run_cli("demo", "--seconds", 1, "--out", out)
    assert result.returncode == 0, result.stderr
    assert "no display found" in result.stderr
    assert int(ffprobe(out)["video"]["nb_read_frames"]) == DEMO_FPS


def test_window_with_two_cpu_workers_changes_over_time(tmp_path):
    log = tmp_path / "frames.jsonl"
    with xvfb(640, 600) as display:
        # 60 fps is more than one CPU worker draws (about 20 ms a frame on an idle 2-core
        # machine, more under load), so both must take part.
        show = start_cli("run", DEMO, "--seconds", 12, "--frame-log", log,
                         "--set", "engine.workers=2", "--set", "show.fps=60",
                         "--set", "output.width=600",
                         "--set", "output.height=600", display=display)
        try:
            wait_for_frames(log, 4, show)
            first = screenshot(display)
            time.sleep(2.0)
            second = screenshot(display)
            stdout, stderr = show.communicate(timeout=60)
        finally:
            show.kill()
    assert show.returncode == 0, stderr
    for shot in (first, second):
        picture = shot[:600, :600].astype(np.float32)
        assert picture.std() > 20, "the window shows a flat picture"
    assert np.abs(first.astype(np.int16) - second).mean() > 3, "the picture did not change"
    rows = read_frame_log(log)
    assert_in_order_and_never_black(rows)
    assert {row["worker"] for row in rows} == {0, 1}


def test_the_audio_moves_the_picture(tmp_path):
    """The same show rendered to music and to silence: frames differ only with gain > 0."""
    import soundfile

    from live.audio.demo import demo_loop_path

    music = demo_loop_path()
    silence = tmp_path / "silence.wav"
    info = soundfile.info(str(music))
    soundfile.write(str(silence), np.zeros((int(info.samplerate * 2), 1), np.float32),
                    info.samplerate)

    def frames(audio, gain):
        log = tmp_path / f"{audio.stem}-{gain}.jsonl"
        result = run_cli("render", DEMO, "--audio", audio, "--out", tmp_path / "r.mp4",
                         "--seconds", 1, "--frame-log", log, "--set", f"latents.gain={gain}")
        assert result.returncode == 0, result.stderr
        return [row["mean"] for row in read_frame_log(log)]

    assert frames(music, 1.0) != frames(silence, 1.0)
    assert frames(music, 0.0) == frames(silence, 0.0)


def test_a_killed_worker_comes_back_and_the_show_goes_on(tmp_path):
    log = tmp_path / "frames.jsonl"
    show = start_cli("run", DEMO, "--headless", "--seconds", 14, "--frame-log", log,
                     "--out", tmp_path / "show.mp4", "--set", "show.fps=30")
    try:
        victim = wait_for_frames(log, 2, show, where=lambda r: r["worker"] == 0)[-1]["worker_pid"]
        os.kill(victim, signal.SIGKILL)
        killed_at = time.monotonic()
        wait_for_frames(log, 1, show, timeout=60,
                        where=lambda r: r["worker"] == 0 and r["worker_pid"] != victim)
        stdout, stderr = show.communicate(timeout=60)
    finally:
        show.kill()
    assert show.returncode == 0, stderr
    assert "1 worker restarts" in stdout
    rows = read_frame_log(log)
    assert_in_order_and_never_black(rows)
    after_kill = [row for row in rows if row["t_shown"] > killed_at]
    assert {row["worker"] for row in after_kill} == {0, 1}, "the show did not go on with both"
    assert leftover_segments(show.pid) == []


def test_sigterm_stops_everything_fast_and_leaves_a_playable_mp4(tmp_path):
    log, out = tmp_path / "frames.jsonl", tmp_path / "show.mp4"
    show = start_cli("run", DEMO, "--headless", "--seconds", 120, "--frame-log", log,
                     "--out", out)
    try:
        wait_for_frames(log, 8, show)
        show.send_signal(signal.SIGTERM)
        sent = time.monotonic()
        stdout, stderr = show.communicate(timeout=30)
        took = time.monotonic() - sent
    finally:
        show.kill()
    assert show.returncode == 0, stderr
    assert "SIGTERM" in stdout
    # The design says 2 s; CI machines are slower and busier than a show box, so allow 4 s here.
    assert took < 4.0, f"shutdown took {took:.1f} s"
    assert int(ffprobe(out)["video"]["nb_read_frames"]) >= 8
    assert leftover_segments(show.pid) == []


def test_a_killed_audio_process_comes_back_and_the_pictures_go_on(tmp_path):
    log = tmp_path / "frames.jsonl"
    show, _, stderr, killed_at = kill_child_mid_show(
        log, "libportaudio", "run", DEMO, "--headless", "--seconds", 12, "--frame-log", log,
        "--out", tmp_path / "show.mp4")
    assert show.returncode == 0, stderr
    assert "the audio process exited" in stderr and "restarting it" in stderr
    rows = read_frame_log(log)
    assert_in_order_and_never_black(rows)
    assert sum(row["t_shown"] > killed_at + 1 for row in rows) > 15   # pictures went on
    assert leftover_segments(show.pid) == []

