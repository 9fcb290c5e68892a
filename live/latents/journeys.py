"""Latent journeys: where the W+ of each frame comes from before the audio blend.

Every journey answers :meth:`Journey.advance` once per frame, in frame order, with the W+
of that frame: ``[num_ws, 512]``, or ``[1, 512]`` when every row is the same W (seeded stops,
GANce projections), so the per-row work is done once and the instrument broadcasts it.
``clock`` is the journey time in seconds (show time scaled by the performer's speed, held
while frozen, moved by cue jumps) and ``delta`` the signed journey seconds since the previous
call. Journeys that are a pure function of the clock (a noise loop,
keyframes, a projection) ignore ``delta``; the others (the novelty walk, the neighbours walk)
integrate it.

- :class:`KeyframePath`: the Inspace noise loop (N seeded stops, a fixed time per stop, ending
  exactly where it began) and keyframe interpolation (seeds or saved W vectors).
- :class:`ProjectionPlayback`: a GANce projection file played in time.
- :class:`NoveltyWalk`: GANterpretations' journey, made causal for a live show.
- :class:`Neighbours`: a Gaussian random walk around the current latent.
"""

from __future__ import annotations

import math
from typing import Callable, Protocol

import numpy as np

from live.contracts.features import FeatureFrame
from live.latents.config import NoveltyWalkConfig
from live.latents.interpolation import ease, interpolate
from live.latents.projection import W_DIM, ProjectionFileError
from live.latents.seeds import Z_DIM

# Positions this close to a whole number are that number: a journey computed from a clock of
# 24 frames / 30 fps / 0.1 s per stop must land on stop 8, not 1e-15 short of it.
SNAP = 1e-9
# Show fps / projection fps ratios this close to a whole number count as whole.
FPS_RATIO_TOLERANCE = 1e-6


class Journey(Protocol):
    """A source of W+ over time (module docstring)."""

    def advance(self, clock: float, delta: float, features: FeatureFrame | None) -> np.ndarray:
        """The W+ [num_ws or 1, 512] float32 of the next frame."""


def snapped_floor(position: float) -> tuple[int, float]:
    """``position`` split into a whole part and a fraction, snapping float noise (SNAP)."""
    whole = math.floor(position + SNAP)
    fraction = position - whole
    return whole, 0.0 if fraction < SNAP else fraction


class KeyframePath:
    """Stops visited in order, ``seconds_per_transition`` apart, interpolated between.

    Transition ``i`` (from stop i to stop i+1) spans clock ``[i, i+1) * seconds_per_transition``.
    With ``loop`` the path runs on from the last stop back to the first, so K stops make a loop
    of K transitions that returns exactly (bit for bit) to its start; without it the path holds
    the first stop before time 0 and the last one after the end.
    """

    def __init__(self, points: np.ndarray, seconds_per_transition: float, method: str,
                 eased: bool, loop: bool, center: np.ndarray) -> None:
        assert points.ndim == 3 and points.shape[0] >= 2 and points.shape[2] == W_DIM, points.shape
        assert seconds_per_transition > 0
        self.points = points.astype(np.float32)
        self.seconds_per_transition = seconds_per_transition
        self.method = method
        self.eased = eased
        self.loop = loop
        self.center = center

    def at(self, clock: float) -> np.ndarray:
        """The W+ at journey time ``clock`` seconds."""
        count = len(self.points)
        transition, t = snapped_floor(clock / self.seconds_per_transition)
        if self.loop:
            start, end = transition % count, (transition + 1) % count
        elif transition < 0:
            return self.points[0].copy()
        elif transition >= count - 1:
            return self.points[-1].copy()
        else:
            start, end = transition, transition + 1
        return interpolate(self.points[start], self.points[end], ease(t) if self.eased else t,
                           self.method, self.center)

    def advance(self, clock: float, delta: float, features: FeatureFrame | None) -> np.ndarray:
        return self.at(clock)


