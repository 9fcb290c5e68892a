"""The audio process for real: spawned like the supervisor does, on real devices and files."""

from __future__ import annotations

import multiprocessing
import subprocess
import time
from dataclasses import replace

import numpy as np
import pytest
import soundfile

from live.audio.config import AudioConfig
from live.audio.demo import demo_loop_path
from live.audio.devices import (check_sample_rate, describe_audio_devices, find_device,
                                list_audio_devices)
from live.audio.errors import AudioInputError
from live.audio.features import FeatureExtractor, analyze_file, band_edges
from live.audio.process import audio_main
from live.contracts.feature_ring import FeatureRing
from live.contracts.messages import Status
from live.contracts.shm import leftover_segments

RATE = 48000
READY_TIMEOUT_S = 30.0   # a spawned interpreter importing numpy on a busy 2-core CI box
STOP_TIMEOUT_S = 2.0     # the process must notice stop_event within this


class AudioProcess:
    """audio_main in a spawned process, with its ring and its status queue."""

    def __init__(self, cfg: AudioConfig, config_dir: str = ".") -> None:
        self.ctx = multiprocessing.get_context("spawn")
        self.ring = FeatureRing.create()
        self.status = self.ctx.Queue()
        self.stop = self.ctx.Event()
        self.seeks = self.ctx.Queue()   # positions the played file jumps to
        self.process = self.ctx.Process(
            target=audio_main, args=(cfg, config_dir, self.ring.name, self.status, self.stop,
                                     self.seeks))

    def __enter__(self) -> AudioProcess:
        self.process.start()
        return self

    def next_status(self, timeout: float = READY_TIMEOUT_S) -> Status:
        return self.status.get(timeout=timeout)

    def wait_for_frames(self, count: int, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        start = self.ring.count
        while self.ring.count < start + count:
            assert time.monotonic() < deadline, f"only {self.ring.count - start} frames came"
            time.sleep(0.01)

    def shutdown(self) -> float:
        """Set stop_event; return how long the process took to exit."""
        began = time.monotonic()
        self.stop.set()
        self.process.join(STOP_TIMEOUT_S + 5)
        return time.monotonic() - began

    def __exit__(self, *exc) -> None:
        if self.process.is_alive():
            self.shutdown()
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.ring.close()


def test_demo_loop_without_output_is_paced_by_the_clock(tmp_path, monkeypatch):
    monkeypatch.setenv("GANCE_LIVE_CACHE", str(tmp_path))
    cfg = AudioConfig(source="demo", output_device="none")
    with AudioProcess(cfg) as proc:
        warning = proc.next_status()
        assert (warning.source, warning.status) == ("audio", "warning")
        assert "paced by the clock" in warning.detail
        status = proc.next_status()
        assert (status.source, status.status) == ("audio", "ready")
        proc.wait_for_frames(5)
        first = proc.ring.latest()
        time.sleep(1.0)
        last = proc.ring.latest()
        hops = proc.ring.count
        # real time: about one hop per 512/48000 s, time stamps in step with the clock
        per_second = (last.time - first.time) / ((last.position - first.position) or 1)
        assert per_second == pytest.approx(1.0, abs=0.05)
        assert abs(last.time - time.monotonic()) < 0.2
        assert proc.ring.playback_origin == pytest.approx(last.time - last.position, abs=0.02)
        assert last.rms > 0.01 and last.spectrum.max() > 0.5
        assert proc.shutdown() < STOP_TIMEOUT_S
        assert proc.process.exitcode == 0
        assert hops > 80
    assert not [s for s in leftover_segments() if proc.ring.name.lstrip("/") in s]


def test_a_missing_file_is_a_one_line_error(tmp_path):
    cfg = AudioConfig(source="file", file="nope.flac", output_device="none")
    with AudioProcess(cfg, str(tmp_path)) as proc:
        status = proc.next_status()
        assert status.status == "error"
        assert "nope.flac" in status.detail and "\n" not in status.detail
        proc.process.join(10)
        assert proc.process.exitcode == 0


def test_an_unknown_input_device_lists_the_devices_there_are(pulse):
    cfg = AudioConfig(source="live", input_device="no-such-interface")
    with AudioProcess(cfg) as proc:
        status = proc.next_status()
        assert status.status == "error"
        assert "'no-such-interface': no such input device" in status.detail
        assert "'pulse'" in status.detail


def test_an_unsupported_rate_lists_the_rates_the_device_offers(jack_server):
    cfg = AudioConfig(source="live", input_device="system", sample_rate=44100)
    with AudioProcess(cfg) as proc:
        status = proc.next_status()
        assert status.status == "error"
        assert "cannot run at 44100 Hz; it offers 48000" in status.detail
    # the same check through PyAudio, in this process (each PyAudio instance rescans)
    device = find_device("system", "input", list_audio_devices("pyaudio"))
    with pytest.raises(AudioInputError, match="cannot run at 44100 Hz; it offers 48000$"):
        check_sample_rate("pyaudio", device, "input", 2, 44100)


def play_into_sink(pulse, path) -> subprocess.Popen:
    """Play a file into the null sink with PulseAudio's own player, looping it."""
    return subprocess.Popen(["sh", "-c", f"while paplay --device={pulse.sink} '{path}'; "
                             "do :; done"], env=pulse.env)


@pytest.mark.parametrize("backend", ["sounddevice", "pyaudio"])
def test_live_capture_finds_a_tone_played_into_the_sink(pulse, tmp_path, backend):
    freq = 2000.0   # band 5 of 8 (1644..3458 Hz)
    t = np.arange(2 * RATE) / RATE
    tone = tmp_path / "tone.wav"
    soundfile.write(tone, (0.5 * np.sin(2 * np.pi * freq * t)).astype(np.float32), RATE)
    player = play_into_sink(pulse, tone)
    try:
        cfg = AudioConfig(source="live", backend=backend, input_device="pulse", block=256)
        with AudioProcess(cfg) as proc:
            status = proc.next_status()
            assert status.status == "ready", status.detail
            proc.wait_for_frames(150, timeout=20)
            frames = proc.ring.recent(50)
            loud = [f for f in frames if f.rms > 0.1]
            assert len(loud) > 25
            expected = int(np.searchsorted(band_edges(8, 40.0, 16000.0), freq) - 1)
            assert all(int(np.argmax(f.bands)) == expected for f in loud)
            peak = np.mean([np.argmax(f.spectrum) for f in loud])
            assert peak == pytest.approx(freq / (RATE / 2) * 511, abs=2)
            assert all(f.position == -1.0 for f in frames)
            assert proc.ring.playback_origin is None
            # capture to shared memory: the newest frame is recent (seconds are generous;
            # benchmarks/bench_audio.py measures the figure)
            latencies = [f.published - f.time for f in frames]
            assert max(latencies) < 0.5
            assert proc.shutdown() < STOP_TIMEOUT_S
    finally:
        player.terminate()
        player.wait()


def test_rehearsal_features_agree_with_analyze_file(pulse, tmp_path, monkeypatch):
    monkeypatch.setenv("GANCE_LIVE_CACHE", str(tmp_path))
    loop = demo_loop_path()
    cfg = AudioConfig(source="file", file=str(loop), output_device="pulse", loop=True)
    offline = analyze_file(loop, hop=cfg.hop)
    duration = soundfile.info(str(loop)).duration
    hop_seconds = cfg.hop / RATE
    with AudioProcess(cfg) as proc:
        status = proc.next_status()
        assert status.status == "ready", status.detail
        deadline = time.monotonic() + 25
        batches, by_stamp = [], {}
        while time.monotonic() < deadline:
            time.sleep(0.2)
            batch = proc.ring.recent(255)
            batches.append(batch)
            by_stamp.update((f.published, f) for f in batch)
            origin = proc.ring.playback_origin
            if origin is not None and batch and batch[-1].time - origin > duration * 1.1:
                break
        news = [proc.status.get(timeout=1) for _ in range(proc.status.qsize())]
    assert origin is not None
    assert not news, f"the device was lost during the test: {news}"
    seen = [by_stamp[k] for k in sorted(by_stamp)]
    # Within each read the frames are consecutive ring entries: every hop follows the one
    # before, across the loop jump too, so no sample is analysed twice or skipped and what
    # is analysed is exactly what was played.
    for batch in batches:
        steps = np.diff([f.position for f in batch])
        wrapped = steps < 0
        assert np.allclose(steps[~wrapped], hop_seconds, atol=1e-6)
        assert np.allclose(steps[wrapped], hop_seconds - duration, atol=hop_seconds)
    assert all(np.diff([f.time for f in seen]) > 0)
    first_wrap = next((i for i in range(1, len(seen))
                       if seen[i].position < seen[i - 1].position), None)
    assert first_wrap is not None, "the loop never jumped back"
    first_pass = [f for f in seen[:first_wrap] if f.position > 0]
    assert len(first_pass) > 100
    for frame in first_pass:
        row = int(round(frame.position / hop_seconds)) - 1
        assert frame.position == pytest.approx(offline["times"][row], abs=1e-6)
        np.testing.assert_allclose(frame.spectrum, offline["spectrum"][row], atol=1e-4)
        np.testing.assert_allclose(frame.bands, offline["bands"][row], atol=1e-4)
        assert frame.rms == pytest.approx(float(offline["rms"][row]), abs=1e-5)
        assert frame.onset_event == offline["onset_event"][row]


def test_a_seek_on_the_device_is_published_as_the_jump_heard(pulse, tmp_path, monkeypatch):
    monkeypatch.setenv("GANCE_LIVE_CACHE", str(tmp_path))
    cfg = AudioConfig(source="file", file=str(demo_loop_path()), output_device="pulse")
    hop_seconds = cfg.hop / RATE
    with AudioProcess(cfg) as proc:
        assert proc.next_status().status == "ready"
        proc.wait_for_frames(50)
        assert proc.ring.last_jump is None
        proc.seeks.put(1.0)
        deadline = time.monotonic() + 10
        while (jump := proc.ring.last_jump) is None:
            assert time.monotonic() < deadline, "the seek was never published"
            time.sleep(0.01)
        proc.wait_for_frames(50)
        after = [f for f in proc.ring.recent(255) if f.time > jump[0] + hop_seconds]
        origin = proc.ring.playback_origin
    # Every hop heard after the jump is where the jump says, and the origin moved with it
    # (within the device clock's jitter: the origin is corrected beyond 2 ms).
    assert jump[1] == pytest.approx(1.0, abs=1 / RATE) and len(after) > 20
    for frame in after:
        assert frame.position == pytest.approx(1.0 + frame.time - jump[0], abs=0.003)
        assert frame.position == pytest.approx(frame.time - origin, abs=0.003)


def next_status_of(proc: AudioProcess, status: str, timeout: float) -> Status:
    deadline = time.monotonic() + timeout
    while True:
        news = proc.next_status(max(0.1, deadline - time.monotonic()))
        if news.status == status:
            return news


def test_a_lost_device_gives_silence_then_recovers(pulse):
    cfg = AudioConfig(source="live", input_device="pulse")
    with AudioProcess(cfg) as proc:
        assert proc.next_status().status == "ready"
        proc.wait_for_frames(20)
        try:
            pulse.kill()
            warning = next_status_of(proc, "warning", timeout=15)
            assert "audio device lost" in warning.detail
            proc.wait_for_frames(20)             # time goes on: silent frames keep coming
            silent = proc.ring.latest()
            assert silent.rms == 0.0 and silent.position == -1.0
            assert abs(silent.time - time.monotonic()) < 0.5
        finally:
            pulse.start()
        back = next_status_of(proc, "ready", timeout=20)
        assert back.detail.startswith("recovered")
        proc.wait_for_frames(50)
        fresh = proc.ring.latest()
        assert fresh.published - fresh.time < 0.5
        assert proc.shutdown() < STOP_TIMEOUT_S


def test_devices_listing_shows_the_pulse_device(pulse):
    text = describe_audio_devices("sounddevice")
    assert "inputs:" in text and "outputs:" in text and "'pulse'" in text


def test_extractor_settings_follow_the_config():
    cfg = replace(AudioConfig(), bands=12, hop=256, fft_size=1024)
    extractor = FeatureExtractor.from_config(cfg, RATE)
    frame = extractor.process(np.zeros(256, np.float32), time=0.0)
    assert frame.bands.shape == (12,)
