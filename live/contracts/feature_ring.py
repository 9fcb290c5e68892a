"""Publishing feature frames to other processes through shared memory, without locks.

One process writes (the audio process), any number read (the conductor, the recorder, the
HUD). The segment holds a small header and a ring of the ``capacity`` newest frames. Each
record carries a sequence number used as a *seqlock*:

1. the writer sets the record's ``seq`` to an odd number (``2n + 1`` for frame ``n``),
2. writes the fields,
3. sets ``seq`` to ``2n + 2``, then bumps the header's frame ``count`` to ``n + 1``.

A reader reads ``seq``, copies the record, reads ``seq`` again, and keeps the copy only if
both reads equal ``2n + 2`` for the frame it wanted; otherwise the writer was inside that
record and the reader tries again (or, in :meth:`FeatureRing.recent`, drops the lapped
record). The writer never waits for anyone and readers never see a torn record. This relies
on stores becoming visible in program order, which x86-64 guarantees; on weakly ordered CPUs
(ARM) the same code can in principle expose a torn record.

    >>> ring = FeatureRing.create()                 # the supervisor owns the segment
    >>> writer = FeatureRing.attach(ring.name)      # in the audio process
    >>> writer.write(FeatureFrame(time=1.0, rms=0.25))
    >>> ring.latest().rms
    0.25
    >>> writer.close(); ring.close()                # the owner's close removes the segment
"""

from __future__ import annotations

import math
import time

import numpy as np

from live.contracts.features import SPECTRUM_SIZE, FeatureFrame
from live.contracts.shm import attach_segment, create_segment, release_segment

MAGIC = 0x41554446  # "FDUA": a gance-live feature ring
MAX_BANDS = 64      # records have room for this many bands; each says how many it uses
HEADER_BYTES = 64
# How often a reader retries a record the writer keeps overwriting before giving up; the
# writer touches one record every few milliseconds, so two tries nearly always suffice.
READ_RETRIES = 100

HEADER = np.dtype([
    ("magic", "<u4"),
    ("capacity", "<u4"),
    ("max_bands", "<u4"),
    ("spectrum_size", "<u4"),
    ("count", "<u8"),            # frames written since creation; frame n lives at n % capacity
    ("playback_origin", "<f8"),  # monotonic time of file position 0; NaN for live input
    ("jump_time", "<f8"),        # the newest jump of the program (a seek): heard from then,
    ("jump_position", "<f8"),    # at this position (seconds); NaN: none yet
])

RECORD = np.dtype([
    ("seq", "<u8"),              # 2n + 1 while frame n is being written, 2n + 2 once complete
    ("time", "<f8"),
    ("position", "<f8"),
    ("overruns", "<u8"),
    ("published", "<f8"),        # monotonic time write() stored the frame
    ("rms", "<f4"),
    ("rms_db", "<f4"),
    ("onset", "<f4"),
    ("novelty", "<f4"),
    ("tempo", "<f4"),
    ("beat_phase", "<f4"),
    ("band_count", "<u2"),
    ("onset_event", "u1"),
    ("beat_event", "u1"),
    ("_pad", "<u4"),
    ("bands", "<f4", (MAX_BANDS,)),
    ("spectrum", "<f4", (SPECTRUM_SIZE,)),
])
assert HEADER.itemsize <= HEADER_BYTES


def record_to_frame(record: np.void) -> FeatureFrame:
    """A FeatureFrame from one (already copied) record."""
    return FeatureFrame(
        time=float(record["time"]), position=float(record["position"]),
        rms=float(record["rms"]), rms_db=float(record["rms_db"]),
        bands=record["bands"][:int(record["band_count"])].copy(),
        spectrum=record["spectrum"].copy(), onset=float(record["onset"]),
        onset_event=bool(record["onset_event"]), novelty=float(record["novelty"]),
        tempo=float(record["tempo"]), beat_phase=float(record["beat_phase"]),
        beat_event=bool(record["beat_event"]), overruns=int(record["overruns"]),
        published=float(record["published"]))


