"""The output window (glfw): monitors, fullscreen or windowed, vsync and key presses; and
the performer's small preview window beside it.

glfw's wheel ships one library per platform and loads one when imported: native Wayland on
a Wayland session (``WAYLAND_DISPLAY`` names a socket: only a Wayland client can put a
fullscreen window on the output it chooses there), X11 otherwise;
``PYGLFW_LIBRARY_VARIANT=x11`` keeps a show on Xwayland. After opening, the fullscreen
output checks where it really is: on X11 a window manager may put it elsewhere (sway puts
it on the focused output), and then it becomes a borderless window the window manager
leaves alone, over the chosen monitor; where it is still not there,
``OutputWindow.misplaced`` says so (the log and the HUD show it).

Only the windows live here; the OpenGL contexts they make current are wrapped by
:mod:`live.compositor.context` and drawn into by :mod:`live.compositor.renderer`, the same
code the headless path uses.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import time
from pathlib import Path
from typing import Iterator


def _wayland_session() -> bool:
    """Whether a Wayland compositor's socket is there (``WAYLAND_DISPLAY`` names it, in
    ``XDG_RUNTIME_DIR`` unless absolute): a stale variable leaves the show on X11."""
    name = os.environ.get("WAYLAND_DISPLAY", "")
    return bool(name) and (Path(os.environ.get("XDG_RUNTIME_DIR", "")) / name).is_socket()


os.environ.setdefault("PYGLFW_LIBRARY_VARIANT", "wayland" if _wayland_session() else "x11")
import glfw  # noqa: E402  (the library variant is chosen above, before glfw loads it)

from live.compositor.config import OutputConfig
from live.contracts.errors import LiveError

LAND_SECONDS = 1.5    # how long an X11 window manager gets to put the fullscreen output in place
STEADY_SECONDS = 0.25  # ... and how long it must stay there (a window manager may move it late)

_NAMED_KEYS = {glfw.KEY_ESCAPE: "escape", glfw.KEY_UP: "up", glfw.KEY_DOWN: "down",
               glfw.KEY_LEFT: "left", glfw.KEY_RIGHT: "right", glfw.KEY_ENTER: "enter",
               glfw.KEY_KP_ENTER: "enter", glfw.KEY_SPACE: "space",
               glfw.KEY_PAGE_UP: "page_up", glfw.KEY_PAGE_DOWN: "page_down"}


class WindowError(LiveError, RuntimeError):
    """No window could be opened (no display, bad monitor, no OpenGL 3.3); one-line message."""


def key_name(key: int, mods: int = 0) -> str | None:
    """The lower-case name of a glfw key code (``"a"``, ``"7"``, ``"up"``, ``"escape"``,
    ``"f3"``; a function key held with shift is ``"shift+f3"``), or None."""
    if glfw.KEY_F1 <= key <= glfw.KEY_F12:
        name = f"f{key - glfw.KEY_F1 + 1}"
        return "shift+" + name if mods & glfw.MOD_SHIFT else name
    if glfw.KEY_0 <= key <= glfw.KEY_9:
        return str(key - glfw.KEY_0)
    if glfw.KEY_A <= key <= glfw.KEY_Z:
        return chr(ord("a") + key - glfw.KEY_A)
    return _NAMED_KEYS.get(key)


@contextlib.contextmanager
def _glfw_quietly() -> Iterator[bool]:
    """glfw initialised for the ``with`` block, errors silenced; yields whether it started.

    For the one-off questions of the main process (is there a display, which monitors):
    glfw is terminated afterwards, so never use it while an OutputWindow is open.
    """
    previous, glfw.ERROR_REPORTING = glfw.ERROR_REPORTING, "ignore"
    try:
        started = bool(glfw.init())
        try:
            yield started
        finally:
            if started:
                glfw.terminate()
    finally:
        glfw.ERROR_REPORTING = previous


def display_available() -> bool:
    """Whether a window can be opened here (an X11 or Wayland display that glfw can reach)."""
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        return False
    with _glfw_quietly() as started:
        return started and bool(glfw.get_monitors())


def _describe(index: int, monitor) -> dict:
    mode = glfw.get_video_mode(monitor)
    # Wayland tells clients nothing of where outputs are (glfw says 0, 0 for every one).
    position = (None if glfw.get_platform() == glfw.PLATFORM_WAYLAND
                else glfw.get_monitor_pos(monitor))
    return {"index": index, "name": glfw.get_monitor_name(monitor).decode(errors="replace"),
            "size": (mode.size.width, mode.size.height), "refresh": mode.refresh_rate,
            "position": position, "scale": glfw.get_monitor_content_scale(monitor)[0]}


def list_monitors() -> list[dict]:
    """Connected monitors: ``{"index", "name", "size": (w, h), "refresh": Hz, "position":
    (x, y), "scale": content scale}``.

    The first is the primary monitor. Empty when there is no display. On Wayland every
    position is None: clients are not told where outputs are.
    """
    with _glfw_quietly() as started:
        return _connected_monitors()[1] if started else []


def describe_monitor(monitor: dict) -> str:
    """``0: 'eDP-1' 1280x720 60 Hz at (0, 0)``, for listings and errors.

    >>> describe_monitor({"index": 1, "name": "HEADLESS-2", "size": (1920, 1080),
    ...                   "refresh": 60, "position": None, "scale": 1.0})
    "1: 'HEADLESS-2' 1920x1080 60 Hz (Wayland: position not told)"
    """
    where = (f"at {tuple(monitor['position'])}" if monitor["position"] is not None
             else "(Wayland: position not told)")
    return (f"{monitor['index']}: '{monitor['name']}' {monitor['size'][0]}x{monitor['size'][1]} "
            f"{monitor['refresh']} Hz {where}")


def monitor_summary(monitors: list[dict]) -> str:
    """One line naming every monitor, for errors."""
    return ", ".join(describe_monitor(m) for m in monitors) or "none"


def choose_monitor(monitors: list[dict], wanted: str, key: str = "monitor") -> dict:
    """The monitor ``wanted`` names: empty = primary, digits = index, else a name substring.

    ``key`` is the ``[output]`` key the name came from, so the error points at the right line.
    """
    if not monitors:
        raise WindowError("no monitor is connected")
    wanted = wanted.strip()
    if not wanted:
        return monitors[0]
    if wanted.isdigit() and int(wanted) < len(monitors):
        return monitors[int(wanted)]
    matches = [m for m in monitors if wanted.lower() in m["name"].lower()]
    if not matches:
        raise WindowError(f"[output] {key} '{wanted}': no such monitor; connected: "
                          f"{monitor_summary(monitors)}")
    return matches[0]


def _name(monitor: dict) -> str:
    return f"{monitor['index']}: '{monitor['name']}'"


def _fits(size: tuple[int, int], monitor: dict) -> bool:
    """Whether a window of ``size`` is as large as ``monitor``: in pixels, or in the logical
    units a Wayland compositor gives a window on a scaled output."""
    width, height = monitor["size"]
    scale = monitor["scale"]
    return tuple(size) in {(width, height), (round(width / scale), round(height / scale))}


def landing_problem(wanted: dict, monitors: list[dict], size: tuple[int, int],
                    position: tuple[int, int] | None) -> str | None:
    """Why a fullscreen window of ``size`` at ``position`` does not cover the ``wanted``
    monitor (see :func:`list_monitors`), or None when it does.

    ``position`` is None where a client cannot know it (Wayland): there the size the
    compositor gave the window names its monitor, when it is another's and not the wanted
    one's (with a fractional scale no monitor has it, and nothing can be said).

    >>> laptop = {"index": 0, "name": "eDP-1", "size": (1280, 720), "position": (0, 0),
    ...           "scale": 2.0}
    >>> projector = {"index": 1, "name": "HDMI-1", "size": (1920, 1080),
    ...              "position": (1280, 0), "scale": 1.0}
    >>> landing_problem(projector, [laptop, projector], (1920, 1080), (1280, 0)) is None
    True
    >>> landing_problem(projector, [laptop, projector], (1280, 720), (0, 0))
    "the output is 1280x720 at (0, 0) on 0: 'eDP-1', not on 1: 'HDMI-1'"
    >>> landing_problem(projector, [laptop, projector], (640, 360), None)
    "the output is 640x360, the size of 0: 'eDP-1', not of 1: 'HDMI-1'"
    >>> landing_problem(laptop, [laptop, projector], (640, 360), None) is None
    True
    """
    if position is None:
        other = next((m for m in monitors if _fits(size, m)), None)
        if _fits(size, wanted) or other is None:
            return None
        return (f"the output is {size[0]}x{size[1]}, the size of {_name(other)}, "
                f"not of {_name(wanted)}")
    if tuple(size) == tuple(wanted["size"]) and tuple(position) == tuple(wanted["position"]):
        return None
    centre = (position[0] + size[0] // 2, position[1] + size[1] // 2)
    holder = next((m for m in monitors
                   if 0 <= centre[0] - m["position"][0] < m["size"][0]
                   and 0 <= centre[1] - m["position"][1] < m["size"][1]), None)
    on = f" on {_name(holder)}" if holder is not None else " (on no monitor)"
    return f"the output is {size[0]}x{size[1]} at {tuple(position)}{on}, not on {_name(wanted)}"


def _connected_monitors() -> tuple[list, list[dict]]:
    """glfw's monitor handles and their descriptions (see :func:`list_monitors`), in step."""
    handles = glfw.get_monitors()
    return handles, [_describe(i, m) for i, m in enumerate(handles)]


