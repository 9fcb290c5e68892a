"""The audio process: capture or play, analyse every hop, publish to the feature ring.

:func:`audio_main` is the entry point the supervisor spawns. It opens one of three sources:

``live``
    An input device (sounddevice or PyAudio). The device callback hands each block to this
    process's main thread, which cuts hops, analyses them and writes the frames, stamped with
    the monotonic time the hop's last sample reached the converter.
``file`` / ``demo``
    A file (or playlist, or the built-in loop) played through the output device. The output
    callback takes the next samples from the program, plays them and hands *those same
    samples* to the analysis, stamped with the time they will be heard; so pictures answer to
    exactly what the audience hears. With ``output_device = "none"`` (or no output device at
    all) the program is analysed silently, paced by the clock, after one warning.

Threading: PortAudio's callback thread only copies samples into a bounded deque and sets an
event (it never blocks, never analyses); the main thread does the rest and polls
``stop_event``. A device that stops delivering for :data:`DEVICE_TIMEOUT_S` counts as lost:
features fall to silence (paced by the clock), the process logs once, retries every
:data:`RETRY_INTERVAL_S` and carries on when the device is back.
"""

from __future__ import annotations

import collections
import logging
import math
import queue
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from live.audio.backends import Stream, open_input, open_output
from live.audio.config import AudioConfig
from live.audio.demo import demo_loop_path
from live.audio.devices import check_sample_rate, find_device, list_audio_devices
from live.audio.errors import AudioInputError
from live.audio.features import FeatureExtractor, mono
from live.audio.files import AudioProgram
from live.contracts.feature_ring import FeatureRing
from live.contracts.lifecycle import child_process
from live.contracts.messages import Status

log = logging.getLogger(__name__)

# A device silent this long (no callback at all) is treated as gone. PulseAudio on a busy
# machine has been seen to pause a healthy stream for two seconds; a real unplug usually
# stops the stream at once, which is noticed on the next poll.
DEVICE_TIMEOUT_S = 2.5
# A freshly opened stream gets this long to settle before silence counts as loss (PulseAudio
# has been seen to deliver a few blocks, then nothing for two seconds, then run steadily).
STARTUP_TIMEOUT_S = 5.0
# The published playback origin is corrected when a new estimate differs by more than this
# (PortAudio's first buffer times are guesses; a start-up stall shifts them).
ORIGIN_TOLERANCE_S = 0.002
# How often a lost device is looked for again.
RETRY_INTERVAL_S = 1.0
# The longest the main thread sleeps before checking stop_event and the device again.
POLL_S = 0.05
# Blocks the callback may queue before the analysis falls behind and the oldest are dropped
# (counted as overruns): about a second at the default block size.
MAX_QUEUED_BLOCKS = 200
# Closing a stream on a vanished device can hang inside the host API; give up waiting after
# this long and let the daemon thread finish on its own.
CLOSE_TIMEOUT_S = 1.0


@dataclass
class Piece:
    """Consecutive mono samples from a device callback or the player.

    ``first_time``: monotonic time of the first sample (captured, or heard);
    ``first_position``: seconds into the program of the first sample, or -1 for live input.
    """

    samples: np.ndarray
    first_time: float
    first_position: float


class HopAssembler:
    """Cuts pieces of any length into hops, keeping each hop's end time and position.

    Pure bookkeeping (no clocks): a hop's ``time`` and ``position`` are where its last sample
    ends, counted from the piece that sample came from.
    """

    def __init__(self, hop: int, sample_rate: int) -> None:
        self.hop, self.sample_rate = hop, sample_rate
        self._buffer = np.zeros(hop, np.float32)
        self._filled = 0

    def push(self, piece: Piece) -> Iterator[tuple[np.ndarray, float, float]]:
        """Yield ``(hop samples, end time, end position)`` for every hop this piece completes.

        The end is the instant the hop's last sample finishes (as in :func:`analyze_file`'s
        ``times``). The yielded array is reused: process it before the next."""
        samples = piece.samples
        offset = 0
        while offset < len(samples):
            take = min(self.hop - self._filled, len(samples) - offset)
            self._buffer[self._filled:self._filled + take] = samples[offset:offset + take]
            self._filled += take
            offset += take
            if self._filled == self.hop:
                self._filled = 0
                end = offset / self.sample_rate
                position = piece.first_position + end if piece.first_position >= 0 else -1.0
                yield self._buffer, piece.first_time + end, position

    def reset(self) -> None:
        """Drop a partial hop (after a gap in the samples)."""
        self._filled = 0


