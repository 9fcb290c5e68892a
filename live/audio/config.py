"""``[audio]``: where the sound comes from and how it is analysed."""

from __future__ import annotations

from dataclasses import dataclass

from live.schema import param


@dataclass
class AudioConfig:
    source: str = param("file", "live = an input device; file = a recorded loop played to the "
                                "speakers; demo = the built-in loop", choices=("live", "file", "demo"))
    file: str = param("", "audio file for source = file (wav, flac or ogg), relative to this file")
    backend: str = param("sounddevice", "audio library", choices=("sounddevice", "pyaudio"))
    input_device: str = param("", "input device name substring or index; empty = default")
    output_device: str = param("", "output device for rehearsal playback; empty = default, "
                                   "\"none\" = analyse silently, paced by the clock")
    sample_rate: int = param(48000, "samples per second", range=(8000, 192000))
    hop: int = param(512, "samples between feature frames (also the capture block size)",
                     range=(32, 8192))
    fft_size: int = param(2048, "FFT window in samples", range=(64, 32768))
    loop: bool = param(True, "loop the file")