def _glfw_error() -> str:
    code, text = glfw.get_error()
    return text.decode(errors="replace") if text else f"glfw error {code}"


def _start_window_hints() -> None:
    """Reset glfw's window hints and ask for what every window here needs: OpenGL 3.3 core."""
    glfw.default_window_hints()
    glfw.window_hint(glfw.CONTEXT_VERSION_MAJOR, 3)
    glfw.window_hint(glfw.CONTEXT_VERSION_MINOR, 3)
    glfw.window_hint(glfw.OPENGL_PROFILE, glfw.OPENGL_CORE_PROFILE)
    glfw.window_hint(glfw.OPENGL_FORWARD_COMPAT, True)


class _XSetWindowAttributes(ctypes.Structure):
    _fields_ = [("background_pixmap", ctypes.c_ulong), ("background_pixel", ctypes.c_ulong),
                ("border_pixmap", ctypes.c_ulong), ("border_pixel", ctypes.c_ulong),
                ("bit_gravity", ctypes.c_int), ("win_gravity", ctypes.c_int),
                ("backing_store", ctypes.c_int), ("backing_planes", ctypes.c_ulong),
                ("backing_pixel", ctypes.c_ulong), ("save_under", ctypes.c_int),
                ("event_mask", ctypes.c_long), ("do_not_propagate_mask", ctypes.c_long),
                ("override_redirect", ctypes.c_int), ("colormap", ctypes.c_ulong),
                ("cursor", ctypes.c_ulong)]


