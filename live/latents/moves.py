"""The performer's moves on a W+, each a small pure step of :class:`Instrument.frame`.

- :func:`push_along`: the semantic direction knobs (and the onset punch) add directions
  (``directions.py``, already in units of W's standard deviation) to every row.
- :func:`style_mix`: rows from a crossover row on are drawn toward a second source.
- :class:`OnsetEnvelope`: an onset starts an envelope at 1 that decays exponentially.
- :class:`BeatCounter`: whole beats crossed, counted into moves every N beats.
"""

from __future__ import annotations

import math

import numpy as np


def push_along(ws: np.ndarray, directions: np.ndarray, amounts: np.ndarray) -> np.ndarray:
    """``ws`` [rows, 512] plus ``amounts`` [k] times ``directions`` [k, 512] on every row;
    ``ws`` itself when every amount is 0."""
    assert directions.shape == (len(amounts), ws.shape[-1]), (directions.shape, len(amounts))
    if not np.any(amounts):
        return ws
    return (ws + np.asarray(amounts, np.float32) @ directions).astype(np.float32, copy=False)


def style_mix(ws: np.ndarray, source: np.ndarray, amount: float, first_row: int) -> np.ndarray:
    """StyleGAN's style mixing, faded: rows ``first_row`` on move ``amount`` (0..1) of the way
    from ``ws`` to ``source`` (both [num_ws, 512]); earlier rows stay. ``ws`` itself when
    nothing is mixed."""
    assert ws.shape == source.shape, (ws.shape, source.shape)
    if amount <= 0.0 or first_row >= len(ws):
        return ws
    mixed = ws.copy()
    mixed[first_row:] += (source[first_row:] - ws[first_row:]) * np.float32(amount)
    return mixed


class OnsetEnvelope:
    """1 at an onset, decaying by e every ``decay`` seconds after it; 0 before any onset."""

    def __init__(self) -> None:
        self.level = 0.0

    def step(self, onset: bool, seconds: float, decay: float) -> float:
        """The level for a frame ``seconds`` after the previous one (onset: back to 1)."""
        self.level = 1.0 if onset else self.level * math.exp(-seconds / decay)
        return self.level


class BeatCounter:
    """Counts whole beats into moves: one move every ``every`` beats (0 = never; the count
    starts again when ``every`` changes, so a new setting counts from the next beat)."""

    def __init__(self) -> None:
        self.every = 0
        self.beats = 0     # beats counted toward the next move

    def moves(self, beats_crossed: int, every: int) -> int:
        """How many moves fall in the next ``beats_crossed`` beats."""
        if every != self.every:
            self.every, self.beats = every, 0
        if every <= 0:
            return 0
        self.beats += beats_crossed
        moves, self.beats = divmod(self.beats, every)
        return moves
