"""Slot rings: ``slots`` pixel buffers of ``H x W x 4`` uint8 in one shared-memory segment,
each with a small header, shared by the process that creates the ring and those that attach.

The frame ring (:mod:`live.contracts.frames`) and the video ring (:mod:`live.contracts.video`)
are both one; they differ only in their headers and in how slots are handed round.

Layout: a 64-byte ring header starting with (magic, slots, height, width), then ``slots``
records, each a slot header padded to a multiple of 64 bytes followed by the pixels, each
record aligned to 64 bytes.

>>> class Demo(SlotRing):
...     magic, kind = 0x44454D4F, "demo ring"
...     slot_header = np.dtype([("index", "<i8")])
>>> with Demo.create_ring("doctest_slots", slots=2, height=3, width=4) as ring:
...     reader = Demo.attach(ring.name)
...     ring.pixels(1)[:] = 7; ring.header(1)["index"] = 42
...     (reader.slots, reader.pixels(1).shape, int(reader.pixels(1).max()),
...      int(reader.header(1)["index"]))
...     reader.close()
(2, (3, 4, 4), 7, 42)
"""

from __future__ import annotations

from multiprocessing.shared_memory import SharedMemory
from typing import ClassVar, Self

import numpy as np

from live.contracts.shm import attach_segment, create_segment, release_segment

RING_FIELDS = [("magic", "<u4"), ("slots", "<u4"), ("height", "<u4"), ("width", "<u4")]
RING_HEADER_BYTES = 64
ALIGN = 64


def _aligned(size: int) -> int:
    return (size + ALIGN - 1) // ALIGN * ALIGN


class SlotRing:
    """The shared segment of a slot ring, its ring header and each slot's header and pixels.

    A subclass names its ``magic`` number and ``kind`` (for the error when a segment is not
    one), its ``slot_header`` and, to carry more than (magic, slots, height, width), a
    ``ring_header`` that starts with ``RING_FIELDS``. The creator owns the segment and removes
    it on :meth:`close`; processes that :meth:`attach` only unmap it.
    """

    magic: ClassVar[int]
    kind: ClassVar[str]
    slot_header: ClassVar[np.dtype]
    ring_header: ClassVar[np.dtype] = np.dtype(RING_FIELDS)

    def __init__(self, shm: SharedMemory, owner: bool) -> None:
        self._shm, self.owner = shm, owner
        self._head = np.ndarray((), self.ring_header, buffer=shm.buf)
        if int(self._head["magic"]) != self.magic:
            raise ValueError(f"shared memory {shm.name} is not a gance-live {self.kind}")
        self.slots, self.height, self.width = (int(self._head[k])
                                               for k in ("slots", "height", "width"))
        header_bytes = self._slot_header_bytes()
        stride = self._stride(self.height, self.width)
        offsets = [RING_HEADER_BYTES + i * stride for i in range(self.slots)]
        self._headers = [np.ndarray((), self.slot_header, buffer=shm.buf, offset=offset)
                         for offset in offsets]
        self._pixels = [np.ndarray((self.height, self.width, 4), np.uint8, buffer=shm.buf,
                                   offset=offset + header_bytes) for offset in offsets]

    @classmethod
    def _slot_header_bytes(cls) -> int:
        return _aligned(cls.slot_header.itemsize)

    @classmethod
    def _stride(cls, height: int, width: int) -> int:
        return _aligned(cls._slot_header_bytes() + height * width * 4)

    @classmethod
    def create_ring(cls, purpose: str, slots: int, height: int, width: int) -> Self:
        """A new zero-filled ring owned by this process (every header field 0)."""
        assert cls.ring_header.itemsize <= RING_HEADER_BYTES
        shm = create_segment(purpose, RING_HEADER_BYTES + slots * cls._stride(height, width))
        head = np.ndarray((), cls.ring_header, buffer=shm.buf)
        head["magic"], head["slots"], head["height"], head["width"] = \
            cls.magic, slots, height, width
        return cls(shm, owner=True)

    @classmethod
    def attach(cls, name: str) -> Self:
        """The ring another process created, by its segment's name."""
        return cls(attach_segment(name), owner=False)

    @property
    def name(self) -> str:
        return self._shm.name

    def header(self, slot: int) -> np.ndarray:
        """The slot's header record (a writable 0-d structured array)."""
        return self._headers[slot]

    def pixels(self, slot: int) -> np.ndarray:
        """The slot's pixels, a writable ``[height, width, 4]`` uint8 view into shared memory."""
        return self._pixels[slot]

    def close(self) -> None:
        """Unmap the ring and, for its creator, remove the segment; safe to call twice."""
        # Views into the mapping go first, or it cannot be unmapped.
        self._headers.clear()
        self._pixels.clear()
        self._head = None
        release_segment(self._shm, unlink=self.owner)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
