"""The built-in audio loop: eight seconds of music synthesised in numpy, cached as a wav.

Four bars of 4/4 at 120 BPM in A minor (Am F C G): a kick on every beat, a snare
on two and four, off-beat hats, an eighth-note bass on the chord roots and a chord stab on
each half bar. Everything the features measure moves: onsets, low and high bands, novelty
at chord changes and a clear tempo. The synthesis is deterministic (fixed seed), and the tails
of the last bar wrap onto the first so the loop is seamless.

    path = demo_loop_path()      # generated once into the cache folder, then reused
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

SAMPLE_RATE = 48000
BPM = 120.0
BARS = 4
BEATS_PER_BAR = 4
# Bump when the synthesis changes so stale cached loops are not reused.
VERSION = 1
SEED = 20240601
# A minor, F major, C major, G major as MIDI notes (chord tones around middle C).
CHORDS = ((57, 60, 64), (53, 57, 60), (48, 52, 55), (55, 59, 62))
# Mix levels, chosen so the sum peaks just under full scale.
KICK_LEVEL, SNARE_LEVEL, HAT_LEVEL, BASS_LEVEL, CHORD_LEVEL = 0.8, 0.35, 0.12, 0.3, 0.12


def cache_dir() -> Path:
    """Where gance-live keeps generated files: ``$GANCE_LIVE_CACHE``, else
    ``$XDG_CACHE_HOME/gance-live``, else ``~/.cache/gance-live``."""
    if os.environ.get("GANCE_LIVE_CACHE"):
        return Path(os.environ["GANCE_LIVE_CACHE"]).expanduser()
    if os.environ.get("XDG_CACHE_HOME"):
        return Path(os.environ["XDG_CACHE_HOME"]).expanduser() / "gance-live"
    return Path.home() / ".cache" / "gance-live"


def midi_to_hz(note: float) -> float:
    return 440.0 * 2.0 ** ((note - 69) / 12.0)


def _decay(length: int, seconds: float) -> np.ndarray:
    return np.exp(-np.arange(length) / (seconds * SAMPLE_RATE)).astype(np.float32)


def _kick() -> np.ndarray:
    """A sine whose pitch falls from 150 to 45 Hz, with a fast decay: the classic 808-ish kick."""
    length = int(0.35 * SAMPLE_RATE)
    t = np.arange(length) / SAMPLE_RATE
    freq = 45.0 + 105.0 * np.exp(-t / 0.03)
    phase = 2 * np.pi * np.cumsum(freq) / SAMPLE_RATE
    return (np.sin(phase) * _decay(length, 0.12)).astype(np.float32)


def _snare(rng: np.random.Generator) -> np.ndarray:
    length = int(0.2 * SAMPLE_RATE)
    t = np.arange(length) / SAMPLE_RATE
    body = np.sin(2 * np.pi * 190.0 * t) * _decay(length, 0.03)
    noise = rng.standard_normal(length) * _decay(length, 0.06)
    return (0.5 * body + 0.5 * noise).astype(np.float32)


def _hat(rng: np.random.Generator) -> np.ndarray:
    """White noise through a first difference (a crude high-pass), very short."""
    length = int(0.05 * SAMPLE_RATE)
    noise = np.diff(rng.standard_normal(length + 1))
    return (noise * _decay(length, 0.012)).astype(np.float32)


def _tone(note: float, length: int, harmonics: int, decay_s: float) -> np.ndarray:
    """A sawtooth-like tone (``harmonics`` partials at 1/k) with an exponential decay."""
    t = np.arange(length) / SAMPLE_RATE
    f0 = midi_to_hz(note)
    wave = sum(np.sin(2 * np.pi * f0 * k * t) / k for k in range(1, harmonics + 1))
    attack = np.minimum(1.0, np.arange(length) / (0.004 * SAMPLE_RATE))
    return (wave * attack * _decay(length, decay_s)).astype(np.float32)


def _place(track: np.ndarray, sound: np.ndarray, start: int) -> None:
    """Add ``sound`` at ``start``, wrapping what runs past the end onto the beginning."""
    index = (start + np.arange(len(sound))) % len(track)
    np.add.at(track, index, sound)


def synthesize_loop() -> np.ndarray:
    """The loop as float32 ``[frames, 2]`` at :data:`SAMPLE_RATE` (deterministic)."""
    rng = np.random.default_rng(SEED)
    beat = int(round(60.0 / BPM * SAMPLE_RATE))
    eighth = beat // 2
    total = beat * BEATS_PER_BAR * BARS
    centre = np.zeros(total, np.float32)
    hats = np.zeros(total, np.float32)
    kick, snare, hat = _kick(), _snare(rng), _hat(rng)
    for b in range(BEATS_PER_BAR * BARS):
        _place(centre, KICK_LEVEL * kick, b * beat)
        if b % 2 == 1:
            _place(centre, SNARE_LEVEL * snare, b * beat)
        _place(hats, HAT_LEVEL * hat, b * beat + eighth)
    for bar, chord in enumerate(CHORDS[:BARS]):
        bar_start = bar * BEATS_PER_BAR * beat
        for e in range(2 * BEATS_PER_BAR):
            _place(centre, BASS_LEVEL * _tone(chord[0] - 24, eighth, 6, 0.15),
                   bar_start + e * eighth)
        for half in range(2):
            stab = sum(_tone(note, 2 * beat, 8, 0.4) for note in chord) / len(chord)
            _place(centre, CHORD_LEVEL * stab, bar_start + half * 2 * beat)
    # Hats a little to the left, everything else in the middle.
    stereo = np.stack([centre + 0.6 * hats, centre + 0.4 * hats], axis=1)
    peak = float(np.abs(stereo).max())
    return (stereo * (0.89 / peak)).astype(np.float32)


def demo_loop_path() -> Path:
    """The built-in loop's wav file, synthesised into :func:`cache_dir` on first use.

    Written to a temporary name and renamed, so processes starting together never read a
    half-written file.
    """
    import soundfile

    path = cache_dir() / f"demo_loop_v{VERSION}.wav"
    if path.is_file():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    soundfile.write(str(partial), synthesize_loop(), SAMPLE_RATE, subtype="PCM_16", format="WAV")
    os.replace(partial, path)
    return path
