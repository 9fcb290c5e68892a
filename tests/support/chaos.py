"""Chaos and soak runs of a real show: kill a random child every few seconds, watch the output.

Used by ``tests/engine/test_chaos.py`` (30 seconds) and ``benchmarks/bench_chaos.py`` (10 and
60 minutes). A run plays ``gance-live run --headless`` of a show with a frame log and a
recording, SIGKILLs a random child (a worker, the audio process, the compositor or its ffmpeg
encoder) every ``kill_every`` seconds, samples the memory of every process of the show, and
afterwards reads what the audience got: the frame log, the recording parts and what was left
in ``/dev/shm`` and the process table.
"""

from __future__ import annotations

import json
import os
import random
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from live.contracts.shm import leftover_segments
from tests.support.showrun import (DEMO, ShowCounts, command_of, decode_frames, descendants,
                                  memory_map, read_frame_log, running, shared_memory_of,
                                  start_cli)

KINDS = ("worker", "audio", "compositor", "encoder")
RSS_EVERY_S = 5.0          # how often the memory of every process is sampled
BLACK_MEAN = 8.0           # a recorded frame whose mean (0..255) is below this counts as black
PROBE_SIZE = 32            # recorded frames are scaled to this square to look for black ones
LINGER_S = 2.0             # how long a finished show's processes get to be gone


@dataclass
class ChaosResult:
    """What one run did and what it left; every count is over the whole run."""

    seconds: float
    kill_every: float
    exit_code: int
    summary_line: str
    kills: list[tuple[float, str, int]] = field(default_factory=list)  # (show s, kind, pid)
    frames_shown: int = 0
    frames_dropped: int = 0
    frames_skipped: int = 0
    restarts: int = 0
    backwards_steps: int = 0
    longest_hold_s: float = 0.0
    recording_parts: list[str] = field(default_factory=list)
    recorded_frames: int = 0
    black_frames: int = 0
    shm_left: list[str] = field(default_factory=list)
    processes_left: list[str] = field(default_factory=list)
    rss_mib: dict[str, list[tuple[float, float]]] = field(default_factory=dict)  # kind -> (s, MiB)
    stderr_tail: str = ""

    def rss_growth_percent(self, since_s: float) -> dict[str, float]:
        """Per process kind: growth of RSS from the first sample at ``since_s`` to the last."""
        growth = {}
        for kind, samples in self.rss_mib.items():
            later = [mib for t, mib in samples if t >= since_s]
            if len(later) >= 2 and later[0] > 0:
                growth[kind] = round(100.0 * (later[-1] - later[0]) / later[0], 2)
        return growth


def process_kind(pid: int) -> str | None:
    """Which part of the show a process is, from what it runs and has loaded."""
    command = command_of(pid)
    if command and Path(command[0]).name == "ffmpeg":
        return "encoder"
    if "resource_tracker" in " ".join(command):
        return "resource_tracker"
    maps = memory_map(pid)
    if "libEGL" in maps or "libGLX" in maps:
        return "compositor"
    if "libportaudio" in maps:
        return "audio"
    if "libtorch" in maps:
        return "worker"
    return None


def _rss_mib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0.0


def _recording_parts(out: Path) -> list[Path]:
    """``show.mp4``, then ``show.part2.mp4``, ... as the show wrote them."""
    parts = [out] if out.exists() else []
    number = 2
    while (part := out.with_name(f"{out.stem}.part{number}{out.suffix}")).exists():
        parts.append(part)
        number += 1
    return parts


def _frame_means(path: Path) -> np.ndarray:
    """The mean brightness of every frame of a video, decoded small by ffmpeg."""
    return decode_frames(path, PROBE_SIZE, PROBE_SIZE, scale=True, grey=True).mean(axis=(1, 2))


