"""A second Ableton Link peer in its own process, standing in for the band's Ableton Live.

Run as ``python -m tests.support.link_peer TEMPO LOG``: it joins the session at TEMPO, writes
``ready`` on stdout, logs ``monotonic beat tempo`` lines to LOG every few milliseconds and sets
the session's tempo to each number read on stdin (answering ``tempo <t>`` with the monotonic
time it did). :func:`phase_errors` compares a show's frame log with that timeline; the tests
and ``benchmarks/bench_booth.py`` use it.
"""

from __future__ import annotations

import bisect
import select
import sys
import time
from pathlib import Path

import numpy as np

SAMPLE_S = 0.002
QUANTUM = 4.0   # beats of a Link bar: peers agree on the phase within it


def read_timeline(path: Path) -> np.ndarray:
    """The peer's log as rows of ``(monotonic, beat, tempo)``."""
    rows = [line.split() for line in path.read_text().splitlines()]
    return np.array([[float(v) for v in row] for row in rows if len(row) == 3])


def beat_at(timeline: np.ndarray, when: float) -> tuple[float, float]:
    """The peer's ``(beat, tempo)`` at monotonic ``when``, run on from the last sample
    before it (the beat is exact between samples at a steady tempo)."""
    row = bisect.bisect_right(timeline[:, 0], when) - 1
    assert row >= 0, "asked before the peer's first sample"
    sampled, beat, tempo = timeline[row]
    return beat + (when - sampled) * tempo / 60.0, tempo


def phase_errors(frames: list[dict], timeline: np.ndarray) -> np.ndarray:
    """Seconds by which each frame's beat (at its due time) is off the peer's, on the
    phase within a Link bar."""
    errors = []
    for row in frames:
        beat, tempo = beat_at(timeline, row["t_due"])
        off = (row["beat"] - beat + QUANTUM / 2) % QUANTUM - QUANTUM / 2
        errors.append(off * 60.0 / tempo)
    return np.array(errors)


def main(tempo: float, log: Path) -> None:
    from live.control.link import LinkSession

    with LinkSession(tempo, QUANTUM, time.monotonic) as link, log.open("w") as out:
        print("ready", flush=True)
        while True:
            ready, _, _ = select.select([sys.stdin], [], [], SAMPLE_S)
            if ready:
                line = sys.stdin.readline()
                if not line:
                    return
                link.lead(float(line))
                print(f"tempo {time.monotonic()!r}", flush=True)
            now, beat, current = link.read()
            out.write(f"{now!r} {beat!r} {current!r}\n")


if __name__ == "__main__":
    main(float(sys.argv[1]), Path(sys.argv[2]))
