"""The instrument the performer plays: for each frame, the W+ and the network(s) to draw it.

The conductor builds one :class:`Instrument` from ``[latents]`` and calls :meth:`Instrument.frame`
once per frame, in index order, with the newest audio features, the show state and the whole
beats crossed since the previous frame. Each call:

1. carries out the **beat moves** due (every ``beat_every`` beats: step the journey, jump to
   the next cue, or show the next network);
2. moves the **journey clock** by ``speed`` x the show time since the previous frame (not at
   all while ``freeze`` is on), and asks the journey (``source``) for its W+ at that clock;
3. **style-mixes** rows from ``mix_row`` on toward the journey's W+ at the next cue;
4. applies **truncation** ``psi`` toward ``w_avg`` (so psi tames the picture without muting
   the music or the knobs);
5. pushes along the network's **semantic directions**: the eight knobs, and the **onset
   punch** (an onset pushes along direction 1, decaying with ``onset_decay``);
6. **blends the spectrum**, its bands weighed by the band gains, into the first
   ``blend_depth`` rows with alpha = gain ** gain_curve (GANce), the spectrum vector
   optionally rolled along by the RMS;
7. picks the **network(s)** with the selection mode.

Everything is cheap numpy and a function of (config, seed, features, state, frame indices,
beats): no clock is read, so a rendered or replayed show repeats exactly. ``map_z`` (the
mapping network) is called only while building the journey and when the neighbours walk takes
a step. ``blackout`` is not the instrument's business: the compositor fades the output.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable, NamedTuple

import numpy as np

from live.contracts.features import SPECTRUM_SIZE, FeatureFrame
from live.contracts.errors import ConfigError
from live.contracts.outputs import atomic_output
from live.contracts.parameters import parameter
from live.contracts.state import ShowState
from live.latents.blend import (band_weights, blend_spectrum, gain_to_alpha, spectrum_vector,
                                truncate)
from live.latents.config import LatentsConfig
from live.latents.directions import COUNT as DIRECTIONS
from live.latents.journeys import (Journey, KeyframePath, Neighbours, NoveltyWalk,
                                   ProjectionPlayback)
from live.latents.loading import SEED_PREFIX, SongFiles, read_song_files
from live.latents.moves import BeatCounter, OnsetEnvelope, push_along, style_mix
from live.latents.projection import W_DIM
from live.latents.seeds import Z_DIM, seed_z, stream_rng
from live.latents.selection import NetworkSelector, Selection

BEAT_MOVES = parameter("beat_move").choices
PROJECTION_STEP_S = 1.0   # a beat "step" of a projection: one second of the video on


class LatentFrame(NamedTuple):
    """What the conductor sends a worker for one frame."""

    ws: np.ndarray          # W+ [num_ws, 512] float32, truncated and blended
    network: int            # index into [networks] files
    crossfade_to: int       # the second network of a crossfade, -1 = none
    crossfade: float        # weight of crossfade_to, 0..1
    gain: float             # the blend alpha actually used (0 without audio)
    source_frame: int = -1  # the projection frame (source video frame) played; -1 = none


class Instrument:
    """Latent journeys, GANce's audio blend, truncation and network selection, per frame.

    ``map_z`` maps z [N, 512] float32 to W [N, 512] float32 through the first network's
    mapping; ``w_avg`` [512] is that network's average W; ``resolve`` turns a path written in
    the config into a Path (relative to the config file). Problems with the config or the files
    it names raise :class:`~live.contracts.errors.ConfigError` (projection files:
    :class:`~live.latents.projection.ProjectionFileError`, a subclass) here, never mid-show.
    ``directions`` [network_count, 8, 512] are each network's semantic directions
    (``directions.py``); None gives every network the same seeded unit directions (tests, and
    a show that has no mapping to take them from). ``files`` are the config's files already
    read (:class:`~live.latents.loading.SongLoader`); None reads them here.
    """

    def __init__(self, cfg: LatentsConfig, seed: int, fps: int, num_ws: int, network_count: int,
                 map_z: Callable[[np.ndarray], np.ndarray], w_avg: np.ndarray,
                 resolve: Callable[[str], Path], config_name: str = "show config",
                 directions: np.ndarray | None = None, files: SongFiles | None = None) -> None:
        w_avg = np.asarray(w_avg, np.float32)
        assert w_avg.shape == (W_DIM,), w_avg.shape
        assert fps > 0 and num_ws > 0 and network_count > 0, (fps, num_ws, network_count)
        if directions is None:
            seeded = stream_rng(seed, "directions").standard_normal((DIRECTIONS, W_DIM))
            seeded /= np.linalg.norm(seeded, axis=1, keepdims=True)
            directions = np.broadcast_to(seeded, (network_count, DIRECTIONS, W_DIM))
        assert directions.shape == (network_count, DIRECTIONS, W_DIM), directions.shape
        self.directions = np.asarray(directions, np.float32)
        self.network_count = network_count
        self.cfg = cfg
        self.seed = seed
        self.fps = fps
        self.num_ws = num_ws
        self.map_z = map_z
        self.w_avg = w_avg
        self.resolve = resolve
        self.config_name = config_name
        self.selector = NetworkSelector(cfg.selection, network_count, seed, config_name)
        self.files = files if files is not None \
            else read_song_files(cfg, num_ws, fps, resolve, config_name)
        self.journey = self._build_journey()
        self.clock_frames = 0.0           # journey clock in show frames (exact at speed 1)
        self.roll = 0.0                   # spectrum vector roll, in cells
        self.index = 0                    # last frame index played
        self.cue_pending = False          # a cue jump the next frame must show
        self.favourites_saved = 0         # names every favourite file apart
        self.cue = 0                      # the cue last jumped to (the mix's is the next)
        self.network_moves = 0            # networks moved on by beat moves
        self.onset = OnsetEnvelope()
        self.beat_moves = BeatCounter()
        self.journey_ws = self._advance(0.0, None)
        self.start_ws = self.journey_ws   # where the journey began: a walk's mix source
        self.mix_source = self._mix_source()

    @property
    def clock(self) -> float:
        """Journey time in seconds."""
        return self.clock_frames / self.fps

    def frame(self, index: int, features: FeatureFrame | None, state: ShowState,
              beats: int = 0) -> LatentFrame:
        """The latent frame for frame ``index`` (increasing from call to call; gaps are skipped
        frames and still advance the journey by their show time); ``beats``: whole beats of
        the show's tempo crossed since the previous frame. Live, a frame may be bound after a
        later one (a slow worker's frame is bound further ahead of its due time than a fast
        one's): it gets the journey where it is, which never runs backwards."""
        frames = max(0, index - self.index)
        self.index = max(self.index, index)
        seconds = frames / self.fps
        if isinstance(self.journey, Neighbours):
            self.journey.sigma = state.neighbours_sigma
        step = 0.0
        for _ in range(self.beat_moves.moves(beats, round(state.beat_every))):
            step += self._beat_move(BEAT_MOVES[state.beat_move])
        if (frames and not state.freeze) or self.cue_pending or step:
            # A cue lands exactly: the frame after the jump shows the cue's moment itself.
            moved = 0.0 if state.freeze or self.cue_pending else state.speed * frames
            self.clock_frames += moved + step
            self.journey_ws = self._advance((moved + step) / self.fps, features)
            self.cue_pending = False
        ws = np.broadcast_to(self.journey_ws, (self.num_ws, W_DIM))
        ws = style_mix(ws, self.mix_source, state.mix, round(state.mix_row))
        ws = truncate(ws, self.w_avg, state.truncation_psi)
        chosen = self.selector.select(seconds, features, state)
        chosen = self._moved_on(chosen)
        onset = features is not None and features.onset_event
        punch = state.onset_push * self.onset.step(onset, seconds, state.onset_decay)
        knobs = np.array([punch + state.direction_1] + [getattr(state, f"direction_{n}")
                                                         for n in range(2, DIRECTIONS + 1)])
        # The directions of the network on screen (a crossfade's second network draws the
        # same W+, so it is pushed along the first's).
        ws = push_along(ws, self.directions[chosen.network], knobs)
        alpha = 0.0
        if features is not None:
            assert features.spectrum.shape == (SPECTRUM_SIZE,), features.spectrum.shape
            alpha = gain_to_alpha(state.gain, self.cfg.gain_curve)
            self.roll += self.cfg.rms_roll * features.rms * seconds
            vector = spectrum_vector(features.spectrum, self.cfg.fft_amplitude_range,
                                     int(self.roll) % SPECTRUM_SIZE,
                                     band_weights(state.low_gain, state.mid_gain,
                                                  state.high_gain))
            ws = blend_spectrum(ws, vector, alpha, round(state.blend_depth))
        # A fresh array every frame: the journey's own W+ must never leak out to be changed.
        source_frame = self.journey.indices(self.clock)[0] \
            if isinstance(self.journey, ProjectionPlayback) else -1
        return LatentFrame(np.array(ws, np.float32, order="C"), chosen.network,
                           chosen.crossfade_to, chosen.crossfade, alpha, source_frame)

    def jump_to_cue(self, number: int) -> bool:
        """Move the journey clock to cue ``number`` of ``[latents] cues`` (seconds); the next
        frame plays from there, even while frozen. Returns False (and does nothing) for a cue
        that does not exist. The walks (novelty, neighbours) have no timeline to jump in."""
        if not 0 <= number < len(self.cfg.cues):
            return False
        self.clock_frames = self.cfg.cues[number] * self.fps
        self.cue_pending = True
        self.cue = number
        self.mix_source = self._mix_source()
        return True

    def start_at(self, index: int) -> None:
        """Play the journey from its beginning, frame ``index`` showing its first moment (the
        set arriving at this instrument's song)."""
        self.index = index
        self.clock_frames = 0.0
        self.cue_pending = True

    def save_favourite(self, folder: str | Path) -> Path:
        """Write the journey's current W+ ([num_ws, 512], before truncation and blend) as a new
        .npy in ``folder``, ready to be a keyframe (``[latents.keyframes] points``). Every save
        is a new file named by the time, the frame index and a counter; nothing is ever
        overwritten. Returns the file written."""
        folder = Path(folder)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        while True:  # the counter only runs past files another save already took
            self.favourites_saved += 1
            target = folder / (f"favourite-{stamp}-frame{self.index:07d}-"
                               f"{self.favourites_saved:03d}.npy")
            if not target.exists():
                break
        with atomic_output(target) as temporary, temporary.open("wb") as stream:
            np.save(stream, np.broadcast_to(self.journey_ws, (self.num_ws, W_DIM)))
        return target

    # -- inside ---------------------------------------------------------------------------

    def _beat_move(self, move: str) -> float:
        """Carry out one beat move; returns the journey frames a "step" moves the clock on."""
        if move == "cue":
            if self.cfg.cues:
                self.jump_to_cue((self.cue + 1) % len(self.cfg.cues))
        elif move == "network":
            self.network_moves += 1
        else:
            return self._step_seconds() * self.fps
        return 0.0

    def _step_seconds(self) -> float:
        """One step of the journey: a stop, a keyframe transition, a walk's step."""
        cfg = self.cfg
        if isinstance(self.journey, Neighbours):
            return cfg.neighbours.seconds_per_step
        if cfg.source == "noise_loop":
            return cfg.seconds_per_stop
        if cfg.source == "projection":
            return PROJECTION_STEP_S
        return cfg.keyframes.seconds_per_transition

    def _moved_on(self, chosen: Selection) -> Selection:
        """``chosen`` with the networks the beat moves went on by (wrapping around)."""
        if not self.network_moves:
            return chosen
        count, shift = self.network_count, self.network_moves
        return chosen._replace(network=(chosen.network + shift) % count,
                               crossfade_to=-1 if chosen.crossfade_to < 0
                               else (chosen.crossfade_to + shift) % count)

    def _mix_source(self) -> np.ndarray:
        """The W+ [num_ws, 512] style mixing draws from: the journey at the cue after the one
        last jumped to; a walk (no timeline) where it began."""
        cues = self.cfg.cues
        if isinstance(self.journey, (KeyframePath, ProjectionPlayback)) and cues:
            ws = self.journey.at(cues[(self.cue + 1) % len(cues)])
        else:
            ws = self.start_ws
        return np.array(np.broadcast_to(ws, (self.num_ws, W_DIM)), np.float32)

    def _advance(self, delta: float, features: FeatureFrame | None) -> np.ndarray:
        ws = self.journey.advance(self.clock, delta, features)
        assert ws.shape in ((1, W_DIM), (self.num_ws, W_DIM)), ws.shape
        return ws

    def _build_journey(self) -> Journey:
        cfg = self.cfg
        if cfg.source == "noise_loop":
            return KeyframePath(self._seeded_stops("noise_loop", cfg.stops), cfg.seconds_per_stop,
                                cfg.interpolation, cfg.ease, loop=True, center=self.w_avg)
        if cfg.source == "projection":
            return self._projection()
        if cfg.source == "keyframes":
            if len(cfg.keyframes.points) < 2:
                raise ConfigError(f"{self.config_name}: [latents.keyframes] points: source = "
                                  f"\"keyframes\" needs at least 2 points (\"seed:N\" or .npy "
                                  f"files), got {len(cfg.keyframes.points)}")
            return KeyframePath(self._keyframes(), cfg.keyframes.seconds_per_transition,
                                cfg.interpolation, cfg.ease, cfg.keyframes.loop, self.w_avg)
        if cfg.source == "novelty_walk":
            # Keyframes when the performer chose some, else seeded stops as the noise loop has.
            points = self._keyframes() if len(cfg.keyframes.points) >= 2 \
                else self._seeded_stops("novelty_walk", cfg.stops)
            return NoveltyWalk(points, cfg.novelty_walk, self.fps, cfg.interpolation, cfg.ease,
                               self.w_avg)
        if cfg.source == "neighbours":
            start = stream_rng(self.seed, "neighbours_start").standard_normal(Z_DIM)
            return Neighbours(start.astype(np.float32), self.map_z, cfg.neighbours.sigma,
                              cfg.neighbours.seconds_per_step,
                              stream_rng(self.seed, "neighbours_steps"), cfg.interpolation,
                              cfg.ease, self.w_avg)
        raise ConfigError(f"{self.config_name}: [latents] source: unknown source {cfg.source!r}")

    def _mapped(self, z: np.ndarray) -> np.ndarray:
        """W [N, 1, 512] (one shared row each) for z [N, 512]."""
        w = np.asarray(self.map_z(np.ascontiguousarray(z, np.float32)), np.float32)
        assert w.shape == (len(z), W_DIM), f"map_z returned {w.shape} for {z.shape}"
        return w[:, None, :]

    def _seeded_stops(self, stream: str, count: int) -> np.ndarray:
        return self._mapped(stream_rng(self.seed, stream).standard_normal((count, Z_DIM)))

    def _keyframes(self) -> np.ndarray:
        """The W+ of every ``[latents.keyframes] points`` entry, seeds mapped in one call:
        [K, 1, 512] when all are plain W, else [K, num_ws, 512]."""
        points: list[np.ndarray | None] = []
        seeds: dict[int, int] = {}   # position in points -> seed
        for position, entry in enumerate(self.cfg.keyframes.points):
            if entry.startswith(SEED_PREFIX):
                number = entry[len(SEED_PREFIX):]
                if not number.isdigit():
                    raise ConfigError(f"{self.config_name}: [latents.keyframes] points: "
                                      f"{entry!r} is not \"seed:N\" with N a whole number")
                seeds[position] = int(number)
                points.append(None)
            else:
                points.append(self.files.keyframes[position])
        if seeds:
            mapped = self._mapped(np.stack([seed_z(s) for s in seeds.values()]))
            for position, w in zip(seeds, mapped):
                points[position] = w
        rows = max(point.shape[0] for point in points)
        return np.stack([np.broadcast_to(point, (rows, W_DIM)) for point in points])

    def _projection(self) -> ProjectionPlayback:
        cfg = self.cfg.projection
        return ProjectionPlayback(self.files.projection, self.files.projection_fps, cfg.at_end,
                                  cfg.interpolate)
