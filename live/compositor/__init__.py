"""The compositor: shows frames in order, upscales them bicubically, places them on the output,
draws the HUD and records. ``process.py`` is the process; ``upscale`` serves scripts and tests;
``display_available``, ``list_monitors`` and ``describe_monitor`` tell the CLI what it can
open.

These are imported on first use: every process reads ``live.compositor.config`` (through
the show config), and none but the compositor should pay for loading OpenGL and glfw.
"""

from __future__ import annotations

from typing import Any

__all__ = ["upscale", "display_available", "list_monitors", "describe_monitor"]


def __getattr__(name: str) -> Any:
    if name == "upscale":
        from live.compositor.resample import upscale
        return upscale
    if name in ("display_available", "list_monitors", "describe_monitor"):
        from live.compositor import window
        return getattr(window, name)
    raise AttributeError(f"module 'live.compositor' has no attribute {name!r}")