_CW_OVERRIDE_REDIRECT = 1 << 9
_GL_COLOR_BUFFER_BIT = 0x4000


def _bypass_window_manager(window: object) -> None:
    """Make an unmapped X11 window override-redirect: the window manager neither moves,
    resizes nor decorates it, so it appears exactly where it is put."""
    xlib = ctypes.CDLL(ctypes.util.find_library("X11"))
    xlib.XChangeWindowAttributes.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_ulong,
                                             ctypes.POINTER(_XSetWindowAttributes)]
    attributes = _XSetWindowAttributes(override_redirect=1)
    xlib.XChangeWindowAttributes(glfw.get_x11_display(), glfw.get_x11_window(window),
                                 _CW_OVERRIDE_REDIRECT, ctypes.byref(attributes))


def _present_black(window: object) -> None:
    """Show a first picture in ``window``: black (GL's clear colour until one is set)."""
    glfw.make_context_current(window)
    clear = ctypes.CFUNCTYPE(None, ctypes.c_uint)(glfw.get_proc_address("glClear"))
    clear(_GL_COLOR_BUFFER_BIT)
    glfw.swap_buffers(window)


def _wayland_round_trip() -> None:
    """Wait until the Wayland compositor has handled every request so far and its answers
    have arrived (``poll_events`` then hands them to glfw)."""
    client = ctypes.CDLL("libwayland-client.so.0")   # glfw's Wayland library loaded it
    client.wl_display_roundtrip.argtypes = [ctypes.c_void_p]
    client.wl_display_roundtrip(glfw.get_wayland_display())


class GlfwFunctions:
    """moderngl's loader of OpenGL functions for the current glfw context, through glfw:
    GLX on X11 and EGL on Wayland alike (see :func:`live.compositor.context.window_context`)."""

    @staticmethod
    def load_opengl_function(name: str) -> int:
        return glfw.get_proc_address(name) or 0

    @staticmethod
    def release() -> None:
        """Nothing to free: glfw owns the context."""


