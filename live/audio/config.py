"""``[audio]``: where the sound comes from and how it is analysed."""

from __future__ import annotations

from dataclasses import dataclass

from live.contracts.schema import param


@dataclass
class AudioConfig:
    source: str = param("file", "live = an input device; file = a recorded loop played to the "
                                "speakers; demo = the built-in loop", choices=("live", "file", "demo"))
    file: str = param("", "audio file for source = file (wav, flac or ogg), relative to this file")
    playlist: list[str] = param([], "for source = file: more files played after `file`, in "
                                    "order; the whole list loops when `loop` is on")
    backend: str = param("sounddevice", "audio library", choices=("sounddevice", "pyaudio"))
    input_device: str = param("", "input device name substring or index; empty = default")
    output_device: str = param("", "output device for rehearsal playback; empty = default, "
                                   "\"none\" = analyse silently, paced by the clock")
    sample_rate: int = param(48000, "samples per second of live input (a file plays at its "
                                    "own rate); 0 = the input device's default rate",
                             range=(0, 192000))
    channel: int = param(0, "input channel to analyse, counted from 1; 0 = the first two "
                            "channels mixed to mono",
                         range=(0, 64))
    block: int = param(256, "samples per device callback; smaller = lower latency, more CPU",
                       range=(16, 8192))
    hop: int = param(512, "samples between feature frames", range=(32, 8192))
    fft_size: int = param(2048, "FFT window in samples (at least `hop`)", range=(64, 32768))
    bands: int = param(8, "log-spaced band energies per frame", range=(1, 64))
    band_low_hz: float = param(40.0, "lower edge of the lowest band", range=(1.0, 20000.0))
    band_high_hz: float = param(16000.0, "upper edge of the highest band (capped at Nyquist)",
                                range=(100.0, 96000.0))
    floor_db: float = param(-80.0, "level (dBFS) that maps to 0 in rms-derived and band "
                                   "values; anything quieter counts as silence",
                            range=(-140.0, -10.0))
    spectrum_range_db: float = param(80.0, "dynamic range of the GANce spectrum below its "
                                           "running peak", range=(10.0, 140.0))
    spectrum_peak_release: float = param(10.0, "seconds for the spectrum's running peak to "
                                               "fall by 20 dB after a loud passage",
                                         range=(0.1, 3600.0))
    attack: float = param(0.005, "seconds for smoothed features to rise toward a louder "
                                 "value (time constant)", range=(0.0, 10.0))
    release: float = param(0.12, "seconds for smoothed features to fall back (time constant)",
                           range=(0.0, 10.0))
    onset_threshold: float = param(1.5, "an onset fires when spectral flux exceeds this "
                                        "multiple of its recent median", range=(1.0, 20.0))
    onset_min_interval: float = param(0.06, "seconds: onsets closer than this are merged",
                                      range=(0.0, 2.0))
    tempo: bool = param(True, "estimate tempo and beat phase")
    tempo_min_bpm: float = param(60.0, "slowest tempo considered", range=(20.0, 300.0))
    tempo_max_bpm: float = param(200.0, "fastest tempo considered", range=(30.0, 400.0))
    loop: bool = param(True, "loop the file (or the playlist)")
    loop_start: float = param(0.0, "seconds: where the loop region starts", range=(0.0, 1e6))
    loop_end: float = param(0.0, "seconds: where the loop region ends; 0 = the end of the file",
                            range=(0.0, 1e6))
