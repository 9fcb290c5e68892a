"""How fast the show recovers and stops: the figures behind the README's promises.

    .venv/bin/python -m benchmarks.bench_faults [--runs 5]

For ``--runs`` headless demo shows each:

1. **Stop**: SIGTERM to the main process, and SIGINT to the whole process group (Ctrl-C in a
   terminal): seconds from the signal until no process of the show is left.
2. **Orphans**: SIGKILL to the main process: seconds until its last child has exited.
3. **Compositor restart**: SIGKILL to the compositor: seconds from the kill to the next frame
   on screen (the frame log's ``t_shown``).
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.report import report
from tests.support.showrun import (DEMO, child_using, descendants, process_group,
                                  read_frame_log, start_cli, wait_for_frames, wait_until_gone)

FRAMES_BEFORE = 15   # frames on screen before the fault, so the show is in its stride


def _show(workdir: Path, new_session: bool = False):
    log = workdir / "frames.jsonl"
    show = start_cli("run", DEMO, "--headless", "--seconds", 120, "--frame-log", log,
                     "--out", workdir / "show.mp4", new_session=new_session)
    wait_for_frames(log, FRAMES_BEFORE, show)
    return show, log


def _until_gone(pids: list[int], since: float) -> float:
    left = wait_until_gone(pids, 30.0)
    assert not left, f"still running after 30 s: {left}"
    return time.monotonic() - since


def stop_by_sigterm(workdir: Path) -> float:
    show, _ = _show(workdir)
    family = [show.pid, *descendants(show.pid)]
    sent = time.monotonic()
    show.send_signal(signal.SIGTERM)
    took = _until_gone(family, sent)
    show.communicate(timeout=30)
    return took


def stop_by_ctrl_c(workdir: Path) -> float:
    show, _ = _show(workdir, new_session=True)
    sent = time.monotonic()
    os.killpg(show.pid, signal.SIGINT)
    deadline = sent + 30
    while process_group(show.pid) and time.monotonic() < deadline:
        time.sleep(0.01)
    took = time.monotonic() - sent
    show.communicate(timeout=30)
    return took


def orphans_gone(workdir: Path) -> float:
    show, _ = _show(workdir)
    family = descendants(show.pid)
    sent = time.monotonic()
    os.kill(show.pid, signal.SIGKILL)
    took = _until_gone(family, sent)
    show.communicate(timeout=30)
    return took


def compositor_back(workdir: Path) -> float:
    show, log = _show(workdir)
    killed = time.monotonic()
    os.kill(child_using(show.pid, "libEGL"), signal.SIGKILL)
    deadline = killed + 60
    while time.monotonic() < deadline:
        after = [row["t_shown"] for row in read_frame_log(log) if row["t_shown"] > killed]
        if after:
            break
        time.sleep(0.02)
    show.send_signal(signal.SIGTERM)
    show.communicate(timeout=60)
    assert after, "no frame on screen within 60 s of killing the compositor"
    return after[0] - killed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    figures = {}
    for name, measure in (("stop_sigterm_s", stop_by_sigterm), ("stop_ctrl_c_group_s", stop_by_ctrl_c),
                          ("orphans_gone_after_main_killed_s", orphans_gone),
                          ("compositor_kill_to_next_frame_s", compositor_back)):
        times = []
        for _ in range(args.runs):
            with tempfile.TemporaryDirectory(prefix="gance-faults-") as workdir:
                times.append(measure(Path(workdir)))
        figures[f"{name}_median"] = round(statistics.median(times), 3)
        figures[f"{name}_max"] = round(max(times), 3)
    report("faults", figures)


if __name__ == "__main__":
    main()