@dataclass
class Handoff:
    """What the audio thread passes to the main thread: pieces, a wake-up, counters."""

    pieces: collections.deque = field(
        default_factory=lambda: collections.deque(maxlen=MAX_QUEUED_BLOCKS))
    wake: threading.Event = field(default_factory=threading.Event)
    overruns: int = 0               # device overflows plus blocks dropped for a slow reader
    last_piece: float = 0.0         # monotonic time the audio thread last delivered

    def put(self, piece: Piece, overflowed: bool = False) -> None:
        """Called on the audio thread: never blocks (a full deque drops its oldest)."""
        if overflowed or len(self.pieces) == self.pieces.maxlen:
            self.overruns += 1
        self.pieces.append(piece)
        self.last_piece = time.monotonic()
        self.wake.set()


def _latency_text(stream: Stream | None) -> str:
    return f", device latency {stream.latency * 1e3:.1f} ms" if stream else ""


class LiveSource:
    """An input device feeding the handoff."""

    def __init__(self, cfg: AudioConfig, handoff: Handoff) -> None:
        self.cfg, self.handoff = cfg, handoff
        device = find_device(cfg.input_device, "input", list_audio_devices(cfg.backend))
        available = device["max_input_channels"]
        if cfg.channel > available:
            raise AudioInputError(f"[audio] channel {cfg.channel}: input device "
                                  f"'{device['name']}' has only {available} channels")
        self.channels = cfg.channel or min(2, available)
        self.sample_rate = cfg.sample_rate or int(device["default_samplerate"])
        check_sample_rate(cfg.backend, device, "input", self.channels, self.sample_rate)
        self.device_name = device["name"]
        self.stream: Stream | None = None

    def describe(self) -> str:
        return (f"live input '{self.device_name}' via {self.cfg.backend}, "
                f"{self.sample_rate} Hz, block {self.cfg.block}, hop {self.cfg.hop}"
                + _latency_text(self.stream))

    def open(self, refresh: bool = False) -> None:
        """Open the stream (looking the device up again after a loss)."""
        cfg, channel = self.cfg, self.cfg.channel
        device = find_device(cfg.input_device, "input",
                             list_audio_devices(cfg.backend, refresh=refresh))

        def on_block(samples: np.ndarray, first_time: float, overflowed: bool) -> None:
            # np.array copies: the library reuses its buffer once the callback returns.
            self.handoff.put(Piece(np.array(mono(samples, channel)), first_time, -1.0),
                             overflowed)

        self.stream = open_input(cfg.backend, device["index"], self.channels, self.sample_rate,
                                 cfg.block, on_block)
        self.stream.start()

    def playback_origin(self) -> float | None:
        return None

    jump = None   # live input never jumps


