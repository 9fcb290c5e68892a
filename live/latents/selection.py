"""Which network draws each frame: by hand, by loudness, or shuffled on the music's events.

- **manual**: the controller's ``network`` and, while ``crossfade`` is above 0, a weight
  crossfade toward ``crossfade_to``.
- **loudness** (GANce): the RMS, smoothed with a time constant, in dBFS between
  ``loudness_db_range`` is mapped onto the network list, quietest first; with
  ``loudness_crossfade`` the level between two networks crossfades them.
- **shuffle** (the style-transfer portrait's "good / less good / weird model" trick): every
  ``shuffle_every`` onsets (or beats) another network of the list, drawn with
  ``shuffle_weights`` from the show's seed.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from live.contracts.features import FeatureFrame
from live.contracts.errors import ConfigError
from live.contracts.parameters import parameter
from live.contracts.state import ShowState
from live.latents.config import SelectionConfig
from live.latents.seeds import stream_rng

MODES = parameter("selection").choices

# RMS below this is silence for the dB conversion (-120 dBFS), instead of log(0).
SILENT_RMS = 1e-6


class Selection(NamedTuple):
    """The network of a frame: ``crossfade`` is the weight of ``crossfade_to`` (-1 = none)."""

    network: int
    crossfade_to: int
    crossfade: float


class NetworkSelector:
    """Chooses the network(s) of each frame; call :meth:`select` once per frame, in order."""

    def __init__(self, cfg: SelectionConfig, network_count: int, seed: int,
                 config_name: str = "show config") -> None:
        where = f"{config_name}: [latents.selection]"
        networks = list(cfg.networks) or list(range(network_count))
        bad = [i for i in networks if not 0 <= i < network_count]
        if bad:
            raise ConfigError(f"{where} networks: index {bad[0]} is out of range: the show has "
                              f"{network_count} networks (0..{network_count - 1} in [networks] "
                              f"files)")
        low, high = cfg.loudness_db_range
        if not low < high:   # checked whatever the mode: the performer may play loudness
            raise ConfigError(f"{where} loudness_db_range: expected [quiet, loud] with quiet < "
                              f"loud, got {[low, high]}")
        weights = np.asarray(cfg.shuffle_weights or [1.0] * len(networks), np.float64)
        if len(weights) != len(networks) or np.any(weights < 0) or weights.sum() <= 0:
            raise ConfigError(f"{where} shuffle_weights: expected {len(networks)} non-negative "
                              f"numbers (one per network of `networks`) not all 0, got "
                              f"{list(cfg.shuffle_weights)}")
        self.cfg = cfg
        self.networks = networks
        self.weights = weights
        self.rng = stream_rng(seed, "shuffle")
        self.smoothed_rms = 0.0
        self.events = 0                       # onsets/beats counted by shuffle
        self.shuffled = networks[0]           # shuffle's current network

    def select(self, seconds: float, features: FeatureFrame | None,
               state: ShowState) -> Selection:
        """The networks of the next frame in the mode ``state.selection`` names; ``seconds``
        of show time passed since the last one. Loudness smooths the level and shuffle counts
        events in every mode, so switching to them picks up the music at once."""
        mode = MODES[state.selection]
        by_loudness = self._by_loudness(seconds, features)
        shuffled = self._shuffle(features)
        if mode == "loudness":
            return by_loudness
        if mode == "shuffle":
            return shuffled
        if state.crossfade > 0.0 and state.crossfade_to != state.network:
            return Selection(state.network, state.crossfade_to, float(state.crossfade))
        return Selection(state.network, -1, 0.0)

    def loudness_fraction(self) -> float:
        """Where the smoothed level sits in ``loudness_db_range``, 0 (quiet) .. 1 (loud)."""
        low, high = self.cfg.loudness_db_range
        level_db = 20.0 * math.log10(max(self.smoothed_rms, SILENT_RMS))
        return min(max((level_db - low) / (high - low), 0.0), 1.0)

    def _by_loudness(self, seconds: float, features: FeatureFrame | None) -> Selection:
        rms = features.rms if features is not None else 0.0
        tau = self.cfg.loudness_smoothing_seconds
        # One-pole smoothing whose time constant holds whatever the frame spacing.
        follow = 1.0 if tau <= 0.0 else 1.0 - math.exp(-max(seconds, 0.0) / tau)
        self.smoothed_rms += (rms - self.smoothed_rms) * follow
        fraction = self.loudness_fraction()
        count = len(self.networks)
        if not self.cfg.loudness_crossfade:
            return Selection(self.networks[min(int(fraction * count), count - 1)], -1, 0.0)
        position = fraction * (count - 1)
        lower = min(int(position), count - 1)
        weight = position - lower
        if weight == 0.0:
            return Selection(self.networks[lower], -1, 0.0)
        return Selection(self.networks[lower], self.networks[lower + 1], weight)

    def _shuffle(self, features: FeatureFrame | None) -> Selection:
        if features is not None and (features.onset_event if self.cfg.shuffle_on == "onset"
                                     else features.beat_event):
            self.events += 1
            if self.events % self.cfg.shuffle_every == 0 and len(self.networks) > 1:
                # Never "shuffle" onto the network already showing: the change must be seen.
                others = [i for i, n in enumerate(self.networks) if n != self.shuffled]
                weights = self.weights[others]
                if weights.sum() > 0:
                    pick = self.rng.choice(others, p=weights / weights.sum())
                    self.shuffled = self.networks[int(pick)]
        return Selection(self.shuffled, -1, 0.0)
