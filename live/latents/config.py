"""``[latents]``: what the performer plays: the latent source, the audio blend, the networks.

The top-level keys choose the journey (``source``) and shape the audio blend; each journey
that needs more than that has its own table (``[latents.projection]``, ...), and
``[latents.selection]`` says how the network of each frame is chosen.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from live.contracts.parameters import parameter
from live.contracts.schema import param
from live.latents.blend import W_LIMIT

SOURCES = ("noise_loop", "projection", "keyframes", "novelty_walk", "neighbours")
INTERPOLATIONS = ("linear", "slerp")


@dataclass
class ProjectionConfig:
    """``[latents.projection]``: playing a GANce projection file in time."""

    file: str = param("", "GANce projection file (.hdf5) played by source = \"projection\", "
                          "relative to this config file")
    at_end: str = param("loop", "what playback does after the last latent",
                        choices=("loop", "ping_pong", "hold"))
    interpolate: bool = param(False, "blend neighbouring latents so any projection fps plays at "
                                     "any show fps; false = every show frame lands exactly on a "
                                     "projected frame, so one fps must be a multiple of the other")
    identical_rows: bool = param(True, "require every W+ row of a latent to be the same W, as "
                                       "GANce's projector writes them; false for W+ projections")


@dataclass
class KeyframesConfig:
    """``[latents.keyframes]``: the stops of source = "keyframes" (and of the novelty walk)."""

    points: list[str] = param([], "keyframes in order: \"seed:N\" (z drawn as NVIDIA's "
                                  "generate.py does for seed N) or a saved W file (.npy of "
                                  "[512] or [num_ws, 512], e.g. from save favourite)")
    seconds_per_transition: float = param(4.0, "seconds from one keyframe to the next",
                                          range=(0.05, 600.0))
    loop: bool = param(True, "after the last keyframe go back to the first; false = hold it")


@dataclass
class NoveltyWalkConfig:
    """``[latents.novelty_walk]``: GANterpretations' journey, played live from the novelty curve."""

    peak_threshold: float = param(0.15, "novelty a local maximum must exceed to count as a peak "
                                        "(novelty is 0..1)", range=(0.0, 1.0))
    min_seconds_between_peaks: float = param(0.5, "peaks closer than this to the previous one "
                                                  "are ignored", range=(0.0, 60.0))
    novelty_per_transition: float = param(3.0, "summed novelty that carries the walk all the way "
                                               "to the next keyframe", range=(0.001, 1000.0))


@dataclass
class NeighboursConfig:
    """``[latents.neighbours]``: a Gaussian random walk around the current latent."""

    sigma: float = param(0.35, "size of each step, as a fraction of z's typical spread "
                               "(1 = a step as large as z itself)", range=(0.0, 4.0))
    seconds_per_step: float = param(2.0, "seconds from one step to the next",
                                    range=(0.05, 600.0))


@dataclass
class SelectionConfig:
    """``[latents.selection]``: which network draws each frame."""

    mode: str = param("manual", "manual = the controller's network and crossfade; loudness = "
                                "smoothed RMS mapped onto the networks; shuffle = a new network "
                                "every N onsets or beats (the `selection` parameter plays it)",
                       choices=parameter("selection").choices)
    networks: list[int] = param([], "indices into [networks] files used by loudness and "
                                    "shuffle, quietest first for loudness; empty = all")
    loudness_db_range: list[float] = param([-50.0, -6.0], "[quiet, loud] dBFS mapped onto the "
                                           "first and last network", length=2)
    loudness_smoothing_seconds: float = param(0.5, "time constant of the RMS smoothing",
                                              range=(0.0, 60.0))
    loudness_crossfade: bool = param(True, "crossfade between neighbouring networks by the "
                                           "loudness between them; false = switch")
    shuffle_on: str = param("onset", "events counted by shuffle", choices=("onset", "beat"))
    shuffle_every: int = param(8, "shuffle to another network every this many events",
                               range=(1, 10000))
    shuffle_weights: list[float] = param([], "how often shuffle picks each network of "
                                             "`networks` (e.g. good 3, less good 2, weird 1); "
                                             "empty = equally")


@dataclass
class LatentsConfig:
    """``[latents]``: the journey (``source``), its timing, the audio blend, and the tables."""

    source: str = param("noise_loop", "where the W+ path comes from", choices=SOURCES)
    stops: int = param(8, "noise loop: seeded W stops visited before the loop closes",
                       range=(2, 1024))
    seconds_per_stop: float = param(4.0, "noise loop: seconds from one stop to the next",
                                    range=(0.05, 600.0))
    interpolation: str = param("slerp", "path between two stops or keyframes: linear, or slerp "
                                        "(great circle around the average W)",
                               choices=INTERPOLATIONS)
    ease: bool = param(True, "slow into and out of every stop (cosine ease); false = constant "
                             "speed")
    cues: list[float] = param([0.0], "journey times (seconds) the performer can jump to")
    gain: float = param(0.5, "audio blend amount (alpha) at start; MIDI moves it",
                        range=(0.0, 1.0))
    gain_curve: float = param(1.0, "alpha = gain ** gain_curve: 1 = linear, 2 = finer control "
                                   "at low gain", range=(0.1, 10.0))
    blend_depth: int = param(18, "how many W+ rows (from the first) the spectrum blends into at "
                                 "start (the blend_depth parameter plays it); "
                                 "more than the network has = all of them", range=(0, 64))
    fft_amplitude_range: list[float] = param([-4.0, 4.0], "spectrum vector scaled into this "
                                             "[low, high] range before blending", length=2,
                                             range=(-W_LIMIT, W_LIMIT))
    rms_roll: float = param(0.0, "spectrum vector cells rolled per second at full-scale RMS, so "
                                 "loud passages slide the pattern along W (0 = off)",
                            range=(0.0, 100000.0))
    projection: ProjectionConfig = field(default_factory=ProjectionConfig)
    keyframes: KeyframesConfig = field(default_factory=KeyframesConfig)
    novelty_walk: NoveltyWalkConfig = field(default_factory=NoveltyWalkConfig)
    neighbours: NeighboursConfig = field(default_factory=NeighboursConfig)
    selection: SelectionConfig = field(default_factory=SelectionConfig)
