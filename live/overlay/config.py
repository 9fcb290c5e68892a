"""``[overlays]``: GANce's source-video eye overlays over the synthesized frame."""

from __future__ import annotations

from dataclasses import dataclass

from live.contracts.schema import param


@dataclass
class OverlaysConfig:
    eyes: bool = param(False, "draw the projection's source eyes over the network's when they "
                              "line up (needs [latents] source = \"projection\", in a set a "
                              "song's, and `gance-live overlays` run on each projection once)")
    source_video: str = param("", "the original video the projection was made from, whose "
                                  "frames are drawn (in step with the projection, fitted to its "
                                  "square as the projector did) instead of its target images; "
                                  "relative to this file; run `gance-live overlays PROJECTION "
                                  "--video VIDEO` once")
    margin: float = param(0.25, "the drawn region reaches this part of the eye box's size "
                                "beyond it on every side", range=(0.0, 2.0))
    feather: float = param(0.35, "part of the region, from its edge inward, that fades into "
                                 "the frame below", range=(0.0, 1.0))
    detection_ms: float = param(120.0, "live: frames are bound this much earlier while eyes is "
                                       "on, so the eyes of each frame are found before it is "
                                       "due (a result that comes later is dropped); the "
                                       "latency it adds to the picture", range=(0.0, 1000.0))
