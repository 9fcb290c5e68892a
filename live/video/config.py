"""``[video]``: the live video of the room under the GAN frame (or a file in rehearsal)."""

from __future__ import annotations

from dataclasses import dataclass

from live.contracts.schema import param


@dataclass
class VideoConfig:
    source: str = param("none", "none; camera = a V4L2 camera (device); file = a video file "
                                "played looped in step with the show (rehearsal)",
                        choices=("none", "camera", "file"))
    device: str = param("0", "camera index, or a substring of its name (gance-live devices); "
                             "a camera that vanishes is looked for again by this name")
    file: str = param("", "video file for source = file, relative to this file")
    retry_seconds: float = param(1.0, "how often a camera that vanished is looked for again",
                                 range=(0.1, 60.0))
