"""The cooler's serial protocol: framing and messages, shared by the host and the firmware.

This one file runs on both sides: CPython imports it as ``live.hardware.protocol``, and it is
copied to the Raspberry Pi Pico as ``protocol.py`` (``mpremote cp``), so it uses only what
MicroPython has (``struct``, no dataclasses, no ``__future__``).

A frame on the wire::

    0xA5 0x5A | version | type | length (u16 LE) | payload (length bytes) | CRC-16 (u16 LE)

The CRC (CCITT, polynomial 0x1021, start 0xFFFF) covers version, type, length and payload.
A reader drops bytes until a sync pair starts a frame of its version whose length is
allowed and whose CRC holds, so noise, a half frame from a pulled cable or a reset on the
other side cost only the frames they touch.

Messages:

- ``HINT`` (host -> cooler, about twice a second; also the host's heartbeat):
  ``hint`` (u8: NORMAL, SHOW_STARTING, QUIET) and ``ceiling_c`` (u8): in QUIET the fans stay
  quiet until a GPU reaches that temperature.
- ``STATUS`` (cooler -> host, about twice a second): ``hint`` (u8, the one it obeys),
  ``flags`` (u8: FLAG_*), then per channel (one thermistor and one fan per GPU)
  temperature in centidegrees (i16; NO_TEMPERATURE for a lost sensor), duty in permille
  (u16) and fan speed in rpm (u16).
"""

import struct

SYNC = b"\xa5\x5a"
VERSION = 1
HEADER = "<BBH"            # version, type, payload length
HEADER_SIZE = 4
MAX_PAYLOAD = 64

HINT = 1
STATUS = 2

NORMAL = 0
SHOW_STARTING = 1
QUIET = 2
HINT_NAMES = ("normal", "show starting", "quiet")

FLAG_SENSOR_LOST = 1       # a thermistor reads open or short: its fan runs full
FLAG_HOST_SILENT = 2       # no hint for a while: every fan runs full
FLAG_FAN_STALLED = 4       # a fan driven hard reports no rotation
FLAG_NAMES = ((FLAG_SENSOR_LOST, "sensor lost"), (FLAG_HOST_SILENT, "host silent"),
              (FLAG_FAN_STALLED, "fan stalled"))

NO_TEMPERATURE = -32768
CHANNEL = "<hHH"           # centidegrees, duty permille, rpm
CHANNEL_SIZE = 6


def crc16(data, crc=0xFFFF):
    """CRC-16/CCITT-FALSE of ``data``."""
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
            crc &= 0xFFFF
    return crc


def frame(kind, payload):
    """One frame carrying ``payload`` (bytes) of message ``kind``."""
    if len(payload) > MAX_PAYLOAD:
        raise ValueError("payload too long")
    body = struct.pack(HEADER, VERSION, kind, len(payload)) + payload
    return SYNC + body + struct.pack("<H", crc16(body))


class FrameReader:
    """Turns a byte stream into ``(kind, payload)`` frames; counts the bytes it threw away."""

    def __init__(self):
        self.buffer = b""
        self.dropped = 0       # bytes that were not part of a good frame

    def feed(self, data):
        """Add ``data``; returns every complete good frame in it, in order."""
        self.buffer += data
        frames = []
        while True:
            start = self.buffer.find(SYNC)
            if start < 0:
                # Keep a last 0xA5: it may be the first half of the next sync pair.
                keep = 1 if self.buffer[-1:] == SYNC[:1] else 0
                self.dropped += len(self.buffer) - keep
                self.buffer = self.buffer[len(self.buffer) - keep:]
                return frames
            self.dropped += start
            self.buffer = self.buffer[start:]
            if len(self.buffer) < 2 + HEADER_SIZE:
                return frames
            version, kind, length = struct.unpack(HEADER, self.buffer[2:2 + HEADER_SIZE])
            if version != VERSION or length > MAX_PAYLOAD:
                self._skip_sync()
                continue
            end = 2 + HEADER_SIZE + length + 2
            if len(self.buffer) < end:
                return frames
            body = self.buffer[2:end - 2]
            (crc,) = struct.unpack("<H", self.buffer[end - 2:end])
            if crc != crc16(body):
                self._skip_sync()
                continue
            frames.append((kind, body[HEADER_SIZE:]))
            self.buffer = self.buffer[end:]

    def _skip_sync(self):
        """A sync pair that did not start a good frame: look again after it."""
        self.dropped += 1
        self.buffer = self.buffer[1:]


def encode_hint(hint, ceiling_c):
    return frame(HINT, struct.pack("<BB", hint, ceiling_c))


def decode_hint(payload):
    """``(hint, ceiling_c)``; ValueError for a payload of another size or an unknown hint."""
    if len(payload) != 2:
        raise ValueError("hint payload")
    hint, ceiling = struct.unpack("<BB", payload)
    if hint >= len(HINT_NAMES):
        raise ValueError("unknown hint")
    return hint, ceiling


def encode_status(hint, flags, channels):
    """``channels``: ``(celsius or None, duty 0..1, rpm)`` per GPU."""
    payload = struct.pack("<BB", hint, flags)
    for celsius, duty, rpm in channels:
        centi = NO_TEMPERATURE if celsius is None else max(-32767, min(32767, round(celsius * 100)))
        payload += struct.pack(CHANNEL, centi, max(0, min(1000, round(duty * 1000))),
                               max(0, min(65535, int(rpm))))
    return frame(STATUS, payload)


def decode_status(payload):
    """``(hint, flags, [(celsius or None, duty 0..1, rpm), ...])``; ValueError if malformed."""
    if len(payload) < 2 or (len(payload) - 2) % CHANNEL_SIZE:
        raise ValueError("status payload")
    hint, flags = struct.unpack("<BB", payload[:2])
    channels = []
    for offset in range(2, len(payload), CHANNEL_SIZE):
        centi, permille, rpm = struct.unpack(CHANNEL, payload[offset:offset + CHANNEL_SIZE])
        channels.append((None if centi == NO_TEMPERATURE else centi / 100, permille / 1000, rpm))
    return hint, flags, channels


def flag_names(flags):
    return [name for bit, name in FLAG_NAMES if flags & bit]
