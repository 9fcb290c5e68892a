"""The mp4 recorder alone: exact frame count and rate, audio offset and looping, bad sizes."""

import subprocess

import numpy as np
import pytest
import soundfile

from live.compositor.recorder import (Mp4Recorder, RecordingError, audio_start,
                                      finalise_stream)
from live.contracts.outputs import partial_path
from tests.support.showrun import decode_frames, ffprobe

RATE = 48000


@pytest.fixture
def sawtooth(tmp_path):
    """0.5 s rising from -0.5 to 0.5: the jump back down marks where the file loops."""
    path = tmp_path / "saw.wav"
    soundfile.write(path, np.linspace(-0.5, 0.5, RATE // 2, endpoint=False), RATE)
    return path


def decoded_audio(path):
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), "-f", "f32le", "-ac", "1",
                          "-ar", str(RATE), "-"], capture_output=True, check=True).stdout
    return np.frombuffer(raw, np.float32)


def test_offset_wraps_into_the_file(sawtooth):
    assert audio_start(sawtooth, 1.3) == pytest.approx(0.3)
    assert audio_start(sawtooth, 0.2) == pytest.approx(0.2)


def test_frames_rate_and_looped_audio_from_the_offset(tmp_path, sawtooth):
    out = tmp_path / "clip.mp4"
    recorder = Mp4Recorder(out, 64, 48, fps=15)
    for index in range(30):
        recorder.write(np.full((48, 64, 4), 8 * index, np.uint8).tobytes())
    recorder.write(np.full((48, 64, 4), 250, np.uint8).tobytes(), copies=15)
    assert recorder.finish(sawtooth, audio_offset=1.3) == out
    streams = ffprobe(out)
    assert int(streams["video"]["nb_read_frames"]) == 45
    assert streams["video"]["avg_frame_rate"] == "15/1"
    levels = decode_frames(out, 64, 48)[:, 24, 32, 0].astype(int)
    assert np.abs(levels[:30] - 8 * np.arange(30)).max() <= 3 and np.all(levels[30:] >= 246)
    audio = decoded_audio(out)
    assert abs(len(audio) / RATE - 3.0) < 0.03
    # The video starts 0.3 s into the file, where the ramp is at -0.5 + 2 * 0.3 = 0.1 (and
    # rising 2 per second), so the file loops 0.2 s into the video, then every 0.5 s.
    assert abs(float(np.median(audio[200:1200])) - (0.1 + 2 * 700 / RATE)) < 0.03
    jumps = np.flatnonzero(np.diff(audio) < -0.5) / RATE
    assert abs(jumps[0] - 0.2) < 0.01 and abs(jumps[1] - 0.7) < 0.01
    assert sorted(path.name for path in tmp_path.iterdir()) == ["clip.mp4", "saw.wav"]


def test_odd_sizes_are_refused(tmp_path):
    with pytest.raises(RecordingError, match="even width and height"):
        Mp4Recorder(tmp_path / "odd.mp4", 63, 48, fps=30)


def test_nothing_recorded_is_an_error_not_a_broken_file(tmp_path):
    recorder = Mp4Recorder(tmp_path / "empty.mp4", 64, 48, fps=30)
    with pytest.raises(RecordingError, match="no frame was shown"):
        recorder.finish()
    assert not (tmp_path / "empty.mp4").exists()


def test_a_live_writer_never_waits_and_the_length_stays_exact(tmp_path):
    """A one-frame queue and writes as fast as Python goes: the encoder falls behind at
    once, so frames are skipped (the newest replaces the queued one), yet the count is exact,
    the order never goes backwards and the recording ends on the newest frame."""
    out = tmp_path / "live.mp4"
    recorder = Mp4Recorder(out, 320, 240, fps=30, queue_frames=1)
    for index in range(90):
        recorder.write(np.full((240, 320, 4), index * 2, np.uint8).tobytes(), wait=False)
    recorder.finish()
    levels = decode_frames(out, 320, 240)[:, 120, 160, 0].astype(int)
    assert len(levels) == 90
    assert all(b >= a - 3 for a, b in zip(levels, levels[1:]))
    assert abs(levels[-1] - 178) <= 3
    assert len(set(levels.tolist())) < 90         # the encoder was behind: frames skipped


def test_finalising_a_part_again_removes_what_a_killed_mux_left(tmp_path, sawtooth):
    """A stop cut short kills the compositor while it muxes: its temporary mp4 stays beside
    the stream. Whoever finalises the part next (the supervisor) leaves only the part."""
    out = tmp_path / "show.mp4"
    recorder = Mp4Recorder(out, 64, 48, fps=15)
    for index in range(15):
        recorder.write(np.full((48, 64, 4), 8 * index, np.uint8).tobytes())
    recorder._close_encoder()          # the encoder ended; the mux is what gets killed
    killed_mux = partial_path(out)
    killed_mux.write_bytes(b"half an mp4")
    assert finalise_stream(recorder.video_path, out, 15, sawtooth) == out
    assert int(ffprobe(out)["video"]["nb_read_frames"]) == 15
    assert sorted(path.name for path in tmp_path.iterdir()) == ["saw.wav", "show.mp4"]