class FileSource:
    """A program played through an output device, each played block handed to analysis."""

    def __init__(self, cfg: AudioConfig, program: AudioProgram, handoff: Handoff) -> None:
        self.cfg, self.program, self.handoff = cfg, program, handoff
        self.sample_rate = program.sample_rate
        device = find_device(cfg.output_device, "output", list_audio_devices(cfg.backend))
        self.channels = min(program.channels, device["max_output_channels"])
        check_sample_rate(cfg.backend, device, "output", self.channels, self.sample_rate)
        self.device_name = device["name"]
        self.stream: Stream | None = None
        self.origin: float | None = None
        self.jump: tuple[float, float] | None = None   # the newest seek: (heard at, position)
        self._played = 0  # samples played since the program started, across loop jumps

    def describe(self) -> str:
        return (f"playing to '{self.device_name}' via {self.cfg.backend}, "
                f"{self.sample_rate} Hz, block {self.cfg.block}, hop {self.cfg.hop}"
                + _latency_text(self.stream))

    def open(self, refresh: bool = False) -> None:
        cfg = self.cfg
        device = find_device(cfg.output_device, "output",
                             list_audio_devices(cfg.backend, refresh=refresh))
        self.stream = open_output(cfg.backend, device["index"], self.channels,
                                  self.sample_rate, cfg.block, self._fill)
        self.stream.start()

    def _fill(self, out: np.ndarray, heard: float) -> None:
        """Audio thread: play the next samples and pass the very same ones to analysis."""
        filled, frames, rate = 0, len(out), self.sample_rate
        while filled < frames:
            samples, first = self.program.read(frames - filled)
            if not len(samples):
                # The program ended: play and analyse silence, so frames keep flowing.
                out[filled:] = 0.0
                self.handoff.put(Piece(np.zeros(frames - filled, np.float32),
                                       heard + filled / rate, -1.0))
                return
            count = len(samples)
            if samples.shape[1] == out.shape[1]:
                out[filled:filled + count] = samples
            else:
                out[filled:filled + count] = mono(samples)[:, None]
            first_time = heard + filled / rate
            if self.program.jumped:   # a seek: as if played straight through to `first`
                self.program.jumped = False
                self._played = first - self.program.start
                self.jump = (first_time, first / rate)
            self.origin = first_time - (self.program.start + self._played) / rate
            self.handoff.put(Piece(mono(samples), first_time, first / rate))
            self._played += count
            filled += count

    def playback_origin(self) -> float | None:
        return self.origin


class PacedFileSource:
    """A program analysed without a device, paced by the monotonic clock."""

    def __init__(self, cfg: AudioConfig, program: AudioProgram, handoff: Handoff) -> None:
        self.cfg, self.program, self.handoff = cfg, program, handoff
        self.sample_rate = program.sample_rate
        self.stream = None
        self.origin: float | None = None
        self.jump: tuple[float, float] | None = None   # the newest seek: (heard at, position)
        self._started = 0.0
        self._played = 0

    def describe(self) -> str:
        return (f"analysing without playback (paced by the clock), {self.sample_rate} Hz, "
                f"hop {self.cfg.hop}")

    def open(self, refresh: bool = False) -> None:
        self._started = time.monotonic()
        self._played = 0

    def produce(self) -> None:
        """Hand over every block whose last sample is due by now."""
        rate, block = self.sample_rate, self.cfg.block
        while (self._played + block) / rate <= time.monotonic() - self._started:
            start_time = self._started + self._played / rate
            samples, first = self.program.read(block)
            if not len(samples):  # the program ended: silence keeps the frames flowing
                self.handoff.put(Piece(np.zeros(block, np.float32), start_time, -1.0))
                self._played += block
                continue
            if self.program.jumped:   # a seek: from here the program plays from `first`
                self.program.jumped = False
                self.origin, self.jump = start_time - first / rate, (start_time, first / rate)
            if self.origin is None:
                self.origin = self._started - self.program.start / rate
            self.handoff.put(Piece(mono(samples), start_time, first / rate))
            self._played += len(samples)

    def seconds_to_next_block(self) -> float:
        """How long until the next block is due (0 when one is due already)."""
        due = self._started + (self._played + self.cfg.block) / self.sample_rate
        return max(0.0, due - time.monotonic())

    def playback_origin(self) -> float | None:
        return self.origin


def load_program(cfg: AudioConfig, config_dir: str) -> AudioProgram:
    """The samples a ``file`` or ``demo`` source plays, files resolved from ``config_dir``."""
    if cfg.source == "demo":
        paths = [demo_loop_path()]
    else:
        if not cfg.file:
            raise AudioInputError("[audio] file: empty; name a wav/flac/ogg file, or set "
                                  "source = \"demo\" for the built-in loop")
        paths = [_resolve(name, config_dir) for name in [cfg.file, *cfg.playlist]]
    return AudioProgram.from_files(paths, cfg.loop, cfg.loop_start, cfg.loop_end)


def _resolve(name: str, config_dir: str) -> Path:
    path = Path(name).expanduser()
    return path if path.is_absolute() else Path(config_dir) / path


def _send(status_queue: Any, status: str, detail: str) -> None:
    """Tell the supervisor, never waiting for it."""
    try:
        status_queue.put_nowait(Status("audio", status, detail))
    except (queue.Full, ValueError, OSError):
        log.warning("audio status not delivered: %s: %s", status, detail)


