"""The host's end of the cooler's serial link.

:class:`CoolerLink` runs in its own thread: it finds the port by name, reads the cooler's
STATUS frames, and sends the show's hint about twice a second (which is also the heartbeat
whose absence sends the fans to full). A cable pulled or a port that vanishes closes the
link and it looks for the port again every second; nothing here ever raises into the show.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass
from typing import Callable

import serial
from serial.tools import list_ports

from live.hardware import protocol

log = logging.getLogger(__name__)

HINT_EVERY_S = 0.5
RETRY_S = 1.0
STALE_S = 2.0          # a status older than this is not shown as current
READ_TIMEOUT_S = 0.05


@dataclass(frozen=True)
class CoolerStatus:
    """What the cooler last said (``time`` on the host's monotonic clock)."""

    time: float
    hint: int
    flags: int
    channels: list[tuple[float | None, float, int]]   # (C or None, duty 0..1, rpm) per GPU

    def describe(self) -> str:
        fans = " | ".join(("--" if c is None else f"{c:.1f}C") + f" {duty:.0%} {rpm}rpm"
                          for c, duty, rpm in self.channels)
        text = f"cooler: {fans}   {protocol.HINT_NAMES[self.hint]}"
        flags = protocol.flag_names(self.flags)
        return text + (f"   {', '.join(flags).upper()}" if flags else "")


def find_port(name: str) -> str | None:
    """The serial device ``name`` means: a path that exists, or the first port whose device,
    description, maker, product or serial number contains it."""
    if os.path.exists(name):
        return name
    for port in list_ports.comports():
        fields = (port.device, port.description, port.manufacturer, port.product,
                  port.serial_number, port.hwid)
        if any(name.lower() in (field or "").lower() for field in fields):
            return port.device
    return None


def list_serial_ports() -> list[str]:
    return [f"{p.device}  {p.description}" + (f"  ({p.manufacturer})" if p.manufacturer else "")
            for p in list_ports.comports()]


class CoolerLink:
    def __init__(self, port: str, *, baud: int = 115200, ceiling_c: int = 70,
                 hint: int = protocol.NORMAL, clock: Callable[[], float] = time.monotonic) -> None:
        self.port, self.baud, self.ceiling_c, self.clock = port, baud, ceiling_c, clock
        self.hint = hint
        self.problem = "not connected yet"     # why there is no link ("" while there is one)
        self.connections = 0
        self.dropped = 0                        # bytes of noise and broken frames thrown away
        self._status: CoolerStatus | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> CoolerLink:
        self._thread = threading.Thread(target=self._run, name="cooler", daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2.0)

    def __enter__(self) -> CoolerLink:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()

    def set_hint(self, hint: int) -> None:
        self.hint = hint

    def status(self) -> CoolerStatus | None:
        """The cooler's latest status while it is current, else None."""
        with self._lock:
            status = self._status
        if status is None or self.clock() - status.time > STALE_S:
            return None
        return status

    def describe(self) -> tuple[str, bool]:
        """The HUD line and whether it is a warning."""
        status = self.status()
        if status is None:
            return f"cooler: {self.problem or 'silent'} ({self.port})", True
        return status.describe(), bool(status.flags)

    # -- the thread -------------------------------------------------------------------------
    def _run(self) -> None:
        while not self._stop.is_set():
            port = self._open()
            if port is None:
                self._stop.wait(RETRY_S)
                continue
            try:
                self._talk(port)
            except (serial.SerialException, OSError) as exc:
                self._lost(f"lost: {exc}")
            finally:
                port.close()

    def _open(self) -> serial.Serial | None:
        device = find_port(self.port)
        if device is None:
            self._lost(f"no serial port matching '{self.port}'")
            return None
        try:
            port = serial.Serial(device, self.baud, timeout=READ_TIMEOUT_S, write_timeout=0.5)
        except (serial.SerialException, OSError) as exc:
            self._lost(f"cannot open {device}: {exc}")
            return None
        self.connections += 1
        log.warning("cooler: connected on %s", device)
        self.problem = ""
        return port

    def _lost(self, why: str) -> None:
        if why != self.problem:
            log.warning("cooler: %s", why)
        self.problem = why

    def _talk(self, port: serial.Serial) -> None:
        reader = protocol.FrameReader()    # a half frame from before a reconnect is dropped
        hinted_at = -HINT_EVERY_S
        while not self._stop.is_set():
            now = self.clock()
            if now - hinted_at >= HINT_EVERY_S:
                port.write(protocol.encode_hint(self.hint, self.ceiling_c))
                hinted_at = now
            data = port.read(256)
            before = reader.dropped
            for kind, payload in reader.feed(data):
                if kind == protocol.STATUS:
                    try:
                        hint, flags, channels = protocol.decode_status(payload)
                    except ValueError:
                        continue
                    with self._lock:
                        self._status = CoolerStatus(self.clock(), hint, flags, channels)
            self.dropped += reader.dropped - before
