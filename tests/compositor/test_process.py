"""The compositor process end to end, headless: real spawn, real frame ring, real ffmpeg.

Each frame index gets its own grey level, so the recording itself tells which frame was on
screen in each period.
"""

import json
import os
import signal

import numpy as np
import pytest
import soundfile

from live.compositor.config import OutputConfig
from tests.compositor.harness import CompositorHarness
from tests.support.showrun import decode_frames, ffprobe

FPS = 30


def grey(index):
    return (40 + 5 * index) % 256


def shown_indices(log_path):
    return [json.loads(line)["index"] for line in log_path.read_text().splitlines()]


@pytest.fixture(scope="module")
def loop_wav(tmp_path_factory):
    """A 0.5 s tone: shorter than the recordings, so muxing has to loop it."""
    path = tmp_path_factory.mktemp("audio") / "loop.wav"
    rate = 48000
    t = np.arange(rate // 2) / rate
    soundfile.write(path, 0.2 * np.sin(2 * np.pi * 330 * t), rate)
    return path


def test_out_of_order_completions_are_shown_in_order_and_recorded(tmp_path, loop_wav):
    frames = 36
    record, log = tmp_path / "show.mp4", tmp_path / "frames.jsonl"
    # Generous latency and lead times: a loaded CI machine must not turn this into a drop test.
    with CompositorHarness(record_path=str(record), frame_log=str(log), audio_path=str(loop_wav),
                           audio_offset=1.3, fps=FPS, slots=16, max_latency_frames=10) as show:
        assert show.status().status == "ready"
        show.start(frames)
        # Completions arrive in scrambled groups of three, each well before it is due.
        for first in range(0, frames, 3):
            show.wait_until(show.due(first) - 0.2)
            for index in (first + 2, first, first + 1):
                show.deliver(index, colour=(grey(index),) * 3)
        final = show.finish(reason=None)
    assert final.status == "finished" and final.detail == str(record)
    assert shown_indices(log) == list(range(frames))
    entries = [json.loads(line) for line in log.read_text().splitlines()]
    assert all(abs(e["mean"] - grey(e["index"])) < 1e-6 for e in entries)
    assert all(e["t_shown"] >= e["t_due"] - 1 / FPS for e in entries)
    assert {"network", "crossfade_to", "worker", "t_synth_end", "t_audio"} <= entries[0].keys()
    streams = ffprobe(record)
    assert int(streams["video"]["nb_read_frames"]) == frames
    assert (streams["video"]["width"], streams["video"]["height"]) == (128, 96)
    assert streams["video"]["codec_name"] == "h264" and streams["video"]["pix_fmt"] == "yuv420p"
    assert streams["video"]["r_frame_rate"] == streams["video"]["avg_frame_rate"] == f"{FPS}/1"
    assert streams["audio"]["codec_name"] == "aac"
    assert abs(float(streams["audio"]["duration"]) - frames / FPS) < 0.05
    levels = decode_frames(record, 128, 96)[:, 48, 64, 0].astype(int)
    assert np.abs(levels - [grey(k) for k in range(frames)]).max() <= 3
    assert all(s.shown for s in show.slot_frees)


def test_late_frames_are_dropped_and_the_last_frame_is_held(tmp_path):
    record, log = tmp_path / "held.mp4", tmp_path / "frames.jsonl"
    with CompositorHarness(record_path=str(record), frame_log=str(log), fps=FPS,
                           max_latency_frames=2) as show:
        assert show.status().status == "ready"
        frames = 30
        show.start(frames)
        for index in range(6):                  # 0..5 on time
            show.deliver(index, colour=(grey(index),) * 3)
        show.wait_until(show.due(9))
        show.deliver(9, colour=(grey(9),) * 3)  # 6, 7, 8 never come: hold 5, then show 9
        show.wait_until(show.due(12))
        show.deliver(7, colour=(grey(7),) * 3)  # 7 after 9 was shown: dropped, never shown
        # Then nothing more: the screen holds frame 9 to the end.
        final = show.finish(reason=None)
    assert final.status == "finished"
    assert shown_indices(log) == [0, 1, 2, 3, 4, 5, 9]
    dropped = [s for s in show.slot_frees if not s.shown]
    assert [s.index for s in dropped] == [7]
    levels = decode_frames(record, 128, 96)[:, 48, 64, 0].astype(int)
    assert len(levels) == frames
    expected = [grey(min(k, 5)) if k < 9 else grey(9) for k in range(frames)]
    # Timing on a busy machine may shift the switch to 9 by a period; everything else is exact.
    mismatches = [k for k in range(frames) if abs(levels[k] - expected[k]) > 3]
    assert all(k in (9, 10) for k in mismatches)
    assert all(b >= a - 3 for a, b in zip(levels, levels[1:]))   # never backwards
    assert levels.min() > 20                                      # never black


def test_render_mode_shows_every_frame_in_order_without_pacing(tmp_path, loop_wav):
    frames = 24
    record, log = tmp_path / "render.mp4", tmp_path / "frames.jsonl"
    with CompositorHarness(record_path=str(record), frame_log=str(log), mode="render",
                           audio_path=str(loop_wav), max_latency_frames=1, fps=FPS) as show:
        assert show.status().status == "ready"
        show.start(frames, lead=-100.0)         # long "overdue": render mode must not care
        for first in range(0, frames, 6):       # each group of six in reverse order
            for index in reversed(range(first, first + 6)):
                show.deliver(index, colour=(grey(index),) * 3)
        final = show.finish(reason=None)
    assert final.status == "finished"
    assert shown_indices(log) == list(range(frames))
    assert all(s.shown for s in show.slot_frees) and len(show.slot_frees) == frames
    levels = decode_frames(record, 128, 96)[:, 48, 64, 0].astype(int)
    assert np.abs(levels - [grey(k) for k in range(frames)]).max() <= 3
    assert "audio" in ffprobe(record)


def test_sigterm_finalises_the_recording(tmp_path):
    record = tmp_path / "terminated.mp4"
    with CompositorHarness(record_path=str(record), fps=FPS) as show:
        assert show.status().status == "ready"
        show.start(frames=None)
        for index in range(10):
            show.deliver(index, colour=(grey(index),) * 3)
        show.wait_until(show.due(15))
        os.kill(show.process.pid, signal.SIGTERM)
        final = show.status()
        show.process.join(30)
    assert final.status == "finished"
    assert int(ffprobe(record)["video"]["nb_read_frames"]) >= 15
    assert [path.name for path in tmp_path.iterdir()] == ["terminated.mp4"]   # no partial left


def test_sigint_is_left_to_the_supervisor(tmp_path):
    with CompositorHarness(fps=FPS) as show:
        assert show.status().status == "ready"
        os.kill(show.process.pid, signal.SIGINT)
        show.start(frames=3, lead=0.1)
        for index in range(3):
            show.deliver(index, colour=(90, 90, 90))
        assert show.finish(reason=None).status == "finished"
        assert show.process.exitcode == 0


def test_a_missing_frame_ring_is_a_one_line_error():
    with CompositorHarness(ring_name="gance_live_0_nothing") as show:
        status = show.status()
    assert status.status == "error" and "gance_live_0_nothing" in status.detail
    assert "\n" not in status.detail


def test_an_odd_recording_size_is_refused_at_start(tmp_path):
    with CompositorHarness(output=OutputConfig(width=99, height=64),
                           record_path=str(tmp_path / "odd.mp4")) as show:
        status = show.status()
    assert status.status == "error" and "even" in status.detail and "odd.mp4" in status.detail
