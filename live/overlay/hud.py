"""The heads-up display: what the performer needs to trust the show, as an RGBA text image.

:class:`HudStats` collects the compositor's figures (display and synth frame rates, drops,
the audio-to-screen latency of the frame on screen, its network and blend alpha, which is gain ** gain_curve,
and the median budget of the recent frames, stage by stage: see ``contracts.frames.BUDGET_STAGES``);
the conductor sends the rest (show state, GPU telemetry, the thermal guard, the cooler).
:func:`render_text` draws lines of text with OpenCV's built-in vector font (no font files to
ship) onto a translucent panel; a line made by :func:`warning` is drawn in amber.
"""

from __future__ import annotations

import collections

import cv2
import numpy as np

RATE_WINDOW_SECONDS = 2.0
BUDGET_FRAMES = 120          # the HUD's budget line is the median of this many recent frames
FONT = cv2.FONT_HERSHEY_SIMPLEX
PANEL_RGBA = (0, 0, 0, 160)
TEXT_RGBA = (255, 255, 255, 255)
WARNING_RGBA = (255, 176, 0, 255)
WARNING_MARK = "\x07"   # leads a line that needs the performer's eye (never drawn)


def warning(text: str) -> str:
    """A HUD line drawn in the warning colour."""
    return WARNING_MARK + text


class RateMeter:
    """Events per second over the last few seconds (display frames, finished syntheses)."""

    def __init__(self, window: float = RATE_WINDOW_SECONDS) -> None:
        self.window = window
        self._times: collections.deque[float] = collections.deque()

    def tick(self, now: float) -> None:
        self._times.append(now)
        self._forget(now)

    def rate(self, now: float) -> float:
        self._forget(now)
        if len(self._times) < 2:
            return 0.0
        return (len(self._times) - 1) / max(now - self._times[0], 1e-6)

    def _forget(self, now: float) -> None:
        while self._times and self._times[0] < now - self.window:
            self._times.popleft()


class HudStats:
    """The compositor's own figures for the HUD, updated as frames arrive and are shown."""

    def __init__(self) -> None:
        self.display = RateMeter()
        self.synth = RateMeter()
        self.dropped = 0
        self.latency: float | None = None   # seconds from the audio behind a frame to its display
        self.network = -1
        self.alpha = 0.0   # the frame's spectrum blend weight: gain ** [latents] gain_curve
        self.budgets: collections.deque[dict[str, float]] = collections.deque(
            maxlen=BUDGET_FRAMES)

    def frame_budget(self, budget: dict[str, float]) -> None:
        """A frame reached the screen: its seconds per stage (``contracts.frames.frame_budget``)."""
        self.budgets.append(budget)
        self.latency = budget["total"]

    def budget_line(self) -> str:
        """Median milliseconds per stage of the recent frames, e.g.
        ``budget ms: features 1 bind 2 queue 0 synth 16 upload 6 swap 1 = 26``."""
        if not self.budgets:
            return "budget ms: --"
        stages = [stage for stage in self.budgets[-1] if stage != "total"]
        medians = {stage: 1000 * float(np.median([b[stage] for b in self.budgets]))
                   for stage in [*stages, "total"]}
        parts = " ".join(f"{stage} {medians[stage]:.0f}" for stage in stages)
        return f"budget ms: {parts} = {medians['total']:.0f}"

    def lines(self, now: float) -> list[str]:
        latency = "--" if self.latency is None else f"{self.latency * 1000:.0f} ms"
        return [f"display {self.display.rate(now):5.1f} fps   synth {self.synth.rate(now):5.1f} fps",
                f"dropped {self.dropped}   audio->screen {latency}",
                f"on screen: network {self.network + 1}   alpha {self.alpha:.2f}",
                self.budget_line()]


def render_text(lines: list[str], scale: float = 0.6, margin: int = 8) -> np.ndarray:
    """Lines of text on a translucent dark panel, as a ``[h, w, 4]`` uint8 straight-alpha image;
    lines made by :func:`warning` in amber."""
    colours = [WARNING_RGBA if line.startswith(WARNING_MARK) else TEXT_RGBA for line in lines]
    lines = [line.removeprefix(WARNING_MARK) for line in lines]
    thickness = max(1, round(scale * 2))
    sizes = [cv2.getTextSize(line or " ", FONT, scale, thickness) for line in lines] or [((0, 0), 0)]
    line_height = max(h + base for (_, h), base in sizes) + margin // 2
    width = max(w for (w, _), _ in sizes) + 2 * margin
    height = line_height * len(lines) + margin
    image = np.empty((height, width, 4), np.uint8)
    image[:] = PANEL_RGBA
    for row, line in enumerate(lines):
        baseline = margin + row * line_height + sizes[row][0][1]
        cv2.putText(image, line, (margin, baseline), FONT, scale, colours[row], thickness,
                    cv2.LINE_AA)
    return image
