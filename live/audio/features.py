"""Audio features, one frame per hop: pure numpy, no devices, no clocks.

The same :class:`FeatureExtractor` runs in the live audio process (fed the samples a device
captured or the rehearsal player played) and offline in :func:`analyze_file` (fed a file
hop by hop), so a rendered show and a rehearsal see the same numbers at the same positions.

Per hop it measures:

``rms`` / ``rms_db``
    Level of the hop's own samples (linear, and dBFS floored at ``floor_db``).
``bands``
    Energy in ``bands`` log-spaced bands from ``band_low_hz`` to ``band_high_hz``, in dB
    relative to a full-scale sine, mapped so ``floor_db`` is 0 and 0 dB is 1.
``spectrum``
    The GANce vector: windowed FFT magnitude in dB, resampled to 512 values. GANce divides by
    the loudest value of the whole file; live audio has no "whole file", so it is divided by a
    *running peak* instead, which jumps up at once and falls by 20 dB every
    ``spectrum_peak_release`` seconds. Values span ``spectrum_range_db`` below that peak,
    mapped to 0..1 (the latents module scales them into ``fft_amplitude_range``).
``onset`` / ``onset_event``
    Spectral flux (mean rise in dB per bin since the previous hop). An event fires when the
    flux exceeds ``onset_threshold`` times its median over the last half second; events
    closer than ``onset_min_interval`` merge. ``onset`` is the flux relative to its running
    peak, 0..1.
``novelty``
    Total-variation distance between this and the previous spectrum, each normalised to sum
    to one (GANterpretations): 0 = the same sound, 1 = nothing in common.
``tempo`` / ``beat_phase`` / ``beat_event``
    Autocorrelation of the last six seconds of flux picks the beat period, a comb over the same
    history places the beats; the phase then runs freely between estimates.

Smoothed values (``rms``, ``bands``, ``spectrum``, ``onset``, ``novelty``) rise with time
constant ``attack`` and fall with ``release``; events and tempo are not smoothed.

    extractor = FeatureExtractor(sample_rate=48000, hop=512, fft_size=2048)
    frame = extractor.process(block, time=time.monotonic(), position=-1.0)
    analysis = analyze_file("loop.wav")          # dict of arrays, one row per hop
    FeatureTrack(analysis).at(12.5).spectrum     # the frame heard 12.5 s into the file
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from live.contracts.features import SPECTRUM_SIZE, FeatureFrame

if TYPE_CHECKING:
    from live.audio.config import AudioConfig

# Spectral flux is measured on this many log-spaced bands from FLUX_LOW_HZ up (about five per
# octave), so a kick drum counts as much as a cymbal; on linear FFT bins the few low bins drown.
FLUX_BANDS = 48
FLUX_LOW_HZ = 30.0
# Half a second of flux history sets the adaptive onset threshold: long enough to learn the
# background, short enough to follow a song getting louder.
ONSET_HISTORY_S = 0.5
# Mean rise (dB per bin) below which nothing counts as an onset, so that faint noise in a quiet
# room does not fire events off a near-zero median.
ONSET_MIN_FLUX_DB = 2.5
# The onset strength's running peak halves (in flux) over this many seconds.
ONSET_PEAK_RELEASE_S = 4.0
# Seconds of flux the tempo estimate looks at (several bars at any usual tempo).
TEMPO_WINDOW_S = 6.0
# How often the tempo and beat grid are re-estimated; the phase runs on between estimates.
TEMPO_UPDATE_S = 0.25
# Preferred tempo for octave errors: a log-normal weight centred here, one octave wide.
TEMPO_PRIOR_BPM = 120.0
# An autocorrelation peak below this fraction of the zero-lag energy is not a beat.
TEMPO_MIN_CONFIDENCE = 0.1
# Magnitudes below this are treated as this (about -200 dB), so the log never sees zero.
_TINY = 1e-10
# Hann's equivalent noise bandwidth in bins: dividing band power by it makes a full-scale sine
# read 0 dB however many bins its main lobe spreads over.
_HANN_ENBW = 1.5


def hann_window(size: int) -> np.ndarray:
    """The periodic Hann window (the one that overlap-adds to a constant)."""
    n = np.arange(size)
    return (0.5 - 0.5 * np.cos(2.0 * np.pi * n / size)).astype(np.float32)


def band_edges(count: int, low_hz: float, high_hz: float) -> np.ndarray:
    """``count + 1`` log-spaced band edges in Hz from ``low_hz`` to ``high_hz``."""
    return np.geomspace(low_hz, high_hz, count + 1)


def band_matrix(count: int, low_hz: float, high_hz: float, sample_rate: int,
                fft_size: int) -> np.ndarray:
    """``[bins, count]`` matrix summing FFT-bin powers into log-spaced bands.

    ``high_hz`` is capped at Nyquist. A band too narrow to contain a bin centre takes the
    nearest bin, so no band is ever constantly empty.
    """
    bins = fft_size // 2 + 1
    freqs = np.arange(bins) * sample_rate / fft_size
    edges = band_edges(count, low_hz, min(high_hz, sample_rate / 2))
    matrix = np.zeros((bins, count), np.float32)
    for band in range(count):
        inside = (freqs >= edges[band]) & (freqs < edges[band + 1])
        if band == count - 1:
            inside |= freqs == edges[-1]
        if not inside.any():
            centre = math.sqrt(edges[band] * edges[band + 1])
            inside[int(np.argmin(np.abs(freqs - centre)))] = True
        matrix[inside, band] = 1.0
    return matrix


def resample_indices(source_size: int, target_size: int) -> tuple[np.ndarray, np.ndarray,
                                                                     np.ndarray]:
    """Linear-interpolation plan from ``source_size`` points onto ``target_size`` points.

    Returns ``(left, right, weight)`` so that ``x[left] * (1 - weight) + x[right] * weight`` is
    ``x`` resampled; both ends map onto both ends.
    """
    where = np.linspace(0.0, source_size - 1, target_size)
    left = np.floor(where).astype(np.intp)
    right = np.minimum(left + 1, source_size - 1)
    return left, right, (where - left).astype(np.float32)


def smoothing_coefficient(seconds: float, hop_seconds: float) -> float:
    """Per-hop weight of the new value in a one-pole smoother with time constant ``seconds``.

    Zero seconds means no smoothing (weight 1).
    """
    if seconds <= 0.0:
        return 1.0
    return 1.0 - math.exp(-hop_seconds / seconds)


def total_variation(p: np.ndarray, q: np.ndarray) -> float:
    """Total-variation distance between two non-negative vectors, each normalised to sum 1.

    An all-zero vector counts as "no sound": distance 0 to another silence, 0.5 to any sound
    (half of it is new), so silence never produces NaN.
    """
    p_sum, q_sum = float(p.sum()), float(q.sum())
    p_norm = p / p_sum if p_sum > 0 else p
    q_norm = q / q_sum if q_sum > 0 else q
    return 0.5 * float(np.abs(p_norm - q_norm).sum())


def estimate_tempo(envelope: np.ndarray, hops_per_second: float, min_bpm: float,
                   max_bpm: float) -> tuple[float, float]:
    """Beat period in hops and a 0..1 confidence from an onset-strength envelope.

    Autocorrelates the mean-removed envelope, weights the lags for ``min_bpm``..``max_bpm``
    toward :data:`TEMPO_PRIOR_BPM` (so a 120 BPM song is not called 60 or 240), and refines
    the winning lag with a parabola through its neighbours. Returns ``(0.0, 0.0)`` when the
    envelope holds no periodicity.
    """
    centred = envelope - envelope.mean()
    energy = float(np.dot(centred, centred))
    if energy <= 0.0:
        return 0.0, 0.0
    size = len(centred)
    spectrum = np.fft.rfft(centred, 2 * size)
    autocorr = np.fft.irfft(spectrum * np.conj(spectrum))[:size] / energy
    shortest = max(1, int(math.floor(hops_per_second * 60.0 / max_bpm)))
    longest = min(size - 2, int(math.ceil(hops_per_second * 60.0 / min_bpm)))
    if longest <= shortest:
        return 0.0, 0.0
    lags = np.arange(shortest, longest + 1)
    bpm = 60.0 * hops_per_second / lags
    prior = np.exp(-0.5 * np.log2(bpm / TEMPO_PRIOR_BPM) ** 2)
    best = int(lags[np.argmax(autocorr[lags] * prior)])
    confidence = float(autocorr[best])
    if confidence < TEMPO_MIN_CONFIDENCE:
        return 0.0, confidence
    before, at, after = autocorr[best - 1], autocorr[best], autocorr[best + 1]
    curvature = before - 2.0 * at + after
    shift = 0.5 * (before - after) / curvature if curvature < 0 else 0.0
    return best + float(np.clip(shift, -0.5, 0.5)), confidence


def beat_offset(envelope: np.ndarray, period: float) -> int:
    """Hops since the most recent beat: the offset whose comb of beats, one ``period`` apart
    going back through ``envelope`` (oldest first), collects the most onset strength."""
    size = len(envelope)
    offsets = np.arange(int(math.ceil(period)))
    beats_back = np.arange(int(size // period))
    # position of beat k for offset o, counted back from the newest hop
    back = np.rint(offsets[:, None] + beats_back[None, :] * period).astype(np.intp)
    valid = back < size
    values = np.where(valid, envelope[size - 1 - np.minimum(back, size - 1)], 0.0)
    return int(offsets[np.argmax(values.sum(axis=1))])


def extractor_options(cfg: AudioConfig) -> dict[str, float | int | bool]:
    """The :class:`FeatureExtractor` keywords that ``[audio]`` sets."""
    return dict(bands=cfg.bands, band_low_hz=cfg.band_low_hz, band_high_hz=cfg.band_high_hz,
                floor_db=cfg.floor_db, spectrum_range_db=cfg.spectrum_range_db,
                spectrum_peak_release=cfg.spectrum_peak_release, attack=cfg.attack,
                release=cfg.release, onset_threshold=cfg.onset_threshold,
                onset_min_interval=cfg.onset_min_interval, tempo=cfg.tempo,
                tempo_min_bpm=cfg.tempo_min_bpm, tempo_max_bpm=cfg.tempo_max_bpm)


class FeatureExtractor:
    """Streaming feature extraction: feed it consecutive hops, get one FeatureFrame each.

    Parameters mirror ``[audio]`` (see :meth:`from_config`); ``sample_rate``, ``hop`` and
    ``fft_size`` are in samples. The extractor keeps the last ``fft_size`` samples and the
    running state (smoothers, running peaks, flux history, beat grid), so frames depend on
    everything fed since construction or :meth:`reset`, never on the wall clock.
    """

    def __init__(self, sample_rate: int, hop: int, fft_size: int, *, bands: int = 8,
                 band_low_hz: float = 40.0, band_high_hz: float = 16000.0,
                 floor_db: float = -80.0, spectrum_range_db: float = 80.0,
                 spectrum_peak_release: float = 10.0, attack: float = 0.005,
                 release: float = 0.12, onset_threshold: float = 1.5,
                 onset_min_interval: float = 0.06, tempo: bool = True,
                 tempo_min_bpm: float = 60.0, tempo_max_bpm: float = 200.0) -> None:
        if fft_size < hop:
            raise ValueError(f"fft_size ({fft_size}) must be at least hop ({hop})")
        self.sample_rate, self.hop, self.fft_size = sample_rate, hop, fft_size
        self.band_count = bands
        self.floor_db = floor_db
        self.spectrum_range_db = spectrum_range_db
        self.onset_threshold = onset_threshold
        self.tempo_enabled = tempo
        self.tempo_min_bpm, self.tempo_max_bpm = tempo_min_bpm, tempo_max_bpm

        hop_seconds = hop / sample_rate
        self.hops_per_second = 1.0 / hop_seconds
        window = hann_window(fft_size)
        # Scale so a full-scale sine on a bin centre reads magnitude 1.
        self._window = window * np.float32(2.0 / window.sum())
        # One matrix product gives the output bands and the flux bands together.
        self._bands = np.concatenate(
            [band_matrix(bands, band_low_hz, band_high_hz, sample_rate, fft_size),
             band_matrix(FLUX_BANDS, FLUX_LOW_HZ, band_high_hz, sample_rate, fft_size)], axis=1)
        self._resample = resample_indices(fft_size // 2 + 1, SPECTRUM_SIZE)
        self._attack = smoothing_coefficient(attack, hop_seconds)
        self._release = smoothing_coefficient(release, hop_seconds)
        self._peak_fall_db = 20.0 * hop_seconds / spectrum_peak_release
        self._onset_peak_fall = 0.5 ** (hop_seconds / ONSET_PEAK_RELEASE_S)
        self._onset_gap_hops = int(round(onset_min_interval * self.hops_per_second))
        self._onset_history_hops = max(3, int(round(ONSET_HISTORY_S * self.hops_per_second)))
        self._tempo_hops = max(16, int(round(TEMPO_WINDOW_S * self.hops_per_second)))
        self._tempo_every = max(1, int(round(TEMPO_UPDATE_S * self.hops_per_second)))
        self.reset()

    @classmethod
    def from_config(cls, cfg: AudioConfig, sample_rate: int) -> FeatureExtractor:
        """An extractor with every analysis setting of ``[audio]`` at ``sample_rate``."""
        return cls(sample_rate, cfg.hop, cfg.fft_size, **extractor_options(cfg))

    def reset(self) -> None:
        """Forget all history, as if just constructed."""
        self._samples = np.zeros(self.fft_size, np.float32)
        self._flux_db = np.full(FLUX_BANDS, self.floor_db, np.float32)
        self._spectrum_peak_db = self.floor_db
        self._previous_spectrum = np.zeros(SPECTRUM_SIZE, np.float32)
        self._flux_history = np.zeros(self._onset_history_hops, np.float32)
        self._flux_peak = 0.0
        self._envelope = np.zeros(self._tempo_hops, np.float32)
        self._hops = 0
        self._last_onset = -(10 ** 9)
        self._smooth_rms = 0.0
        self._smooth_bands = np.zeros(self.band_count, np.float32)
        self._smooth_spectrum = np.zeros(SPECTRUM_SIZE, np.float32)
        self._smooth_onset = 0.0
        self._smooth_novelty = 0.0
        self._beat_period = 0.0   # hops; 0 = tempo unknown
        self._last_beat = 0.0     # hop index (fractional) of the latest beat on the grid
        self._last_beat_event = -(10 ** 9)

    def process(self, block: np.ndarray, time: float, position: float = -1.0) -> FeatureFrame:
        """Features of the next ``hop`` samples (mono float32, full scale = 1.0).

        ``time`` and ``position`` are copied into the frame: the monotonic time of the block's
        last sample, and seconds into the file being played (-1 for live input).
        """
        if block.shape != (self.hop,):
            raise ValueError(f"expected a mono block of {self.hop} samples, got shape "
                             f"{block.shape}")
        hop = self.hop
        samples = self._samples
        samples[:-hop] = samples[hop:]
        samples[-hop:] = block

        rms = math.sqrt(float(np.dot(block, block)) / hop)
        magnitude = np.abs(np.fft.rfft(samples * self._window))
        power = magnitude * magnitude

        band_db = np.maximum(10.0 * np.log10(power @ self._bands / _HANN_ENBW + _TINY),
                             self.floor_db)
        bands = (1.0 - band_db[:self.band_count] / self.floor_db).astype(np.float32)
        flux_db = band_db[self.band_count:]

        left, right, weight = self._resample
        resampled = magnitude[left] * (1.0 - weight) + magnitude[right] * weight
        level_db = np.maximum(20.0 * np.log10(resampled + _TINY), self.floor_db)
        spectrum = self._normalise_spectrum(level_db)

        flux = float(np.maximum(flux_db - self._flux_db, 0.0).mean())
        self._flux_db = flux_db
        onset_event = self._detect_onset(flux)
        self._flux_peak = max(flux, self._flux_peak * self._onset_peak_fall)
        onset = flux / self._flux_peak if self._flux_peak > 0 else 0.0

        novelty = total_variation(spectrum, self._previous_spectrum)
        self._previous_spectrum = spectrum

        tempo, beat_phase, beat_event = self._track_beats(flux)
        self._hops += 1

        self._smooth_rms = self._smooth(self._smooth_rms, rms)
        self._smooth_onset = self._smooth(self._smooth_onset, onset)
        self._smooth_novelty = self._smooth(self._smooth_novelty, novelty)
        self._smooth_bands = self._smooth_vector(self._smooth_bands, bands)
        self._smooth_spectrum = self._smooth_vector(self._smooth_spectrum, spectrum)
        rms_db = max(20.0 * math.log10(self._smooth_rms + _TINY), self.floor_db)
        return FeatureFrame(
            time=time, position=position, rms=self._smooth_rms, rms_db=rms_db,
            bands=self._smooth_bands.copy(), spectrum=self._smooth_spectrum.copy(),
            onset=self._smooth_onset, onset_event=onset_event, novelty=self._smooth_novelty,
            tempo=tempo, beat_phase=beat_phase, beat_event=beat_event)

    def _normalise_spectrum(self, level_db: np.ndarray) -> np.ndarray:
        """GANce's vector with a causal running peak instead of the whole file's maximum."""
        loudest = float(level_db.max())
        self._spectrum_peak_db = max(loudest, self._spectrum_peak_db - self._peak_fall_db,
                                     self.floor_db)
        bottom = max(self._spectrum_peak_db - self.spectrum_range_db, self.floor_db)
        span = self._spectrum_peak_db - bottom
        if span <= 0.0:
            return np.zeros(SPECTRUM_SIZE, np.float32)
        return np.clip((level_db - bottom) / span, 0.0, 1.0).astype(np.float32)

    def _detect_onset(self, flux: float) -> bool:
        """Adaptive threshold on flux against its recent median, with a refractory gap."""
        history = self._flux_history
        threshold = max(self.onset_threshold * float(np.median(history)), ONSET_MIN_FLUX_DB)
        history[self._hops % len(history)] = flux
        if flux > threshold and self._hops - self._last_onset > self._onset_gap_hops:
            self._last_onset = self._hops
            return True
        return False

    def _track_beats(self, flux: float) -> tuple[float, float, bool]:
        """Tempo (BPM), phase through the beat and whether a beat falls in this hop."""
        if not self.tempo_enabled:
            return 0.0, 0.0, False
        envelope = self._envelope
        envelope[:-1] = envelope[1:]
        envelope[-1] = flux
        now = self._hops
        if now % self._tempo_every == 0 and now >= self._tempo_hops // 2:
            period, _ = estimate_tempo(envelope, self.hops_per_second, self.tempo_min_bpm,
                                       self.tempo_max_bpm)
            self._beat_period = period
            if period > 0:
                self._last_beat = now - beat_offset(envelope, period)
        period = self._beat_period
        if period <= 0:
            return 0.0, 0.0, False
        beats_since = (now - self._last_beat) / period
        phase = beats_since - math.floor(beats_since)
        # A beat lands in this hop when the phase wrapped since the previous hop; a regrid
        # may move the phase, so never fire twice within half a period.
        wrapped = phase < 1.0 / period
        beat_event = wrapped and now - self._last_beat_event >= period / 2
        if beat_event:
            self._last_beat_event = now
        return 60.0 * self.hops_per_second / period, phase, beat_event

    def _smooth(self, current: float, target: float) -> float:
        rate = self._attack if target > current else self._release
        return current + (target - current) * rate

    def _smooth_vector(self, current: np.ndarray, target: np.ndarray) -> np.ndarray:
        rate = np.where(target > current, self._attack, self._release).astype(np.float32)
        return current + (target - current) * rate


def mono(samples: np.ndarray, channel: int = 0) -> np.ndarray:
    """One float32 channel from ``[frames]`` or ``[frames, channels]`` audio.

    ``channel`` counts from 1; 0 mixes all channels (their mean, so a mono signal copied to
    both sides keeps its level).
    """
    if samples.ndim == 1:
        return samples.astype(np.float32, copy=False)
    if channel:
        return np.ascontiguousarray(samples[:, channel - 1], dtype=np.float32)
    return samples.mean(axis=1, dtype=np.float32)


def hops(signal: np.ndarray, hop: int) -> Iterator[np.ndarray]:
    """Consecutive hops of a mono signal; the last one is zero-padded to full length."""
    for start in range(0, len(signal), hop):
        block = signal[start:start + hop]
        if len(block) < hop:
            block = np.concatenate([block, np.zeros(hop - len(block), np.float32)])
        yield block


def analyze_signal(signal: np.ndarray, sample_rate: int, hop: int = 512, fft_size: int = 2048,
                   **options: float | int | bool) -> dict[str, np.ndarray]:
    """Run a fresh :class:`FeatureExtractor` over a mono signal; see :func:`analyze_file`."""
    extractor = FeatureExtractor(sample_rate, hop, fft_size, **options)
    frames = [extractor.process(block, time=(i + 1) * hop / sample_rate,
                                position=(i + 1) * hop / sample_rate)
              for i, block in enumerate(hops(signal, hop))]
    return frames_to_arrays(frames, extractor.band_count)


def frames_to_arrays(frames: list[FeatureFrame], band_count: int) -> dict[str, np.ndarray]:
    """Stack frames into the arrays :func:`analyze_file` returns (one row per frame)."""
    def column(name: str, dtype: type) -> np.ndarray:
        return np.array([getattr(f, name) for f in frames], dtype)

    return {
        "times": column("time", np.float64),
        "rms": column("rms", np.float32),
        "rms_db": column("rms_db", np.float32),
        "bands": (np.stack([f.bands for f in frames]) if frames
                  else np.zeros((0, band_count), np.float32)),
        "spectrum": (np.stack([f.spectrum for f in frames]) if frames
                     else np.zeros((0, SPECTRUM_SIZE), np.float32)),
        "onset": column("onset", np.float32),
        "onset_event": column("onset_event", bool),
        "novelty": column("novelty", np.float32),
        "tempo": column("tempo", np.float32),
        "beat_phase": column("beat_phase", np.float32),
        "beats": column("beat_event", bool),
    }


def analyze_file(path: str | Path, hop: int = 512, fft_size: int = 2048, channel: int = 0,
                 **options: float | int | bool) -> dict[str, np.ndarray]:
    """Features of a whole audio file (wav, flac, ogg), one row per hop.

    Keys: ``times`` (seconds into the file of each hop's last sample), ``rms``, ``rms_db``,
    ``bands`` ``[hops, bands]``, ``spectrum`` ``[hops, 512]``, ``onset``, ``onset_event``,
    ``novelty``, and, unless ``tempo=False``, ``tempo``, ``beat_phase`` and ``beats`` (bool,
    a beat in this hop). ``options`` are :class:`FeatureExtractor` keywords. The file is
    mixed to mono (or ``channel``, from 1) and analysed at its own sample rate, exactly as the
    rehearsal player analyses it, so the two agree at the same positions.

    Raises :class:`~live.audio.errors.AudioInputError` naming the file when it cannot be read.
    """
    from live.audio.files import read_audio

    samples, sample_rate = read_audio(path)
    analysis = analyze_signal(mono(samples, channel), sample_rate, hop, fft_size, **options)
    if options.get("tempo", True) is False:
        for key in ("tempo", "beat_phase", "beats"):
            del analysis[key]
    return analysis


class FeatureTrack:
    """An analysis played back by time: what the live ring would have held at that moment.

    Built from :func:`analyze_file`'s dict. :meth:`at` is deterministic, so an offline render
    drives the conductor with the same frames a rehearsal of the same file shows.

    ``loop``: times past the end wrap around (for a show that loops its audio); otherwise they
    give silence.
    """

    def __init__(self, analysis: dict[str, np.ndarray], loop: bool = False) -> None:
        self.analysis = analysis
        self.loop = loop
        times = analysis["times"]
        self.hop_seconds = float(times[0]) if len(times) else 0.0
        self.duration = float(times[-1]) if len(times) else 0.0

    @classmethod
    def from_file(cls, path: str | Path, cfg: AudioConfig | None = None,
                  loop: bool = False) -> FeatureTrack:
        """Analyse ``path`` with the settings of ``cfg`` (defaults when None)."""
        if cfg is None:
            return cls(analyze_file(path), loop=loop)
        return cls(analyze_file(path, cfg.hop, cfg.fft_size, cfg.channel,
                                **extractor_options(cfg)), loop=loop)

    def __len__(self) -> int:
        return len(self.analysis["times"])

    def at(self, seconds: float) -> FeatureFrame:
        """The frame of the latest hop that ended at or before ``seconds`` into the audio.

        ``time`` and ``position`` of the result are ``seconds`` itself and the hop's end.
        Before the first hop ends (or past the end without ``loop``) it is silence.
        """
        if not len(self) or self.hop_seconds <= 0:
            return FeatureFrame.silence(seconds)
        where = seconds % self.duration if self.loop and seconds >= 0 else seconds
        index = int(math.floor(where / self.hop_seconds + 1e-9)) - 1
        if index < 0 or index >= len(self):
            return FeatureFrame.silence(seconds)
        a = self.analysis
        tempo = "tempo" in a
        return FeatureFrame(
            time=seconds, position=float(a["times"][index]), rms=float(a["rms"][index]),
            rms_db=float(a["rms_db"][index]), bands=a["bands"][index].copy(),
            spectrum=a["spectrum"][index].copy(), onset=float(a["onset"][index]),
            onset_event=bool(a["onset_event"][index]), novelty=float(a["novelty"][index]),
            tempo=float(a["tempo"][index]) if tempo else 0.0,
            beat_phase=float(a["beat_phase"][index]) if tempo else 0.0,
            beat_event=bool(a["beats"][index]) if tempo else False)