def check_fps_fits(path: object, projection_fps: float, show_fps: float) -> None:
    """Refuse a projection whose frames would land unevenly on the show's frames.

    Played without interpolation, latent ``floor(t * projection_fps)`` shows at time t. When
    one fps is a whole multiple of the other, every latent is held for the same number of show
    frames (or the same number is skipped each frame); otherwise the picture judders.
    """
    ratio = max(show_fps, projection_fps) / min(show_fps, projection_fps)
    if abs(ratio - round(ratio)) > FPS_RATIO_TOLERANCE:
        raise ProjectionFileError(
            f"{path}: projection fps {projection_fps:g} does not fit show fps {show_fps:g} (one "
            f"must be a whole multiple of the other, or the picture judders); set [show] fps to "
            f"a multiple or divisor of {projection_fps:g}, or [latents.projection] interpolate "
            f"= true")


class ProjectionPlayback:
    """A projection's latents in time: position = clock x projection fps (in latents).

    ``at_end``: "loop" wraps to the first latent, "ping_pong" plays back and forth, "hold"
    stays on the last latent (and on the first before time 0, when speed runs backwards).
    Without ``interpolate`` the latent shown is the one whose projected frame the position is
    in; with it, neighbouring latents are blended linearly by the position's fraction.
    """

    def __init__(self, latents: np.ndarray, projection_fps: float, at_end: str,
                 interpolate_frames: bool) -> None:
        assert latents.ndim == 3 and latents.shape[2] == W_DIM, latents.shape
        assert at_end in ("loop", "ping_pong", "hold"), at_end
        self.latents = latents
        self.projection_fps = projection_fps
        self.at_end = at_end
        self.interpolate_frames = interpolate_frames

    def wrap(self, position: int) -> int:
        """The latent index a whole position plays under ``at_end``."""
        count = len(self.latents)
        if self.at_end == "loop":
            return position % count
        if self.at_end == "hold" or count == 1:
            return min(max(position, 0), count - 1)
        period = 2 * (count - 1)  # 0, 1, .. N-1, N-2, .. 1, then 0 again
        phase = position % period
        return phase if phase < count else period - phase

    def indices(self, clock: float) -> tuple[int, int, float]:
        """(latent a, latent b, weight of b) played at journey time ``clock``."""
        whole, fraction = snapped_floor(clock * self.projection_fps)
        if not self.interpolate_frames:
            return self.wrap(whole), self.wrap(whole), 0.0
        return self.wrap(whole), self.wrap(whole + 1), fraction

    def advance(self, clock: float, delta: float, features: FeatureFrame | None) -> np.ndarray:
        return self.at(clock)

    def at(self, clock: float) -> np.ndarray:
        """The W+ at journey time ``clock`` seconds."""
        first, second, weight = self.indices(clock)
        if weight == 0.0:
            return self.latents[first].copy()
        a, b = self.latents[first], self.latents[second]
        return a + (b - a) * np.float32(weight)


