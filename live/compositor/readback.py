"""Reading output frames back for the recording without stalling the display.

A plain ``glReadPixels`` into client memory makes the CPU wait until the GPU has finished
drawing. Reading into a pixel buffer object instead only queues the copy; the bytes are
collected a frame later, once the GPU has long finished, while the next frame is drawn.
"""

from __future__ import annotations

from collections import deque
import moderngl

READBACK_BUFFERS = 2


class FrameReadback:
    """Queues framebuffer reads into a ring of pixel buffers; hands the bytes back later.

    Each read carries a count (how many output periods the frame covers) that comes back
    with its bytes and can still grow while the read is in flight (:meth:`add_copies`), so
    an unchanged picture is never drawn or read twice. Frames come back in submission order.
    """

    def __init__(self, ctx: moderngl.Context, width: int, height: int,
                 buffers: int = READBACK_BUFFERS) -> None:
        self._free = [ctx.buffer(reserve=width * height * 4) for _ in range(buffers)]
        self._in_flight: deque[list] = deque()     # [buffer, copies], oldest first

    def submit(self, target: moderngl.Framebuffer, copies: int) -> list[tuple[bytes, int]]:
        """Queue a read of ``target``; returns the frames that had to be collected to make room."""
        ready = []
        if not self._free:
            ready.append(self._collect())
        buffer = self._free.pop()
        target.read_into(buffer, components=4, alignment=1)
        self._in_flight.append([buffer, copies])
        return ready

    def add_copies(self, copies: int) -> bool:
        """Let the newest read cover ``copies`` more periods; False if none is in flight."""
        if not self._in_flight:
            return False
        self._in_flight[-1][1] += copies
        return True

    def flush(self) -> list[tuple[bytes, int]]:
        """Every frame still in flight, oldest first."""
        return [self._collect() for _ in range(len(self._in_flight))]

    def _collect(self) -> tuple[bytes, int]:
        buffer, copies = self._in_flight.popleft()
        data = buffer.read()
        self._free.append(buffer)
        return data, copies

    def release(self) -> None:
        for buffer in (*self._free, *(entry[0] for entry in self._in_flight)):
            buffer.release()
        self._free, self._in_flight = [], deque()