class _GlfwWindow:
    """What the output window and the preview share: a glfw window with its own OpenGL
    context. Between draws the output window's context is the current one."""

    window: object         # the glfw window handle
    _output_window: object  # the handle whose context is current between draws

    @contextlib.contextmanager
    def current(self) -> Iterator[None]:
        """This window's GL context current for the ``with`` block (draw and present in it)."""
        if self.window is self._output_window:    # always current already
            yield
            return
        glfw.make_context_current(self.window)
        try:
            yield
        finally:
            glfw.make_context_current(self._output_window)

    @property
    def close_requested(self) -> bool:
        return bool(glfw.window_should_close(self.window))

    @property
    def framebuffer_size(self) -> tuple[int, int]:
        return glfw.get_framebuffer_size(self.window)

    def present(self) -> None:
        """Show what was drawn (waits for the vertical blank when this window has vsync)."""
        glfw.swap_buffers(self.window)


class OutputWindow(_GlfwWindow):
    """A glfw window with a current OpenGL 3.3 core context, windowed or fullscreen.

    ``keys()`` returns the key names pressed since the last call (in this window or its
    preview); ``close_requested`` turns true when the window's close button was used.
    ``open_preview()`` adds the performer's preview window. Call ``close()`` when done.
    """

    def __init__(self, output: OutputConfig, title: str = "gance-live") -> None:
        glfw.ERROR_REPORTING = "ignore"
        if not glfw.init():
            raise WindowError(f"cannot open a window: {_glfw_error()} (no display? use --headless)")
        try:
            self._open(output, title)
        except Exception:
            glfw.terminate()
            raise

    def _open(self, output: OutputConfig, title: str) -> None:
        handles, monitors = _connected_monitors()
        self.monitor = choose_monitor(monitors, output.monitor)
        self.mode = "fullscreen" if output.fullscreen else "window"
        self.misplaced: str | None = None   # where the fullscreen output is instead, if not there
        self.ignored: str | None = None     # where a window manager put a fullscreen request
        if output.fullscreen:
            self._open_fullscreen(handles[self.monitor["index"]], monitors, title)
        else:
            self.window = self._create(output.width, output.height, title)
            if output.monitor and self.monitor["position"] is not None:
                glfw.set_window_pos(self.window, *self.monitor["position"])  # rehearse there
        self._output_window = self.window
        glfw.make_context_current(self.window)
        glfw.swap_interval(1 if output.vsync else 0)
        if output.fullscreen:
            glfw.set_input_mode(self.window, glfw.CURSOR, glfw.CURSOR_HIDDEN)
        self.refresh_rate = self.monitor["refresh"] or 60
        self._pressed: list[str] = []
        glfw.set_key_callback(self.window, self._on_key)

    @staticmethod
    def _create(width: int, height: int, title: str, monitor=None, refresh: int = 0, *,
                borderless: bool = False) -> object:
        """A new output window (fullscreen on glfw's ``monitor`` handle when given)."""
        _start_window_hints()
        glfw.window_hint(glfw.REFRESH_RATE, refresh or glfw.DONT_CARE)
        # A fullscreen window iconifies itself when it loses focus by default; the performer
        # clicking the preview (or anything) on another screen must not blank the projector.
        glfw.window_hint(glfw.AUTO_ICONIFY, False)
        if borderless:
            glfw.window_hint(glfw.DECORATED, False)
            glfw.window_hint(glfw.VISIBLE, False)      # shown once the window manager is out
        window = glfw.create_window(width, height, title, monitor, None)
        if not window:
            raise WindowError(f"cannot open a window with OpenGL 3.3: {_glfw_error()}")
        return window

    def _open_fullscreen(self, handle: object, monitors: list[dict], title: str) -> None:
        """Fullscreen on the chosen monitor; on X11, where the window manager put it
        elsewhere, a borderless window over the monitor that the window manager leaves alone
        (glfw itself does that where no window manager takes fullscreen requests)."""
        width, height = self.monitor["size"]
        self.window = self._create(width, height, title, handle, self.monitor["refresh"])
        problem = self._wait_to_land(monitors)
        if problem is None or glfw.get_platform() != glfw.PLATFORM_X11:
            self.misplaced = problem
            return
        glfw.destroy_window(self.window)
        self.window = self._create(width, height, title, borderless=True)
        _bypass_window_manager(self.window)
        glfw.set_window_pos(self.window, *self.monitor["position"])
        glfw.show_window(self.window)
        self.mode, self.ignored = "borderless", problem
        still = self._wait_to_land(monitors)
        self.misplaced = (f"{still} (the window manager moved fullscreen and borderless "
                          f"windows alike)" if still else None)

    def _wait_to_land(self, monitors: list[dict]) -> str | None:
        """Where the window is, if not over the chosen monitor (:func:`landing_problem`).

        A compositor maps a window, and gives it its place, once it has a picture: it gets
        a black one. On Wayland a round trip then settles it. An X11 window manager moves
        the window when it likes: it is there once it has stayed over the monitor for
        :data:`STEADY_SECONDS`, and elsewhere if not there by :data:`LAND_SECONDS`.
        """
        _present_black(self.window)
        if glfw.get_platform() == glfw.PLATFORM_WAYLAND:
            _wayland_round_trip()
            glfw.poll_events()
            return landing_problem(self.monitor, monitors, glfw.get_window_size(self.window),
                                   None)
        started = time.monotonic()
        there_since = None
        while True:
            glfw.poll_events()
            problem = landing_problem(self.monitor, monitors, glfw.get_window_size(self.window),
                                      glfw.get_window_pos(self.window))
            now = time.monotonic()
            there_since = (there_since or now) if problem is None else None
            if (there_since is not None and now - there_since >= STEADY_SECONDS
                    or now - started > LAND_SECONDS):
                return problem
            time.sleep(0.02)

    @property
    def where(self) -> str:
        """How and where the output window opened, for the compositor's ready line."""
        return f"{self.mode} on '{self.monitor['name']}'"

    def landing_report(self, wanted: str) -> list[str]:
        """Log lines for the performer about where the output went, if not simply there
        (``wanted``: the ``[output] monitor`` asked for)."""
        report = []
        if self.ignored:
            report.append(f"the window manager put the fullscreen output elsewhere "
                          f"({self.ignored}); a borderless window over the monitor replaced it")
        if self.misplaced:
            report.append(f"[output] monitor {wanted!r}: {self.misplaced}")
        return report

    def _on_key(self, window, key: int, scancode: int, action: int, mods: int) -> None:
        if action in (glfw.PRESS, glfw.REPEAT) and (name := key_name(key, mods)) is not None:
            self._pressed.append(name)

    def open_preview(self, output: OutputConfig,
                     title: str = "gance-live preview") -> PreviewWindow:
        """Open the performer's preview window (see :class:`PreviewWindow`).

        Its key presses come out of this window's ``keys()``, in order with this window's, so
        the performer's keyboard works the same whichever of the two has the focus.
        """
        preview = PreviewWindow(self, output, title)
        glfw.set_key_callback(preview.window, self._on_key)
        return preview

    def keys(self) -> list[str]:
        """Process window events; the key names pressed since the last call, in order."""
        glfw.poll_events()
        pressed, self._pressed = self._pressed, []
        return pressed

    def close(self) -> None:
        """Destroy the window (a preview still open goes with it) and shut glfw down."""
        glfw.destroy_window(self.window)
        glfw.terminate()


