"""A virtual X display for window tests (importable by other test packages).

    from tests.compositor.xvfb import xvfb, screenshot

    with xvfb(1280, 720) as display:         # ":17", say
        monkeypatch.setenv("DISPLAY", display)
        ...                                   # open windows, then
        image = screenshot(display)           # [720, 1280, 3] uint8 RGB of the whole screen

Xvfb picks a free display number itself (``-displayfd``), so parallel tests never collide.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Iterator

import cv2
import numpy as np

START_SECONDS = 10.0


@contextlib.contextmanager
def xvfb(width: int, height: int, depth: int = 24) -> Iterator[str]:
    """Run an Xvfb screen of ``width x height`` for the ``with`` block; yields its DISPLAY."""
    if shutil.which("Xvfb") is None:
        raise RuntimeError("Xvfb is not installed (apt-get install xvfb)")
    read_end, write_end = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_end), "-screen", "0", f"{width}x{height}x{depth}",
         "-nolisten", "tcp", "-noreset"],
        pass_fds=(write_end,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write_end)
    try:
        number = _read_display_number(read_end, server)
        yield f":{number}"
    finally:
        os.close(read_end)
        server.terminate()
        try:
            server.wait(5)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _read_display_number(fd: int, server: subprocess.Popen) -> int:
    import select
    ready, _, _ = select.select([fd], [], [], START_SECONDS)
    text = os.read(fd, 64).decode().strip() if ready else ""
    if not text.isdigit():
        raise RuntimeError(f"Xvfb did not start (exit status {server.poll()})")
    return int(text)


def screenshot(display: str) -> np.ndarray:
    """The whole screen of ``display`` as ``[h, w, 3]`` uint8 RGB (ImageMagick ``import``)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "screen.png"
        subprocess.run(["import", "-display", display, "-window", "root", "-depth", "8",
                        str(path)], check=True, capture_output=True, timeout=30)
        return cv2.cvtColor(cv2.imread(str(path), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
