"""GPU telemetry sampled in its own thread, never in the frame path.

:class:`TelemetrySampler` asks a source (NVML, or a recorded telemetry log replayed) for
every GPU's figures about twice a second and keeps the newest set; the conductor reads
:meth:`TelemetrySampler.latest` when it wants them, which only takes a lock. Each set is
also written to the telemetry log (one JSON object per GPU and sample, the format
:class:`RecordedTelemetry` reads back), so a show on a GPU box records what a rehearsal
without one can replay.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Callable, Protocol, TextIO

from live.contracts.errors import ConfigError
from live.telemetry.gpus import GpuSample, Nvml

log = logging.getLogger(__name__)

SAMPLE_INTERVAL_S = 0.5


class TelemetrySource(Protocol):
    missing: str   # why there are no figures ("" when there are)

    def sample(self, now: float) -> list[GpuSample]: ...
    def close(self) -> None: ...


class RecordedTelemetry:
    """A telemetry log played back on the show's clock: sample times are taken relative to
    the log's first sample and to the moment :meth:`sample` is first called."""

    def __init__(self, path: Path) -> None:
        self.missing = ""
        self._by_time: list[tuple[float, list[GpuSample]]] = []
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: cannot read the telemetry log ({exc})") from None
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                sample = GpuSample.from_dict(json.loads(line))
            except ValueError as exc:   # JSONDecodeError is one too
                raise ConfigError(f"{path}:{number}: not a telemetry log line ({exc}); "
                                  f"write one with gance-live run --telemetry-log") from None
            if self._by_time and self._by_time[-1][0] == sample.time:
                self._by_time[-1][1].append(sample)
            else:
                self._by_time.append((sample.time, [sample]))
        if not self._by_time:
            raise ConfigError(f"{path}: the telemetry log is empty")
        self._started: float | None = None

    def sample(self, now: float) -> list[GpuSample]:
        if self._started is None:
            self._started = now
        elapsed = now - self._started
        first = self._by_time[0][0]
        current = self._by_time[0][1]
        for recorded, samples in self._by_time:
            if recorded - first > elapsed:
                break
            current = samples
        return [replace(sample, time=now) for sample in current]

    def close(self) -> None:
        pass


class TelemetrySampler:
    """Samples ``source`` every ``interval`` seconds in a daemon thread.

    Without figures (no NVIDIA library) it logs why once and samples nothing.
    """

    def __init__(self, source: TelemetrySource | None = None, *,
                 interval: float = SAMPLE_INTERVAL_S, log_stream: TextIO | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.source = source if source is not None else Nvml()
        self.interval, self.log_stream, self.clock = interval, log_stream, clock
        self._latest: list[GpuSample] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if self.source.missing:
            log.warning("GPU telemetry off: %s", self.source.missing)

    @property
    def available(self) -> bool:
        return not self.source.missing

    def start(self) -> TelemetrySampler:
        if self.available:
            self._thread = threading.Thread(target=self._run, name="telemetry", daemon=True)
            self._thread.start()
        return self

    def latest(self) -> list[GpuSample]:
        """The newest sample of every GPU ([] before the first, or without NVML)."""
        with self._lock:
            return self._latest

    def _run(self) -> None:
        while not self._stop.is_set():
            started = self.clock()
            samples = self.source.sample(started)
            with self._lock:
                self._latest = samples
            if self.log_stream is not None:
                self.log_stream.write("".join(s.to_json() + "\n" for s in samples))
                self.log_stream.flush()
            self._stop.wait(max(0.0, self.interval - (self.clock() - started)))

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2.0)
        self.source.close()

    def __enter__(self) -> TelemetrySampler:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()
