"""The output window (glfw): monitors, fullscreen or windowed, vsync and key presses; and
the performer's small preview window beside it.

Only the windows live here; the OpenGL contexts they make current are wrapped by
:mod:`live.compositor.context` and drawn into by :mod:`live.compositor.renderer`, the same
code the headless path uses.
"""

from __future__ import annotations

import contextlib
import os
from typing import Iterator

import glfw

from live.compositor.config import OutputConfig
from live.contracts.errors import LiveError

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
    x, y = glfw.get_monitor_pos(monitor)
    return {"index": index, "name": glfw.get_monitor_name(monitor).decode(errors="replace"),
            "size": (mode.size.width, mode.size.height), "refresh": mode.refresh_rate,
            "position": (x, y)}


def list_monitors() -> list[dict]:
    """Connected monitors: ``{"index", "name", "size": (w, h), "refresh": Hz, "position": (x, y)}``.

    The first is the primary monitor. Empty when there is no display.
    """
    with _glfw_quietly() as started:
        return _connected_monitors()[1] if started else []


def monitor_summary(monitors: list[dict]) -> str:
    """One line naming every monitor, for errors and ``gance-live monitors``."""
    return ", ".join(f"{m['index']}: '{m['name']}' {m['size'][0]}x{m['size'][1]} "
                     f"{m['refresh']} Hz at {m['position']}" for m in monitors) or "none"


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
        _start_window_hints()
        # A fullscreen window iconifies itself when it loses focus by default; the performer
        # clicking the preview (or anything) on another screen must not blank the projector.
        glfw.window_hint(glfw.AUTO_ICONIFY, False)
        if output.fullscreen:
            width, height = self.monitor["size"]
            glfw.window_hint(glfw.REFRESH_RATE, self.monitor["refresh"])
            self.window = glfw.create_window(width, height, title,
                                             handles[self.monitor["index"]], None)
        else:
            self.window = glfw.create_window(output.width, output.height, title, None, None)
        if not self.window:
            raise WindowError(f"cannot open a window with OpenGL 3.3: {_glfw_error()}")
        self._output_window = self.window
        if not output.fullscreen and output.monitor:
            glfw.set_window_pos(self.window, *self.monitor["position"])   # rehearse on that screen
        glfw.make_context_current(self.window)
        glfw.swap_interval(1 if output.vsync else 0)
        if output.fullscreen:
            glfw.set_input_mode(self.window, glfw.CURSOR, glfw.CURSOR_HIDDEN)
        self.refresh_rate = self.monitor["refresh"] or 60
        self._pressed: list[str] = []
        glfw.set_key_callback(self.window, self._on_key)

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
        left, top = self.monitor["position"]
        glfw.set_window_pos(self.window, left + output.preview_position[0],
                            top + output.preview_position[1])
        with self.current():
            glfw.swap_interval(0)
        glfw.show_window(self.window)

    def close(self) -> None:
        """Destroy the preview alone; the show goes on in the output window."""
        glfw.destroy_window(self.window)
