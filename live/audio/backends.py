"""Audio streams through sounddevice or PyAudio behind one small interface.

Both libraries wrap PortAudio; this module hides their differences (callback signatures,
sample formats, stream clocks, device enumeration) so the rest of the audio concern asks for
"an input stream on device 3 delivering float32 blocks" and gets the same behaviour from
either.

Callbacks run on PortAudio's audio thread. They receive numpy float32 ``[frames, channels]``
arrays and the **monotonic** time of their first sample (PortAudio's stream clock converted
to ``time.monotonic()``), and must return quickly without blocking.

    stream = open_input("sounddevice", device=3, channels=2, sample_rate=48000,
                        block=256, on_block=lambda samples, t0, overflow: ...)
    stream.start(); ...; stream.close()
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

BACKENDS = ("sounddevice", "pyaudio")

# on_block(samples [frames, channels] float32, monotonic time of the first sample, overflowed)
InputCallback = Callable[[np.ndarray, float, bool], None]
# fill(out [frames, channels] float32 to fill, monotonic time the first sample is heard)
OutputCallback = Callable[[np.ndarray, float], None]


@contextlib.contextmanager
def quiet_stderr() -> Iterator[None]:
    """Silence C-level stderr (file descriptor 2) for the duration.

    PortAudio's ALSA host API prints dozens of "ALSA lib ... Unknown PCM" lines while it
    probes devices that do not exist; on a show terminal they bury the messages that matter.
    Python-level errors still surface as exceptions.
    """
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    try:
        with open(os.devnull, "wb") as devnull:
            os.dup2(devnull.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def sounddevice_module(refresh: bool = False) -> Any:
    """The ``sounddevice`` module, imported quietly; ``refresh`` re-initialises PortAudio so
    devices plugged in (or back) since the import appear in its list."""
    with quiet_stderr():
        import sounddevice
        if refresh:
            # sounddevice documents these two calls as the way to rescan devices.
            sounddevice._terminate()
            sounddevice._initialize()
    return sounddevice


def pyaudio_instance() -> Any:
    """A fresh ``pyaudio.PyAudio()`` (each one rescans devices); terminate it when done."""
    with quiet_stderr():
        import pyaudio
        return pyaudio.PyAudio()


def stream_clock_offset(stream_now: float) -> float:
    """What to add to a PortAudio stream time to get ``time.monotonic()``.

    PortAudio reports buffer times on its own clock, with ``currentTime`` as "now"; ALSA and
    some other host APIs report 0 when they have no clock, in which case the offset is taken
    as zero and callers use their fallback.
    """
    return time.monotonic() - stream_now if stream_now > 0 else 0.0


class Stream:
    """An open input or output stream: :meth:`start`, :meth:`close`, :attr:`active`."""

    def __init__(self, start: Callable[[], None], close: Callable[[], None],
                 active: Callable[[], bool], latency: float) -> None:
        self._start, self._close, self._active = start, close, active
        self.latency = latency  # seconds the device reports between buffer and jack
        self._closed = False

    def start(self) -> None:
        self._start()

    @property
    def active(self) -> bool:
        """False once the stream stopped by itself (device gone, host error)."""
        return not self._closed and self._active()

    def close(self) -> None:
        """Stop and release the device; safe to call twice."""
        if not self._closed:
            self._closed = True
            self._close()


def open_input(backend: str, device: int, channels: int, sample_rate: int, block: int,
               on_block: InputCallback) -> Stream:
    """A float32 capture stream on ``device`` (an index from ``list_audio_devices``)."""
    if backend == "sounddevice":
        return _sounddevice_input(device, channels, sample_rate, block, on_block)
    return _pyaudio_stream(device, channels, sample_rate, block, on_block, None)


def open_output(backend: str, device: int, channels: int, sample_rate: int, block: int,
                fill: OutputCallback) -> Stream:
    """A float32 playback stream on ``device``; ``fill`` writes every block to be played."""
    if backend == "sounddevice":
        return _sounddevice_output(device, channels, sample_rate, block, fill)
    return _pyaudio_stream(device, channels, sample_rate, block, None, fill)


def _sounddevice_input(device: int, channels: int, sample_rate: int, block: int,
                       on_block: InputCallback) -> Stream:
    sd = sounddevice_module()

    def callback(indata: np.ndarray, frames: int, times: Any, status: Any) -> None:
        offset = stream_clock_offset(times.currentTime)
        first = (times.inputBufferAdcTime + offset if offset
                 else time.monotonic() - frames / sample_rate)
        on_block(indata, first, bool(status.input_overflow))

    with quiet_stderr():
        stream = sd.InputStream(device=device, channels=channels, samplerate=sample_rate,
                                blocksize=block, dtype="float32", callback=callback)
    return Stream(stream.start, stream.close, lambda: stream.active, float(stream.latency))


def _sounddevice_output(device: int, channels: int, sample_rate: int, block: int,
                        fill: OutputCallback) -> Stream:
    sd = sounddevice_module()
    latency_holder: list[float] = []

    def callback(outdata: np.ndarray, frames: int, times: Any, status: Any) -> None:
        offset = stream_clock_offset(times.currentTime)
        heard = (times.outputBufferDacTime + offset if offset
                 else time.monotonic() + (latency_holder[0] if latency_holder else 0.0))
        fill(outdata, heard)

    # "high" latency: a deeper buffer never underruns, and its delay costs nothing because
    # every block is stamped with the time it will be heard.
    with quiet_stderr():
        stream = sd.OutputStream(device=device, channels=channels, samplerate=sample_rate,
                                 blocksize=block, dtype="float32", callback=callback,
                                 latency="high")
    latency_holder.append(float(stream.latency))
    return Stream(stream.start, stream.close, lambda: stream.active, float(stream.latency))


def _pyaudio_stream(device: int, channels: int, sample_rate: int, block: int,
                    on_block: InputCallback | None, fill: OutputCallback | None) -> Stream:
    import pyaudio

    pa = pyaudio_instance()
    is_input = on_block is not None
    latency_holder: list[float] = []

    def callback(in_data: bytes | None, frames: int, info: dict, flags: int) -> tuple:
        offset = stream_clock_offset(info.get("current_time", 0.0))
        if is_input:
            samples = np.frombuffer(in_data, np.float32).reshape(frames, channels)
            first = (info["input_buffer_adc_time"] + offset if offset
                     else time.monotonic() - frames / sample_rate)
            on_block(samples, first, bool(flags & pyaudio.paInputOverflow))
            return None, pyaudio.paContinue
        out = np.zeros((frames, channels), np.float32)
        heard = (info["output_buffer_dac_time"] + offset if offset
                 else time.monotonic() + (latency_holder[0] if latency_holder else 0.0))
        fill(out, heard)
        return out.tobytes(), pyaudio.paContinue

    try:
        with quiet_stderr():
            stream = pa.open(format=pyaudio.paFloat32, channels=channels, rate=sample_rate,
                             input=is_input, output=not is_input,
                             input_device_index=device if is_input else None,
                             output_device_index=None if is_input else device,
                             frames_per_buffer=block, stream_callback=callback,
                             start=False)
    except BaseException:
        pa.terminate()
        raise
    latency = float(stream.get_input_latency() if is_input else stream.get_output_latency())
    latency_holder.append(latency)

    def close() -> None:
        # Pa_CloseStream on a running stream discards its buffers (an abort), where
        # stop_stream would first wait for them: on a vanished device, possibly for ever.
        try:
            stream.close()
        finally:
            pa.terminate()

    return Stream(stream.start_stream, close, stream.is_active, latency)
