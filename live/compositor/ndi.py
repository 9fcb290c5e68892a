"""NDI video out: the show as a named source on the network, for Resolume, OBS, TouchDesigner.

cyndilib ships NDI's runtime. Each :class:`NdiSource` is one named sender of RGBA frames at
the show's fps. The compositor never waits for it: :meth:`NdiSource.offer` hands a frame to
the source's own thread through a one-frame mailbox; a frame not yet taken when the next
comes is dropped (and counted), never queued, so a slow network or receiver costs the show
nothing but the frames it could not have sent anyway.

NDI finds sources by mDNS, which does not cross the loopback interface: on one machine (and
in tests) a receiver finds the sources when it runs with ``NDI_CONFIG_DIR`` naming a folder
whose ``ndi-config.v1.json`` is ``{"ndi": {"networks": {"ips": "127.0.0.1"}}}``. The sources
read NDI's settings from the folder ``[output.ndi] config_dir`` names (the compositor sets
``NDI_CONFIG_DIR`` before this module loads NDI's runtime).
"""

from __future__ import annotations

import threading
from fractions import Fraction

from cyndilib.sender import Sender
from cyndilib.video_frame import VideoSendFrame
from cyndilib.wrapper.ndi_structs import FourCC

SEND_TIMEOUT_S = 0.5   # the sender thread looks for the end this often while idle


class NdiSource:
    """One NDI source sending ``width`` x ``height`` RGBA frames (top row first)."""

    def __init__(self, name: str, width: int, height: int, fps: int) -> None:
        self.name, self.width, self.height = name, width, height
        self.sent = self.dropped = 0
        self._frame = VideoSendFrame()
        self._frame.set_resolution(width, height)
        self._frame.set_frame_rate(Fraction(fps, 1))
        self._frame.set_fourcc(FourCC.RGBA)
        # The show paces the frames; NDI's own clock would make the sender thread sleep.
        self._sender = Sender(name, clock_video=False)
        self._sender.set_video_frame(self._frame)
        self._sender.open()
        self._mailbox: bytes | memoryview | None = None
        self._scratch = bytearray(width * height * 4)   # cyndilib takes writable buffers only
        self._lock = threading.Condition()
        self._closing = False
        self._thread = threading.Thread(target=self._send_loop, name=f"ndi-{name}",
                                        daemon=True)
        self._thread.start()

    def offer(self, pixels: bytes | memoryview) -> None:
        """Send this frame when the source is free; a frame still waiting is dropped."""
        assert len(pixels) == self.width * self.height * 4, (len(pixels), self.name)
        with self._lock:
            if self._mailbox is not None:
                self.dropped += 1
            self._mailbox = pixels
            self._lock.notify()

    @property
    def receivers(self) -> int:
        """Receivers connected right now."""
        return int(self._sender.get_num_connections(0))

    def hud_line(self) -> str:
        return (f"NDI '{self.name}' {self.width}x{self.height}: {self.receivers} receivers, "
                f"{self.dropped} dropped")

    def summary(self) -> str:
        """The show's closing line for this source: what it sent and what its mailbox dropped."""
        return (f"NDI '{self.name}' {self.width}x{self.height}: {self.sent} sent, "
                f"{self.dropped} dropped")

    def close(self) -> None:
        with self._lock:
            self._closing = True
            self._lock.notify()
        self._thread.join(timeout=5.0)
        self._sender.close()

    def _send_loop(self) -> None:
        while True:
            with self._lock:
                while self._mailbox is None and not self._closing:
                    self._lock.wait(SEND_TIMEOUT_S)
                if self._mailbox is None:   # closing, the last frame sent
                    return
                pixels, self._mailbox = self._mailbox, None
            self._scratch[:] = memoryview(pixels).cast("B")
            # Copies into NDI's buffer and returns; NDI compresses and sends on its threads.
            self._sender.write_video_async(memoryview(self._scratch))
            self.sent += 1
