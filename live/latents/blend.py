"""GANce's audio blend and StyleGAN's truncation, applied to a W+ every frame.

GANce's music video trick: the spectrum of the music, as a 512-vector scaled into
``fft_amplitude_range``, is mixed into the first ``blend_depth`` rows of the W+ the picture
comes from::

    W+[:blend_depth] = W+[:blend_depth] * (1 - alpha) + spectrum * alpha

Rows from ``blend_depth`` on keep the journey's latent, so the coarse rows (pose, layout) can
dance while the fine rows (texture, colour) stay put, or the other way round. ``alpha`` is the
performer's gain through a response curve. Before the blend, the performer's band gains weigh
the spectrum's low, mid and high bands (``BAND_EDGES``).
"""

from __future__ import annotations

import numpy as np

from live.contracts.features import SPECTRUM_SIZE

# The bound on every W value a show plays (latents read from files, the spectrum range blended
# in). Trained W values are O(1)-O(10); far beyond that a projection has diverged or a file is
# damaged, and the network draws a black or blown-out frame.
W_LIMIT = 100.0

# The spectrum's three bands for the band gains, in cells of the 512-vector (linear in frequency
# from 0 to Nyquist), log-spaced: the mid band reaches 8x the low band's top, the high band the
# rest (4x). At 48 kHz: low below 750 Hz (bass, fundamentals), mid 750 Hz - 6 kHz, high above.
BAND_EDGES = (0, 16, 128, SPECTRUM_SIZE)


def first_out_of_range(latents: np.ndarray) -> tuple[int, str] | None:
    """The first latent (along axis 0) holding NaN, inf or a value beyond +-``W_LIMIT``, with
    what is wrong ("holds 3e+38, outside the bound |w| <= 100 ..."); None when all are fine."""
    fine = np.isfinite(latents) & (np.abs(latents) <= W_LIMIT)
    if fine.all():
        return None
    first = int(np.flatnonzero(~fine.reshape(len(latents), -1).all(axis=1))[0])
    value = latents[first][~fine[first]].flat[0]
    return first, (f"holds {'NaN' if np.isnan(value) else f'{value:g}'}, outside the bound "
                   f"|w| <= {W_LIMIT:g} of W latents (typical values are within +-10)")


def gain_to_alpha(gain: float, curve: float) -> float:
    """The blend alpha for a gain (0..1): ``gain ** curve``; a curve above 1 gives finer control
    near zero, where small alphas already move the picture a lot."""
    return min(max(float(gain), 0.0), 1.0) ** curve


def band_weights(low: float, mid: float, high: float) -> np.ndarray:
    """The per-cell weights [512] of the performer's band gains (``BAND_EDGES``)."""
    return np.repeat(np.array([low, mid, high], np.float32), np.diff(BAND_EDGES))


def spectrum_vector(spectrum: np.ndarray, amplitude_range: tuple[float, float] | list[float],
                    roll: int, weights: np.ndarray | None = None) -> np.ndarray:
    """The 0..1 spectrum, each cell times its band's gain (``weights``, from
    :func:`band_weights`; None = all 1), scaled into ``[low, high]`` and rolled ``roll`` cells
    along the vector. A band at gain 0 sits at ``low`` as in silence; at 2 it swings twice as
    far as the music alone would take it."""
    assert spectrum.shape == (SPECTRUM_SIZE,), spectrum.shape
    low, high = amplitude_range
    energy = spectrum.astype(np.float32) if weights is None else spectrum * weights
    vector = (low + energy * np.float32(high - low)).astype(np.float32)
    return np.roll(vector, roll) if roll % SPECTRUM_SIZE else vector


def blend_spectrum(ws: np.ndarray, vector: np.ndarray, alpha: float, depth: int) -> np.ndarray:
    """GANce's blend (module docstring) on a copy of ``ws`` [num_ws, 512]; depth is clipped to
    the rows there are."""
    assert ws.ndim == 2 and vector.shape == (ws.shape[1],), (ws.shape, vector.shape)
    out = ws.copy()
    rows = min(depth, ws.shape[0])
    if rows and alpha:
        blended = out[:rows]
        blended *= np.float32(1.0 - alpha)
        blended += vector * np.float32(alpha)
    return out


def truncate(ws: np.ndarray, w_avg: np.ndarray, psi: float) -> np.ndarray:
    """StyleGAN's truncation: ``w_avg + psi * (ws - w_avg)``. psi < 1 pulls toward the average
    face/scene (safer, blander), psi > 1 pushes away (wilder); psi = 1 returns ``ws`` itself."""
    assert ws.shape[-1] == w_avg.shape[-1], (ws.shape, w_avg.shape)
    if psi == 1.0:
        return ws
    return (w_avg + np.float32(psi) * (ws - w_avg)).astype(np.float32, copy=False)
