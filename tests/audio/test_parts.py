"""The pure parts around the features: hops from pieces, the looping program, device lookup,
the loss rule, the demo loop and the devices command."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile

from live.audio import demo
from live.audio.devices import find_device
from live.audio.errors import AudioInputError
from live.audio.features import analyze_file, mono
from live.audio.files import AudioProgram, read_audio
from live.audio.process import (DEVICE_TIMEOUT_S, STARTUP_TIMEOUT_S, Handoff, HopAssembler,
                                Piece, loss_reason)
from live.contracts.errors import ConfigError

RATE = 48000


def test_hops_from_pieces_of_any_size_keep_time_and_position():
    assembler = HopAssembler(hop=4, sample_rate=RATE)
    samples = np.arange(10, dtype=np.float32)
    out = list((b.copy(), t, p) for b, t, p in assembler.push(Piece(samples[:3], 100.0, 1.0)))
    assert out == []
    out = [(b.copy(), t, p) for b, t, p in assembler.push(Piece(samples[3:10], 200.0, 2.0))]
    assert [list(b) for b, _, _ in out] == [[0, 1, 2, 3], [4, 5, 6, 7]]
    # the first hop ends one sample into the second piece, the next five samples later
    assert out[0][1] == pytest.approx(200.0 + 1 / RATE)
    assert out[0][2] == pytest.approx(2.0 + 1 / RATE)
    assert out[1][1] == pytest.approx(200.0 + 5 / RATE)


def test_live_pieces_have_no_position():
    assembler = HopAssembler(hop=2, sample_rate=RATE)
    (_, _, position), = assembler.push(Piece(np.zeros(2, np.float32), 5.0, -1.0))
    assert position == -1.0


def test_the_program_loops_its_region_in_contiguous_pieces():
    samples = np.arange(100, dtype=np.float32)[:, None]
    program = AudioProgram(samples, sample_rate=10, loop=True, loop_start=2.0, loop_end=5.0)
    firsts, played = [], []
    for _ in range(5):
        piece, first = program.read(12)
        firsts.append(first)
        played.extend(piece[:, 0])
    assert firsts == [20, 32, 44, 20, 32]    # a read stops at the loop end, then jumps back
    assert played[:30] == list(range(20, 50))


def test_a_program_without_loop_ends():
    program = AudioProgram(np.ones((5, 2), np.float32), sample_rate=10, loop=False)
    assert len(program.read(4)[0]) == 4
    assert len(program.read(4)[0]) == 1
    assert len(program.read(4)[0]) == 0 and program.finished


def test_a_loop_region_outside_the_audio_is_an_error():
    with pytest.raises(AudioInputError, match="loop region 2..9 s does not fit"):
        AudioProgram(np.ones((50, 1), np.float32), sample_rate=10, loop_start=2.0, loop_end=9.0)


def test_a_playlist_joins_files_and_refuses_mixed_rates(tmp_path):
    soundfile.write(tmp_path / "a.wav", np.full(100, 0.25, np.float32), 1000, subtype="FLOAT")
    soundfile.write(tmp_path / "b.wav", np.full((50, 2), 0.5, np.float32), 1000,
                    subtype="FLOAT")
    soundfile.write(tmp_path / "c.wav", np.zeros(10, np.float32), 2000)
    program = AudioProgram.from_files([tmp_path / "a.wav", tmp_path / "b.wav"])
    assert program.samples.shape == (150, 2)
    assert program.samples[0].tolist() == [0.25, 0.25]
    with pytest.raises(AudioInputError, match="c.wav: plays at 2000 Hz"):
        AudioProgram.from_files([tmp_path / "a.wav", tmp_path / "c.wav"])


def test_an_empty_file_is_an_error(tmp_path):
    soundfile.write(tmp_path / "empty.wav", np.zeros(0, np.float32), RATE)
    with pytest.raises(AudioInputError, match="empty.wav: the audio file holds no samples"):
        read_audio(tmp_path / "empty.wav")


DEVICES = [
    {"index": 0, "name": "HDA Intel PCH: ALC257 Analog", "hostapi": "ALSA",
     "max_input_channels": 2, "max_output_channels": 2, "default_samplerate": 48000.0,
     "default_input": False, "default_output": True},
    {"index": 1, "name": "Scarlett 2i2 USB", "hostapi": "ALSA", "max_input_channels": 2,
     "max_output_channels": 2, "default_samplerate": 44100.0, "default_input": True,
     "default_output": False},
    {"index": 2, "name": "HDMI 0", "hostapi": "ALSA", "max_input_channels": 0,
     "max_output_channels": 8, "default_samplerate": 48000.0, "default_input": False,
     "default_output": False},
]


def test_devices_are_found_by_index_substring_or_default():
    assert find_device("1", "input", DEVICES)["name"] == "Scarlett 2i2 USB"
    assert find_device("scarlett", "input", DEVICES)["index"] == 1
    assert find_device("", "input", DEVICES)["index"] == 1
    assert find_device("", "output", DEVICES)["index"] == 0
    assert find_device("hdmi", "output", DEVICES)["index"] == 2


def test_an_unknown_device_error_lists_the_devices_there_are():
    with pytest.raises(AudioInputError) as error:
        find_device("motu", "input", DEVICES)
    message = str(error.value)
    assert "[audio] input_device 'motu': no such input device" in message
    assert "0 'HDA Intel PCH: ALC257 Analog' (2 ch, 48000 Hz)" in message
    assert "1 'Scarlett 2i2 USB' (2 ch, 44100 Hz)" in message
    assert "HDMI" not in message                         # not an input
    assert isinstance(error.value, ConfigError)          # the CLI's exit status 2
    with pytest.raises(AudioInputError, match="no input device with that index"):
        find_device("2", "input", DEVICES)
    with pytest.raises(AudioInputError, match="matches several output devices"):
        find_device("a", "output", DEVICES)
    with pytest.raises(AudioInputError, match="no input device on this machine"):
        find_device("", "input", DEVICES[2:])


def test_loss_needs_silence_beyond_the_timeout_and_after_start_up():
    opened = 100.0
    settled = opened + STARTUP_TIMEOUT_S
    assert loss_reason(settled + 0.5, opened, settled, stream_active=True) == ""
    assert "no audio for" in loss_reason(settled + DEVICE_TIMEOUT_S + 0.1, opened, settled,
                                         stream_active=True)
    # quiet while starting up is not a loss; a stream that stopped itself always is
    assert loss_reason(opened + 2.0, opened, 0.0, stream_active=True) == ""
    assert loss_reason(opened + 0.1, opened, 0.0, stream_active=False) == "the stream stopped"


def test_the_demo_loop_is_deterministic_cached_and_musical(tmp_path, monkeypatch):
    monkeypatch.setenv("GANCE_LIVE_CACHE", str(tmp_path))
    path = demo.demo_loop_path()
    assert path.parent == tmp_path and path.suffix == ".wav"
    modified = path.stat().st_mtime_ns
    assert demo.demo_loop_path() == path and path.stat().st_mtime_ns == modified  # reused
    samples, rate = read_audio(path)
    assert rate == demo.SAMPLE_RATE and samples.shape[1] == 2
    assert len(samples) / rate == pytest.approx(8.0)
    np.testing.assert_allclose(samples, demo.synthesize_loop(), atol=1 / 32768)
    assert 0.5 < np.abs(samples).max() < 1.0
    analysis = analyze_file(path)
    assert analysis["tempo"][-1] == pytest.approx(demo.BPM, abs=2.0)
    assert analysis["onset_event"].sum() >= 16           # at least every beat
    low, high = analysis["bands"][:, 0], analysis["bands"][:, -1]
    assert low.std() > 0.05 and high.std() > 0.05        # kick and hats both move


def test_the_cache_folder_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("GANCE_LIVE_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert demo.cache_dir() == tmp_path / "gance-live"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert demo.cache_dir() == tmp_path / ".cache" / "gance-live"


def test_overruns_count_device_overflows_and_blocks_dropped_for_a_slow_reader():
    handoff = Handoff()
    piece = Piece(np.zeros(4, np.float32), 0.0, -1.0)
    handoff.put(piece, overflowed=True)
    assert handoff.overruns == 1 and handoff.wake.is_set()
    for _ in range(handoff.pieces.maxlen + 10):   # nobody drains: the oldest fall out
        handoff.put(piece)
    assert handoff.overruns == 1 + 11
    assert len(handoff.pieces) == handoff.pieces.maxlen


def test_a_chosen_channel_or_the_mono_mix():
    stereo = np.stack([np.full(4, 0.2, np.float32), np.full(4, 0.6, np.float32)], axis=1)
    assert mono(stereo, 2).tolist() == pytest.approx([0.6] * 4)
    assert mono(stereo, 1).tolist() == pytest.approx([0.2] * 4)
    assert mono(stereo).tolist() == pytest.approx([0.4] * 4)


def test_a_seek_is_published_as_a_jump_with_the_origin_after_it():
    import time

    from live.audio.config import AudioConfig
    from live.audio.process import PacedFileSource

    samples = np.arange(1000, dtype=np.float32)[:, None] / 1000
    program = AudioProgram(samples, sample_rate=100, loop=False)
    source = PacedFileSource(AudioConfig(block=5), program, Handoff())
    source.open()
    time.sleep(0.12)
    source.produce()
    assert source.jump is None
    program.seek(7.0)
    source.handoff.pieces.clear()
    time.sleep(0.12)
    source.produce()
    jumped = source.handoff.pieces[0]
    # Heard from the first block after the seek, at the position asked for, and the origin
    # says so for every block after it.
    assert source.jump == (jumped.first_time, 7.0) and jumped.first_position == 7.0
    for piece in source.handoff.pieces:
        assert piece.first_time - source.playback_origin() == pytest.approx(piece.first_position)