def _close_quietly(stream: Stream | None) -> None:
    """Close ``stream`` without letting a hung host API hold up the process."""
    if stream is None:
        return

    def close() -> None:
        try:
            stream.close()
        except Exception as exc:  # the device is already gone; nothing left to release
            log.debug("closing a lost audio stream: %s", exc)

    closer = threading.Thread(target=close, name="audio-close", daemon=True)
    closer.start()
    closer.join(CLOSE_TIMEOUT_S)


def make_source(cfg: AudioConfig, config_dir: str, handoff: Handoff,
                status_queue: Any) -> LiveSource | FileSource | PacedFileSource:
    """The source ``cfg`` asks for; raises :class:`AudioInputError` on bad input."""
    if cfg.source == "live":
        return LiveSource(cfg, handoff)
    program = load_program(cfg, config_dir)
    if cfg.output_device.strip().lower() == "none":
        _send(status_queue, "warning", "output_device = \"none\": the audio is analysed "
                                       "silently, paced by the clock")
        return PacedFileSource(cfg, program, handoff)
    try:
        return FileSource(cfg, program, handoff)
    except AudioInputError as exc:
        if cfg.output_device.strip():
            raise  # a named output device that is not there is the performer's to fix
        _send(status_queue, "warning", f"no audio output ({exc}); analysing the file "
                                       "silently, paced by the clock")
        return PacedFileSource(cfg, program, handoff)


@child_process
def audio_main(cfg: AudioConfig, config_dir: str, ring_name: str, status_queue: Any,
               stop_event: Any, seeks: Any = None) -> None:
    """Run the audio process until ``stop_event`` is set.

    ``seeks`` (a queue, or None) brings positions (seconds into the program) a file source
    jumps to: the set moving to a song plays that song's audio.

    ``ring_name`` names a :class:`FeatureRing` the supervisor created; ``status_queue``
    receives :class:`~live.contracts.messages.Status` messages from source ``"audio"``:
    ``ready`` once frames flow, ``warning`` (no output device, device lost), ``error`` with
    a one-line reason on bad input (after which this returns).
    """
    ring = FeatureRing.attach(ring_name)
    handoff = Handoff()
    try:
        try:
            source = make_source(cfg, config_dir, handoff, status_queue)
            if cfg.fft_size < cfg.hop:
                raise AudioInputError(f"[audio] fft_size {cfg.fft_size} is smaller than hop "
                                      f"{cfg.hop}; use an FFT window of at least one hop")
            source.open()
        except AudioInputError as exc:
            _send(status_queue, "error", str(exc))
            return
        except Exception as exc:  # PortAudio refusing the stream: report it, one line
            _send(status_queue, "error", f"audio: cannot open the source: {exc}")
            return
        _send(status_queue, "ready", source.describe())
        _run(cfg, source, handoff, ring, status_queue, stop_event, seeks)
    finally:
        ring.close()


def _take_seeks(seeks: Any, program: AudioProgram) -> None:
    """Jump to the newest position asked for since the last look (older ones are moot)."""
    wanted = None
    try:
        while True:
            wanted = seeks.get_nowait()
    except (queue.Empty, ValueError, OSError):
        pass
    if wanted is not None:
        program.seek(wanted)


def loss_reason(now: float, opened_at: float, last_piece: float, stream_active: bool) -> str:
    """Why a stream counts as lost, or "" while it is healthy.

    Pure: the caller passes the clock. A stream that stopped itself is lost at once; one that
    merely went quiet gets :data:`DEVICE_TIMEOUT_S`, and none at all while it is still within
    :data:`STARTUP_TIMEOUT_S` of being opened.
    """
    if not stream_active:
        return "the stream stopped"
    silent_for = now - max(last_piece, opened_at)
    if silent_for > DEVICE_TIMEOUT_S and now - opened_at >= STARTUP_TIMEOUT_S:
        return f"no audio for {silent_for:.1f} s"
    return ""


