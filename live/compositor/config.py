"""``[output]``: the window or projector, the upscale and the recording."""

from __future__ import annotations

from dataclasses import dataclass

from live.schema import param


@dataclass
class OutputConfig:
    width: int = param(1024, "output width in pixels (window or recording)", range=(16, 8192))
    height: int = param(1024, "output height in pixels", range=(16, 8192))
    fullscreen: bool = param(False, "fullscreen on the chosen monitor (show night)")
    monitor: str = param("", "monitor name substring or index for fullscreen; empty = primary")
    upscale: str = param("bicubic", "resampling from network size to output size",
                         choices=("bicubic", "linear", "nearest"))
    vsync: bool = param(True, "wait for the display's vertical blank")
    record: str = param("", "also record the output to this mp4 (empty = no recording)")
    hud: bool = param(False, "show the heads-up display at start (H toggles it)")
