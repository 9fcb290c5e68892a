"""The audio features of one hop: what the audio process publishes and the conductor reads."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

SPECTRUM_SIZE = 512  # the GANce spectrum vector matches StyleGAN's w_dim


@dataclass
class FeatureFrame:
    """Features of the hop that ended at monotonic time ``time``.

    ``spectrum`` is the GANce vector normalised to 0..1 (the blend scales it into
    ``fft_amplitude_range``); ``bands`` are log-spaced band energies, also 0..1.
    """

    time: float = 0.0                 # monotonic time of the last sample analysed
    position: float = -1.0            # seconds into the file being played; -1 for live input
    rms: float = 0.0                  # linear RMS of the hop, 0..1 for full-scale audio
    rms_db: float = -120.0            # the same in dBFS
    bands: np.ndarray = field(default_factory=lambda: np.zeros(8, np.float32))
    spectrum: np.ndarray = field(default_factory=lambda: np.zeros(SPECTRUM_SIZE, np.float32))
    onset: float = 0.0                # spectral-flux onset strength (smoothed)
    onset_event: bool = False         # an onset was detected in this hop
    novelty: float = 0.0              # total-variation distance to the previous spectrum, 0..1
    tempo: float = 0.0                # beats per minute, 0 while unknown
    beat_phase: float = 0.0           # 0..1 through the current beat
    beat_event: bool = False          # a beat fell in this hop
    overruns: int = 0                 # input blocks lost so far (device overflow or a late reader)
    published: float = 0.0            # monotonic time the frame reached shared memory (0 = never)

    @classmethod
    def silence(cls, time: float = 0.0) -> FeatureFrame:
        return cls(time=time)


def with_events_since(hops: list[FeatureFrame], since: float) -> FeatureFrame | None:
    """The newest of ``hops`` (oldest first), its onset and beat events set when any hop
    after time ``since`` had one: frames come slower than hops, and an onset in a hop
    between two frames belongs to the next frame, not to nobody. None for no hops."""
    if not hops:
        return None
    fresh = [hop for hop in hops if hop.time > since]
    return replace(hops[-1], onset_event=any(hop.onset_event for hop in fresh),
                   beat_event=any(hop.beat_event for hop in fresh))
