"""The video layer's newest picture, handed from the video process to the compositor.

Unlike GAN frames (every one shown in order), the video layer only ever wants the newest
picture: the video process writes frames into one of three ``H x W x 4`` slots in shared
memory and then names it the newest; the compositor uploads the newest whenever it changes.
The writer never writes the newest slot, so a reader copying it has two whole frames of time
before that slot comes round again; each slot's sequence number (-1 while being written) lets
the reader see that it was overtaken and drop what it read. Pixels are never pickled.

The ring also carries the show clock's ``t0`` (set by the compositor when the show starts),
which a video file follows so that it plays in step with the show.

    ring = VideoRing.create(720, 1280)               # the main process
    slot, pixels = writer.next_slot()                # the video process
    pixels[:] = rgba; writer.publish(slot, time.monotonic(), source_frame=17)
    newest = reader.newest()                         # the compositor: (sequence, slot) or None
"""

from __future__ import annotations

from multiprocessing.shared_memory import SharedMemory

import numpy as np

from live.contracts.slots import RING_FIELDS, SlotRing

SLOTS = 3


class VideoRing(SlotRing):
    """Three RGBA8 slots of ``height x width`` and the name of the newest."""

    magic, kind = 0x5649444F, "video ring"   # "VIDO"
    ring_header = np.dtype(RING_FIELDS + [
        ("newest", "<i8"),        # slot published last, -1 = nothing yet
        ("t0", "<f8")])           # monotonic time of show frame 0; 0 = not started
    slot_header = np.dtype([("sequence", "<i8"),       # frames published so far; -1 = writing
                            ("t_captured", "<f8"),     # monotonic time the picture was taken
                            ("source_frame", "<i8")])  # the file's frame number (-1: a camera)

    def __init__(self, shm: SharedMemory, owner: bool) -> None:
        super().__init__(shm, owner)
        self._sequence = 0

    @classmethod
    def create(cls, height: int, width: int, purpose: str = "video") -> VideoRing:
        ring = cls.create_ring(purpose, SLOTS, height, width)
        ring._head["newest"] = -1
        return ring

    # -- the show clock --------------------------------------------------------------------
    @property
    def t0(self) -> float | None:
        """When show frame 0 is due (monotonic), None before the show starts."""
        t0 = float(self._head["t0"])
        return t0 if t0 > 0 else None

    def set_t0(self, t0: float) -> None:
        self._head["t0"] = t0

    # -- the writer (the video process) ------------------------------------------------------
    def next_slot(self) -> tuple[int, np.ndarray]:
        """A slot to write the next picture into (never the newest), marked as being written;
        returns it and its ``[height, width, 4]`` pixels."""
        slot = (int(self._head["newest"]) + 1) % SLOTS
        self._headers[slot]["sequence"] = -1
        return slot, self._pixels[slot]

    def publish(self, slot: int, t_captured: float, source_frame: int = -1) -> None:
        """The picture in ``slot`` is complete: it becomes the newest."""
        self._sequence += 1
        header = self._headers[slot]
        header["t_captured"], header["source_frame"] = t_captured, source_frame
        header["sequence"] = self._sequence
        self._head["newest"] = slot

    # -- the reader (the compositor) ---------------------------------------------------------
    def newest(self) -> tuple[int, int] | None:
        """``(sequence, slot)`` of the newest picture, None before the first."""
        slot = int(self._head["newest"])
        if slot < 0:
            return None
        sequence = int(self._headers[slot]["sequence"])
        return None if sequence < 0 else (sequence, slot)

    def still(self, sequence: int, slot: int) -> bool:
        """Whether ``slot`` still holds picture ``sequence`` (check after reading it)."""
        return int(self._headers[slot]["sequence"]) == sequence
