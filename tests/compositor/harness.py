"""A real compositor process with a real frame ring, driven the way the conductor drives it.

    with CompositorHarness(spec_changes, frame_shape=(64, 64)) as show:
        show.start(frames=30)                  # ShowStart(t0 = now + lead, 30)
        show.deliver(0, colour=(255, 0, 0))    # pixels into a free slot, then FrameDone
        status = show.finish()                 # Stop (unless frames ends it), final Status

The harness plays the conductor's side: it hands out slots, takes ``SlotFree`` back and keeps
every other message (``Status``, ``Intent``) in ``others`` for the test to inspect.
"""

from __future__ import annotations

import multiprocessing
import queue
import time
from typing import Any

import numpy as np

from live.compositor.config import OutputConfig
from live.compositor.process import CompositorSpec, compositor_main
from live.contracts.frames import FrameRing
from live.contracts.messages import FrameDone, ShowStart, SlotFree, Status, Stop

READY_SECONDS = 60.0


class CompositorHarness:
    """Spawns ``compositor_main`` on a fresh ring; see the module docstring."""

    def __init__(self, frame_shape: tuple[int, int] = (64, 64), slots: int = 8,
                 output: OutputConfig | None = None, ring_name: str | None = None,
                 **spec_fields: Any) -> None:
        self.ring = FrameRing.create(slots, *frame_shape, purpose=f"test_compositor_{id(self)}")
        self.free = list(range(slots))
        self.slot_frees: list[SlotFree] = []
        self.others: list[Any] = []
        context = multiprocessing.get_context("spawn")
        self.inbox, self.outbox = context.Queue(), context.Queue()
        fields = {"output": output or OutputConfig(width=128, height=96), "fps": 30,
                  "headless": True, "mode": "live", "record_path": None, "audio_path": None,
                  "audio_offset": 0.0, "frame_log": None, "max_latency_frames": 3,
                  "keyboard": False, **spec_fields}
        self.spec = CompositorSpec(ring_name=ring_name or self.ring.name, **fields)
        self.process = context.Process(target=compositor_main,
                                       args=(self.spec, self.inbox, self.outbox), daemon=True)
        self.t0: float | None = None

    def __enter__(self) -> CompositorHarness:
        self.process.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(10)
        self.ring.close()

    def status(self, timeout: float = READY_SECONDS) -> Status:
        """The next Status message from the compositor (other messages are kept)."""
        deadline = time.monotonic() + timeout
        while True:
            message = self._receive(deadline - time.monotonic())
            if isinstance(message, Status):
                return message

    def _receive(self, timeout: float) -> Any:
        try:
            return self._take(self.outbox.get(timeout=max(0.01, timeout)))
        except queue.Empty:
            raise TimeoutError("no message from the compositor") from None

    def _take(self, message: Any) -> Any:
        if isinstance(message, SlotFree):
            self.slot_frees.append(message)
            self.free.append(message.slot)
        else:
            self.others.append(message)
        return message

    def collect(self) -> None:
        """Take every message waiting now."""
        while True:
            try:
                self._take(self.outbox.get_nowait())
            except queue.Empty:
                return

    def start(self, frames: int | None, lead: float = 0.3) -> float:
        self.t0 = time.monotonic() + lead
        self.inbox.put(ShowStart(self.t0, frames))
        return self.t0

    def due(self, index: int) -> float:
        return self.t0 + index / self.spec.fps

    def deliver(self, index: int, colour: tuple[int, int, int] | None = None,
                pixels: np.ndarray | None = None, worker: int = 0) -> None:
        """Write frame ``index`` into a free slot (waiting for one) and send FrameDone."""
        deadline = time.monotonic() + 30
        while not self.free:
            self._receive(deadline - time.monotonic())
        slot = self.free.pop(0)
        target = self.ring.pixels(slot)
        if pixels is not None:
            target[:] = pixels
        else:
            target[:, :, :3] = colour
            target[:, :, 3] = 255
        header = self.ring.header(slot)
        header["index"], header["network"], header["worker"] = index, index % 4, worker
        header["t_due"] = self.due(index) if self.t0 is not None else 0.0
        header["t_synth_end"] = time.monotonic()
        self.inbox.put(FrameDone(index, slot, worker))

    def wait_until(self, moment: float) -> None:
        """Sleep until monotonic ``moment``, taking slot returns meanwhile."""
        while (left := moment - time.monotonic()) > 0:
            try:
                self._receive(min(left, 0.05))
            except TimeoutError:
                pass

    def finish(self, reason: str | None = "test over", timeout: float = 60.0) -> Status:
        """Send Stop (unless ``reason`` is None: the show ends by itself); the final Status."""
        if reason is not None:
            self.inbox.put(Stop(reason))
        status = self.status(timeout)
        self.process.join(timeout)
        self.collect()
        return status