class PreviewWindow(_GlfwWindow):
    """The performer's preview: a small decorated window showing what the audience sees.

    Its OpenGL context shares the output window's objects, so a frame is uploaded once and
    drawn into both (see :meth:`live.compositor.renderer.FrameRenderer.add_context`). It
    never waits for a vertical blank, so presenting it cannot halve the output's frame rate.
    Made by :meth:`OutputWindow.open_preview`; it opens without taking the keyboard focus
    from the output window.
    """

    def __init__(self, output_window: OutputWindow, output: OutputConfig, title: str) -> None:
        _, monitors = _connected_monitors()
        self.monitor = choose_monitor(monitors, output.preview_monitor, key="preview_monitor")
        _start_window_hints()
        glfw.window_hint(glfw.VISIBLE, False)          # shown once it is in place
        glfw.window_hint(glfw.FOCUSED, False)
        glfw.window_hint(glfw.FOCUS_ON_SHOW, False)
        width, height = output.preview_size
        self.window = glfw.create_window(width, height, title, None, output_window.window)
        if not self.window:
            raise WindowError(f"cannot open the preview window: {_glfw_error()}")
        self._output_window = output_window.window
        if self.monitor["position"] is not None:   # on Wayland the compositor places it
            left, top = self.monitor["position"]
            glfw.set_window_pos(self.window, left + output.preview_position[0],
                                top + output.preview_position[1])
        with self.current():
            glfw.swap_interval(0)
        glfw.show_window(self.window)

    def close(self) -> None:
        """Destroy the preview alone; the show goes on in the output window."""
        glfw.destroy_window(self.window)