def run_chaos(workdir: Path, seconds: float, kill_every: float, seed: int = 0,
              kinds: tuple[str, ...] = KINDS, config: Path = DEMO,
              extra: tuple[str, ...] = ()) -> ChaosResult:
    """Play ``config`` headless for ``seconds``, killing a random child of ``kinds`` every
    ``kill_every`` seconds (0: never, a soak), and report what happened."""
    rng = random.Random(seed)
    log, out = workdir / "frames.jsonl", workdir / "show.mp4"
    show = start_cli("run", config, "--headless", "--seconds", seconds, "--frame-log", log,
                     "--out", out, *extra)
    result = ChaosResult(seconds, kill_every, -1, "")
    seen: set[int] = set()
    mapped: set[Path] = set()   # what the show's processes had in /dev/shm
    try:
        started = None
        next_kill = next_rss = 0.0
        while show.poll() is None:
            time.sleep(0.2)
            now = time.monotonic()
            if started is None:
                if read_frame_log(log):
                    started = now
                    next_kill, next_rss = now + kill_every, now
                continue
            processes = {pid: process_kind(pid) for pid in descendants(show.pid)}
            seen.update(processes)
            if now >= next_rss:
                next_rss = now + RSS_EVERY_S
                mapped |= shared_memory_of([show.pid, *processes])
                t = round(now - started, 1)
                result.rss_mib.setdefault("main", []).append((t, _rss_mib(show.pid)))
                totals: dict[str, float] = {}
                for pid, kind in processes.items():
                    if kind is not None:
                        totals[kind] = totals.get(kind, 0.0) + _rss_mib(pid)
                for kind, mib in totals.items():
                    result.rss_mib.setdefault(kind, []).append((t, round(mib, 1)))
            if kill_every > 0 and now >= next_kill:
                next_kill = now + kill_every
                candidates = [(pid, kind) for pid, kind in processes.items() if kind in kinds]
                if candidates:
                    pid, kind = rng.choice(sorted(candidates))
                    try:
                        os.kill(pid, signal.SIGKILL)
                        result.kills.append((round(now - started, 2), kind, pid))
                    except ProcessLookupError:
                        pass
        stdout, stderr = show.communicate(timeout=60)
    finally:
        if show.poll() is None:
            show.kill()
            show.wait()
    result.exit_code = show.returncode
    lines = [line for line in stdout.splitlines() if "frames shown" in line]
    result.summary_line = lines[-1] if lines else ""
    result.stderr_tail = stderr[-3000:]
    result.restarts = sum("restarting" in line or "restarted" in line
                          for line in stderr.splitlines())
    _read_frames(result, log)
    _read_recording(result, out)
    deadline = time.monotonic() + LINGER_S
    while any(running(pid) for pid in seen) and time.monotonic() < deadline:
        time.sleep(0.1)
    result.shm_left = sorted(set(leftover_segments(show.pid))
                             | {path.name for path in mapped if path.exists()})
    result.processes_left = [f"{pid} {' '.join(command_of(pid))[:80]}" for pid in sorted(seen)
                             if running(pid)]
    return result


def _read_frames(result: ChaosResult, log: Path) -> None:
    rows = read_frame_log(log)
    indices = [row["index"] for row in rows]
    result.frames_shown = len(rows)
    result.backwards_steps = sum(b <= a for a, b in zip(indices, indices[1:]))
    shown = [row["t_shown"] for row in rows]
    result.longest_hold_s = round(max(np.diff(shown), default=0.0), 3)
    if counts := ShowCounts.parse(result.summary_line):
        result.frames_dropped, result.frames_skipped = counts.dropped, counts.skipped


def _read_recording(result: ChaosResult, out: Path) -> None:
    for part in _recording_parts(out):
        means = _frame_means(part)
        result.recording_parts.append(part.name)
        result.recorded_frames += len(means)
        result.black_frames += int((means < BLACK_MEAN).sum())


def as_figures(result: ChaosResult) -> dict:
    """The run as flat figures for benchmarks/report.py."""
    kinds = {kind: sum(k == kind for _, k, _ in result.kills) for kind in KINDS}
    return {
        "seconds": result.seconds, "kill_every_s": result.kill_every,
        "exit_code": result.exit_code, "kills": len(result.kills), "kills_by_kind": kinds,
        "frames_shown": result.frames_shown, "frames_dropped": result.frames_dropped,
        "frames_skipped": result.frames_skipped, "restarts_logged": result.restarts,
        "backwards_steps": result.backwards_steps, "longest_hold_s": result.longest_hold_s,
        "recording_parts": result.recording_parts, "recorded_frames": result.recorded_frames,
        "black_frames": result.black_frames, "shm_left": result.shm_left,
        "processes_left": result.processes_left,
        "rss_growth_percent_from_minute_5": result.rss_growth_percent(300.0),
        "rss_mib": result.rss_mib, "summary_line": result.summary_line,
    }


def dumps(result: ChaosResult) -> str:
    return json.dumps(as_figures(result), indent=1)