class Publisher:
    """Turns pieces into frames in the ring: hops, features, overrun count, playback origin."""

    def __init__(self, cfg: AudioConfig, sample_rate: int, ring: FeatureRing,
                 handoff: Handoff) -> None:
        self.extractor = FeatureExtractor.from_config(cfg, sample_rate)
        self.assembler = HopAssembler(cfg.hop, sample_rate)
        self.hop_seconds = cfg.hop / sample_rate
        self.silence = np.zeros(cfg.hop, np.float32)
        self.ring, self.handoff = ring, handoff
        self.last_time = -math.inf   # the newest hop's time: readers rely on times increasing

    def publish(self, block: np.ndarray, end_time: float, end_position: float) -> None:
        # A stream clock re-based after an underrun can stamp a hop before the one already
        # published; it goes on from the published timeline instead, a hop later.
        end_time = max(end_time, self.last_time + self.hop_seconds)
        self.last_time = end_time
        frame = self.extractor.process(block, end_time, end_position)
        frame.overruns = self.handoff.overruns
        self.ring.write(frame)

    def drain(self) -> None:
        """Analyse and publish every complete hop the audio thread has handed over."""
        pieces = self.handoff.pieces
        while pieces:
            for block, end_time, end_position in self.assembler.push(pieces.popleft()):
                self.publish(block, end_time, end_position)

    def publish_origin(self, origin: float | None) -> None:
        published = self.ring.playback_origin
        if origin is not None and (published is None
                                   or abs(origin - published) > ORIGIN_TOLERANCE_S):
            self.ring.playback_origin = origin


class Outage:
    """A lost device: silence published in step with the clock, and the retry schedule."""

    def __init__(self, since: float) -> None:
        self.since = since
        self.next_retry = since + RETRY_INTERVAL_S
        self.silent_hops = 0

    def publish_silence(self, publisher: Publisher, now: float) -> None:
        """One silent frame per hop of time since the loss, so readers see time go on."""
        due = int((now - self.since) / publisher.hop_seconds)
        while self.silent_hops < due:
            self.silent_hops += 1
            publisher.publish(publisher.silence,
                              self.since + self.silent_hops * publisher.hop_seconds, -1.0)


def _run(cfg: AudioConfig, source: Any, handoff: Handoff, ring: FeatureRing,
         status_queue: Any, stop_event: Any, seeks: Any = None) -> None:
    publisher = Publisher(cfg, source.sample_rate, ring, handoff)
    paced = isinstance(source, PacedFileSource)
    opened_at = time.monotonic()
    outage: Outage | None = None
    try:
        while not stop_event.is_set():
            if seeks is not None and not isinstance(source, LiveSource):
                _take_seeks(seeks, source.program)
            wait = POLL_S
            if paced:
                source.produce()
                wait = min(wait, source.seconds_to_next_block())
            handoff.wake.wait(wait)
            handoff.wake.clear()
            publisher.drain()
            publisher.publish_origin(source.playback_origin())
            if source.jump is not None and source.jump != ring.last_jump:
                ring.last_jump = source.jump
            if paced:
                continue
            now = time.monotonic()
            if outage is None:
                reason = loss_reason(now, opened_at, handoff.last_piece, source.stream.active)
                if reason:
                    outage = Outage(now)
                    log.warning("audio device lost (%s: %s); retrying every %.0f s",
                                source.describe(), reason, RETRY_INTERVAL_S)
                    _send(status_queue, "warning", f"audio device lost ({reason}); features "
                                                   "silent until it returns")
                    _close_quietly(source.stream)
                    source.stream = None
                    if isinstance(source, LiveSource):
                        publisher.assembler.reset()  # the next capture does not continue it
                continue
            outage.publish_silence(publisher, now)
            if now < outage.next_retry:
                continue
            outage.next_retry = now + RETRY_INTERVAL_S
            try:
                source.open(refresh=True)
            except Exception as exc:  # still gone: stay silent, try again later
                log.debug("audio device still unavailable: %s", exc)
                _close_quietly(source.stream)
                source.stream = None
            else:
                outage, opened_at = None, time.monotonic()
                log.warning("audio device back: %s", source.describe())
                _send(status_queue, "ready", f"recovered: {source.describe()}")
    finally:
        _close_quietly(source.stream)
