"""``[[songs]]``: the set, an ordered list of songs, each naming what differs from the show.

A song's ``[songs.latents]`` table is laid over the show's ``[latents]`` (any key of it: the
source, its projection file or keyframes, gain, blend, selection, cues), so a song says only
what is its own. ``networks`` picks which of the show's ``[networks] files`` the song plays
(all stay resident on the workers), ``audio`` is its recording for rehearsal and render,
``transition`` says how the set arrives at it, and ``source_video`` (laid over ``[overlays]
source_video``) is the original video its projection was made from, for the eye overlays.

    [[songs]]
    name = "intro"
    audio = "audio/intro.flac"
    networks = [2, 0]
    transition = "crossfade"
    transition_seconds = 3.0
    [songs.latents]
    source = "projection"
    projection.file = "projections/intro.hdf5"
"""

from __future__ import annotations

from dataclasses import dataclass, field

from live.contracts.schema import param
from live.latents.config import LatentsConfig

TRANSITIONS = ("cut", "crossfade", "cut_on_beat", "fade_black")


@dataclass
class SongConfig:
    """One ``[[songs]]`` entry; ``latents`` is the show's ``[latents]`` with the song's own
    keys laid over it."""

    name: str = param("", "shown in the HUD and the logs; empty = \"song N\"")
    audio: str = param("", "the song's recording, played by audio.source = \"file\" and by "
                           "render (relative to this file); give every song one, or none")
    networks: list[int] = param([], "indices into [networks] files this song plays, the first "
                                    "on screen when it starts, the second cued for the "
                                    "crossfade; empty = the show's network settings")
    transition: str = param("crossfade", "how the set arrives at this song: cut, crossfade "
                                         "(of the latents), cut_on_beat (at the next beat), "
                                         "fade_black (out, switch, in)", choices=TRANSITIONS)
    transition_seconds: float = param(2.0, "length of a crossfade or a fade through black",
                                      range=(0.0, 60.0))
    source_video: str = param("", "the original video this song's projection was made from, "
                                  "whose frames its eye overlays draw (run `gance-live overlays "
                                  "PROJECTION --video VIDEO` once); empty = [overlays] "
                                  "source_video")
    latents: LatentsConfig = field(default_factory=LatentsConfig)

    def title(self, number: int) -> str:
        """The song's name, or ``"song N"`` (``number`` counts from 1)."""
        return self.name or f"song {number}"


def overlay(base: dict, own: dict) -> dict:
    """``base`` with ``own`` laid over it, tables merged key by key (neither is changed)."""
    merged = dict(base)
    for key, value in own.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = overlay(merged[key], value)
        else:
            merged[key] = value
    return merged