class FeatureRing:
    """The newest ``capacity`` feature frames in shared memory (one writer, many readers).

    :meth:`create` makes and owns the segment (the supervisor, so it is cleaned up on every
    exit path); :meth:`attach` joins it by :attr:`name` from another process. Use as a
    context manager or call :meth:`close`; only the creator removes the segment.
    """

    def __init__(self, shm, owner: bool) -> None:
        self._shm = shm
        self.owner = owner
        self._header = np.ndarray((), HEADER, buffer=shm.buf)
        if int(self._header["magic"]) != MAGIC:
            raise ValueError(f"shared memory {shm.name} is not a gance-live feature ring")
        self.capacity = int(self._header["capacity"])
        self._records = np.ndarray((self.capacity,), RECORD, buffer=shm.buf,
                                   offset=HEADER_BYTES)
        self._seq = self._records["seq"]
        self._written = int(self._header["count"])  # the writer's own count

    @classmethod
    def create(cls, capacity: int = 256, purpose: str = "features") -> FeatureRing:
        """Make a ring for ``capacity`` frames (at least 2) and own it."""
        if capacity < 2:
            raise ValueError(f"a feature ring needs a capacity of at least 2, got {capacity}")
        shm = create_segment(purpose, HEADER_BYTES + capacity * RECORD.itemsize)
        header = np.ndarray((), HEADER, buffer=shm.buf)
        header["capacity"], header["max_bands"] = capacity, MAX_BANDS
        header["spectrum_size"], header["playback_origin"] = SPECTRUM_SIZE, math.nan
        header["jump_time"], header["jump_position"] = math.nan, math.nan
        header["magic"] = MAGIC
        del header
        return cls(shm, owner=True)

    @classmethod
    def attach(cls, name: str) -> FeatureRing:
        """Join a ring another process created (to write to it, or to read it)."""
        return cls(attach_segment(name), owner=False)

    @property
    def name(self) -> str:
        return self._shm.name

    @property
    def count(self) -> int:
        """Frames written so far (all time, not just those still in the ring)."""
        return int(self._header["count"])

    @property
    def playback_origin(self) -> float | None:
        """Monotonic time at which position 0 of the file was (or would have been) heard;
        None for live input or before playback starts.

        It treats the program as played straight through from position 0: playback starts
        at ``loop_start`` and, with a loop, jumps back to ``loop_start`` at ``loop_end``, so
        the sample heard at time ``t`` is at ``(t - origin)`` seconds, folded into the loop
        region once past ``loop_end``. The audio process corrects it when the device's
        timing shifts (by more than 2 ms).
        """
        origin = float(self._header["playback_origin"])
        return None if math.isnan(origin) else origin

    @playback_origin.setter
    def playback_origin(self, origin: float | None) -> None:
        self._header["playback_origin"] = math.nan if origin is None else origin

    @property
    def last_jump(self) -> tuple[float, float] | None:
        """The newest jump of the played program (a seek, the set moving to a song):
        ``(time, position)``, the monotonic time its first sample is heard and its position
        in seconds; from then on the sample heard at ``t`` is at ``position + t - time``.
        None before any. (:attr:`playback_origin` follows the jump too.)"""
        time, position = float(self._header["jump_time"]), float(self._header["jump_position"])
        return None if math.isnan(time) or math.isnan(position) else (time, position)

    @last_jump.setter
    def last_jump(self, jump: tuple[float, float]) -> None:
        # The position first: a reader that sees the new time sees its position.
        self._header["jump_position"] = jump[1]
        self._header["jump_time"] = jump[0]

    def write(self, frame: FeatureFrame) -> None:
        """Publish ``frame`` as the newest, stamping ``published``; never blocks.

        Only one process may write.
        """
        n = self._written
        if len(frame.bands) > MAX_BANDS:
            raise ValueError(f"a frame has {len(frame.bands)} bands; the ring holds at most "
                             f"{MAX_BANDS}")
        slot = n % self.capacity
        record = self._records[slot:slot + 1]
        self._seq[slot] = 2 * n + 1
        record["time"], record["position"] = frame.time, frame.position
        record["overruns"] = frame.overruns
        record["rms"], record["rms_db"] = frame.rms, frame.rms_db
        record["published"] = time.monotonic()
        record["onset"], record["novelty"] = frame.onset, frame.novelty
        record["tempo"], record["beat_phase"] = frame.tempo, frame.beat_phase
        record["onset_event"], record["beat_event"] = frame.onset_event, frame.beat_event
        record["band_count"] = len(frame.bands)
        record["bands"][0, :len(frame.bands)] = frame.bands
        record["spectrum"][0] = frame.spectrum
        self._seq[slot] = 2 * n + 2
        self._written = n + 1
        self._header["count"] = n + 1

    def latest(self) -> FeatureFrame | None:
        """The newest complete frame, or None before the first one is written."""
        for _ in range(READ_RETRIES):
            count = self.count
            if count == 0:
                return None
            slot = (count - 1) % self.capacity
            expected = 2 * count
            if int(self._seq[slot]) != expected:
                continue
            record = self._records[slot:slot + 1].copy()
            if int(self._seq[slot]) == expected:
                return record_to_frame(record[0])
        return None

    def recent(self, n: int) -> list[FeatureFrame]:
        """Up to ``n`` newest complete frames, oldest first.

        At most ``capacity - 1`` come back (the writer may be refilling the oldest record);
        any record the writer overwrote while it was being copied is left out.
        """
        count = self.count
        n = max(0, min(n, count, self.capacity - 1))
        if n == 0:
            return []
        numbers = np.arange(count - n, count, dtype=np.uint64)
        slots = (numbers % self.capacity).astype(np.intp)
        expected = 2 * numbers + 2
        before = self._seq[slots] == expected
        records = self._records[slots]  # fancy indexing copies
        after = self._seq[slots] == expected
        return [record_to_frame(r) for r, ok in zip(records, before & after) if ok]

    def at_time(self, when: float, window: int = 64) -> FeatureFrame | None:
        """The newest frame whose ``time`` is at or before ``when``, looking back ``window``
        frames; None if all of them are later (or the ring is empty).

        In rehearsal, frames carry the time their audio reaches the speakers, which can be
        a little ahead of now; a reader that wants "what is heard at time t" asks this.
        """
        for frame in reversed(self.recent(window)):
            if frame.time <= when:
                return frame
        return None

    def close(self) -> None:
        """Unmap (and, for the creator, remove) the segment; safe to call twice."""
        self._header = self._records = self._seq = None
        release_segment(self._shm, unlink=self.owner)

    def __enter__(self) -> FeatureRing:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
