"""Chaos and soak: a show that must go on while its children are killed, and over an hour.

    .venv/bin/python -m benchmarks.bench_chaos --minutes 10 --kill-every 10   # chaos
    .venv/bin/python -m benchmarks.bench_chaos --minutes 60 --kill-every 0    # soak

Plays the demo show headless (recorded, frame-logged) and SIGKILLs a random child (worker,
audio, compositor, ffmpeg encoder) every ``--kill-every`` seconds. Reports frames shown /
dropped / skipped, black frames in the recording, the longest held picture, backwards steps,
restarts, what was left in /dev/shm and the process table afterwards, and the memory (RSS) of
each kind of process over time with its growth from minute 5 to the end. Goals: 0 black
frames, 0 backwards steps, 0 leftovers, RSS growth under 2 %.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from benchmarks.report import report
from tests.support.chaos import KINDS, as_figures, run_chaos


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--kill-every", type=float, default=10.0,
                        help="seconds between kills; 0 for a soak without kills")
    parser.add_argument("--seed", type=int, default=0, help="which children get killed when")
    parser.add_argument("--kinds", default=",".join(KINDS),
                        help=f"comma-separated kinds to kill (default: {','.join(KINDS)})")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gance-chaos-") as workdir:
        result = run_chaos(Path(workdir), args.minutes * 60, args.kill_every, args.seed,
                           tuple(args.kinds.split(",")))
    name = "chaos" if args.kill_every > 0 else "soak"
    report(f"{name}-{args.minutes:g}min", as_figures(result))
    if result.exit_code != 0:
        print(result.stderr_tail)


if __name__ == "__main__":
    main()
