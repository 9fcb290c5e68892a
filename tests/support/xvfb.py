"""A virtual X display for window tests (importable by other test packages).

    from tests.support.xvfb import xvfb, screenshot, request_close

    with xvfb(1280, 720) as display:         # ":17", say
        monkeypatch.setenv("DISPLAY", display)
        ...                                   # open windows, then
        image = screenshot(display)           # [720, 1280, 3] uint8 RGB of the whole screen
        [window_id] = windows(display, "^gance-live$")   # found by title with xdotool
        x, y, width, height = geometry(display, window_id)
        request_close(display, window_id)     # as if its close button were clicked

Xvfb picks a free display number itself (``-displayfd``), so parallel tests never collide.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
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


def windows(display: str, title: str) -> list[int]:
    """Ids of the mapped windows whose title matches the regular expression ``title``."""
    found = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", title],
                           env={**os.environ, "DISPLAY": display}, capture_output=True, text=True)
    return [int(line) for line in found.stdout.split()]


def geometry(display: str, window: int) -> tuple[int, int, int, int]:
    """``(x, y, width, height)`` of ``window`` on the screen."""
    shell = subprocess.run(["xdotool", "getwindowgeometry", "--shell", str(window)],
                           env={**os.environ, "DISPLAY": display}, capture_output=True,
                           text=True, check=True).stdout
    values = dict(line.split("=") for line in shell.split())
    return tuple(int(values[key]) for key in ("X", "Y", "WIDTH", "HEIGHT"))


class _ClientMessage(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("serial", ctypes.c_ulong),
                ("send_event", ctypes.c_int), ("display", ctypes.c_void_p),
                ("window", ctypes.c_ulong), ("message_type", ctypes.c_ulong),
                ("format", ctypes.c_int), ("data", ctypes.c_long * 5)]


class _Event(ctypes.Union):
    _fields_ = [("xclient", _ClientMessage), ("padding", ctypes.c_long * 24)]   # XEvent's size


_CLIENT_MESSAGE = 33


def request_close(display: str, window: int) -> None:
    """Ask ``window`` to close, as a window manager's close button does (WM_DELETE_WINDOW).

    Xvfb runs no window manager, and ``xdotool windowclose`` destroys the window under its
    program's feet instead of asking; so the message is sent here, through Xlib.
    """
    xlib = ctypes.CDLL(ctypes.util.find_library("X11"))
    xlib.XOpenDisplay.restype = ctypes.c_void_p
    xlib.XOpenDisplay.argtypes = [ctypes.c_char_p]
    xlib.XInternAtom.restype = ctypes.c_ulong
    xlib.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    xlib.XSendEvent.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_long,
                                ctypes.POINTER(_Event)]
    xlib.XFlush.argtypes = xlib.XCloseDisplay.argtypes = [ctypes.c_void_p]
    connection = xlib.XOpenDisplay(display.encode())
    if not connection:
        raise RuntimeError(f"cannot open X display {display}")
    try:
        event = _Event()
        event.xclient.type, event.xclient.window, event.xclient.format = _CLIENT_MESSAGE, window, 32
        event.xclient.message_type = xlib.XInternAtom(connection, b"WM_PROTOCOLS", False)
        event.xclient.data[0] = xlib.XInternAtom(connection, b"WM_DELETE_WINDOW", False)
        xlib.XSendEvent(connection, window, False, 0, ctypes.byref(event))
        xlib.XFlush(connection)
    finally:
        xlib.XCloseDisplay(connection)
