"""OpenGL contexts: a headless EGL one, or the one a glfw window made current.

Both are plain moderngl contexts; everything drawn is drawn the same way into either. The
offscreen target is what the headless path shows into and what recordings read back.
"""

from __future__ import annotations

from typing import Any

import moderngl
import numpy as np

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


def image_texture(ctx: moderngl.Context, texture: moderngl.Texture | None,
                  pixels: np.ndarray, smooth: bool = True) -> moderngl.Texture:
    """``pixels`` (``[h, w, channels]`` uint8, top row first) written into ``texture``, or
    into a new texture when there is none yet or it differs in size or channels (the old one
    released). ``smooth``: sampled linearly and clamped at the edges, else nearest."""
    height, width, channels = pixels.shape
    if texture is None or texture.size != (width, height) or texture.components != channels:
        if texture is not None:
            texture.release()
        texture = ctx.texture((width, height), channels)
        if smooth:
            texture.filter = (moderngl.LINEAR, moderngl.LINEAR)
            texture.repeat_x = texture.repeat_y = False
        else:
            texture.filter = (moderngl.NEAREST, moderngl.NEAREST)
    texture.write(np.ascontiguousarray(pixels))
    return texture
