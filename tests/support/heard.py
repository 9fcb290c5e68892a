"""Where a recording's muxed audio comes from: each stretch of it found in the audio program
by cross-correlation (the program must not repeat itself: add noise to tones)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
from scipy.signal import fftconvolve


def decoded_audio(path: Path, rate: int) -> np.ndarray:
    """A media file's first audio stream, decoded by ffmpeg to mono float32 at ``rate``."""
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), "-map", "0:a:0", "-ac", "1",
                          "-ar", str(rate), "-f", "f32le", "-"],
                         capture_output=True, check=True, timeout=120).stdout
    return np.frombuffer(raw, np.float32)


def positions_heard(recorded: np.ndarray, program: np.ndarray, rate: int,
                    window_s: float = 0.2, step_s: float = 0.1,
                    least_match: float = 0.8) -> list[tuple[float, float]]:
    """``(seconds into the recording, seconds into the program)`` for windows of
    ``window_s`` every ``step_s``: where in ``program`` each window matches best (normalised
    correlation at least ``least_match``; windows that match nowhere, such as one across a
    jump, are left out)."""
    window, step = round(window_s * rate), round(step_s * rate)
    energy = np.concatenate([[0.0], np.cumsum(program.astype(np.float64) ** 2)])
    local = np.sqrt(energy[window:] - energy[:-window])   # each program stretch's norm
    found = []
    for start in range(0, len(recorded) - window + 1, step):
        piece = recorded[start:start + window].astype(np.float64)
        correlation = fftconvolve(program, piece[::-1], mode="valid")
        score = correlation / (np.linalg.norm(piece) * local + 1e-12)
        best = int(np.argmax(score))
        if score[best] >= least_match:
            found.append((start / rate, best / rate))
    return found


def courses(heard: list[tuple[float, float]], tolerance_s: float) -> list[list[tuple[float, float]]]:
    """``heard`` cut wherever the program position stops moving on with the recording (a
    jump): runs of windows whose position minus recording time stays within ``tolerance_s``."""
    runs: list[list[tuple[float, float]]] = []
    for at, position in heard:
        if runs and abs((position - at) - (runs[-1][-1][1] - runs[-1][-1][0])) <= tolerance_s:
            runs[-1].append((at, position))
        else:
            runs.append([(at, position)])
    return runs
