"""OpenGL contexts: a headless EGL one, or the one a glfw window made current.

Both are plain moderngl contexts; everything drawn is drawn the same way into either. The
offscreen target is what the headless path shows into and what recordings read back.
"""

from __future__ import annotations

from typing import Any

import moderngl

GL_VERSION = 330


def headless_context() -> moderngl.Context:
    """A standalone OpenGL 3.3 context through EGL: no display or window needed."""
    return moderngl.create_standalone_context(backend="egl", require=GL_VERSION)


def window_context(functions: Any) -> moderngl.Context:
    """Wrap the OpenGL context the calling thread's glfw window made current; ``functions``
    loads its OpenGL functions (``load_opengl_function(name)``, ``release()``: the window's
    platform knows how, GLX or EGL)."""
    return moderngl.create_context(require=GL_VERSION, context=functions)


def offscreen_target(ctx: moderngl.Context, width: int, height: int) -> moderngl.Framebuffer:
    """An RGBA8 framebuffer of ``width x height`` to draw into and read back."""
    return ctx.framebuffer(color_attachments=[ctx.renderbuffer((width, height), 4)])
