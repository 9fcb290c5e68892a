"""``[latents]``: what the performer plays: the latent source and the audio blend."""

from __future__ import annotations

from dataclasses import dataclass

from live.schema import param


@dataclass
class LatentsConfig:
    source: str = param("noise_loop", "where the W+ path comes from", choices=("noise_loop",))
    stops: int = param(8, "noise loop: seeded W stops visited before the loop closes",
                       range=(2, 1024))
    seconds_per_stop: float = param(4.0, "noise loop: seconds from one stop to the next",
                                    range=(0.05, 600.0))
    gain: float = param(0.5, "audio blend amount (alpha) at start; MIDI moves it",
                        range=(0.0, 1.0))
    blend_depth: int = param(18, "how many W+ rows (from the first) the spectrum blends into",
                             range=(0, 64))
    fft_amplitude_range: list[float] = param([-4.0, 4.0], "spectrum vector scaled into this "
                                             "[low, high] range before blending", length=2)