class NoveltyWalk:
    """GANterpretations' journey, causal: each novelty peak sends the walk on to the next
    keyframe, and the way there follows the summed novelty.

    GANterpretations places keyframes at the peaks of a whole song's novelty curve and moves
    between them in proportion to the novelty accumulated in between, so the picture changes
    most where the music does. Live there is no future to look at, so:

    - a peak is a novelty value above ``peak_threshold`` that is higher than the one before it
      and not lower than the one after it; it is therefore confirmed one frame late, and
      ignored when it comes less than ``min_seconds_between_peaks`` after the previous peak;
    - at each peak the walk starts a new transition from wherever it is now (no jump) toward
      the next keyframe (cycling through them);
    - the position along the transition is the novelty summed since that peak divided by
      ``novelty_per_transition``, capped at the keyframe.

    Novelty is summed in proportion to |speed| (``delta``), so speed still scales the walk.
    """

    def __init__(self, points: np.ndarray, cfg: NoveltyWalkConfig, fps: float, method: str,
                 eased: bool, center: np.ndarray) -> None:
        assert points.ndim == 3 and points.shape[0] >= 2 and points.shape[2] == W_DIM, points.shape
        self.points = points.astype(np.float32)
        self.cfg = cfg
        self.fps = fps
        self.method = method
        self.eased = eased
        self.center = center
        self.origin = self.points[0].copy()   # where the current transition began
        self.target = 1                       # keyframe index the walk is heading to
        self.summed_novelty = 0.0             # since the current transition began
        self.peaks = 0                        # peaks acted on so far
        self._since_peak = math.inf           # journey seconds since the last peak
        self._before_last = 0.0               # novelty two frames ago
        self._last = 0.0                      # novelty one frame ago
        self._current = self.origin

    def advance(self, clock: float, delta: float, features: FeatureFrame | None) -> np.ndarray:
        novelty = features.novelty if features is not None else 0.0
        self._since_peak += abs(delta)
        peak = (self._last > self.cfg.peak_threshold and self._last > self._before_last
                and self._last >= novelty
                and self._since_peak >= self.cfg.min_seconds_between_peaks)
        if peak:
            self.origin = self._current
            self.target = (self.target + 1) % len(self.points)
            self.summed_novelty = 0.0
            self.peaks += 1
            self._since_peak = 0.0
        self._before_last, self._last = self._last, novelty
        self.summed_novelty += novelty * abs(delta) * self.fps
        t = min(self.summed_novelty / self.cfg.novelty_per_transition, 1.0)
        self._current = interpolate(self.origin, self.points[self.target],
                                    ease(t) if self.eased else t, self.method, self.center)
        return self._current.copy()


class Neighbours:
    """A Gaussian random walk: every ``seconds_per_step`` a new neighbour, glided to.

    Steps are taken in z and mapped to W (one ``map_z`` call per step, never per frame):
    a Gaussian step in W would leave the part of W the network has learned, while every
    mapped z stays in it. After each step z is scaled back to the length typical of
    N(0, I) samples (sqrt(512)), so a long walk does not drift to extreme latents.
    ``sigma`` is the step size per dimension relative to z's spread of 1.
    """

    def __init__(self, start_z: np.ndarray, map_z: Callable[[np.ndarray], np.ndarray],
                 sigma: float, seconds_per_step: float, rng: np.random.Generator,
                 method: str, eased: bool, center: np.ndarray) -> None:
        assert start_z.shape == (Z_DIM,), start_z.shape
        self.map_z = map_z
        self.sigma = sigma
        self.seconds_per_step = seconds_per_step
        self.rng = rng
        self.method = method
        self.eased = eased
        self.center = center
        self.steps = 0                        # steps taken so far
        self.phase = 0.0                      # 0..1 through the current step
        z = self._on_shell(start_z)
        self.w_from = self._map(z)
        self.z_next = self._neighbour(z)
        self.w_next = self._map(self.z_next)

    @staticmethod
    def _on_shell(z: np.ndarray) -> np.ndarray:
        return (z * (math.sqrt(Z_DIM) / max(float(np.linalg.norm(z)), 1e-12))).astype(np.float32)

    def _neighbour(self, z: np.ndarray) -> np.ndarray:
        step = self.rng.standard_normal(Z_DIM).astype(np.float32) * np.float32(self.sigma)
        return self._on_shell(z + step)

    def _map(self, z: np.ndarray) -> np.ndarray:
        """W [1, 512]: one shared row."""
        w = np.asarray(self.map_z(z[None].astype(np.float32)), np.float32)
        assert w.shape == (1, W_DIM), w.shape
        return w

    def _take_step(self) -> None:
        self.w_from = self.w_next
        self.z_next = self._neighbour(self.z_next)
        self.w_next = self._map(self.z_next)
        self.steps += 1

    def advance(self, clock: float, delta: float, features: FeatureFrame | None) -> np.ndarray:
        # A random walk has no way back: running the clock backwards walks on just the same.
        self.phase += abs(delta) / self.seconds_per_step
        while self.phase + SNAP >= 1.0:
            self.phase = max(self.phase - 1.0, 0.0)
            self._take_step()
        t = ease(self.phase) if self.eased else self.phase
        return interpolate(self.w_from, self.w_next, t, self.method, self.center)
