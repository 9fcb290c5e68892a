"""The set (issue 18): how long a switch takes, and what a preloaded song costs.

    .venv/bin/python -m benchmarks.bench_set [--switches 20] [--latents 3000]

1. **Switch time**: a headless rehearsal of a three-song set (two projection files and a
   noise loop, each song with its own audio) at 10 fps, told over OSC to go to another song
   every 1.5 s. From the moment the OSC message is sent to the first frame of the new song:
   dispatched to a worker, and on screen (the frame log). Also how late the frames around each
   switch were against their due time, and whether any frame was skipped.
2. **Preloaded song**: the memory (tracemalloc: numpy's arrays are traced; plus the shared
   segment the loader's child put the latents in) and the time of building one song's
   instrument, its files read by the loader's child process as the show does, for a
   projection file of ``--latents`` latents at 1024 px (18 W+ rows) and for a noise loop;
   and what the projection's load costs the conductor's thread meanwhile: its worst delay
   waking from a 2 ms sleep (the loop's own wait), against the same with nothing loading and
   with the load on a thread of the main process (as the set loaded songs before).
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import tempfile
import threading
import time
import tracemalloc
from pathlib import Path

import numpy as np
from pythonosc.osc_message_builder import build_msg

from benchmarks.report import report
from live.latents.config import LatentsConfig, ProjectionConfig
from live.latents.instrument import Instrument
from live.latents.loading import SongLoader
from tests.engine.sets import FPS, make_set
from tests.support.showrun import free_udp_port, read_frame_log, start_cli, wait_for_frames
from tests.latents.conftest import write_gance_file

SONG_SECONDS = 120.0      # long songs: the audio never moves the set during the run
SWITCH_EVERY_S = 1.5
NUM_WS = 18


def switch_times(switches: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        show = make_set(folder, seconds=(SONG_SECONDS,) * 3)
        port, log = free_udp_port(), folder / "frames.jsonl"
        process = start_cli("run", show, "--headless", "--seconds", 600, "--frame-log", log,
                            "--set", "control.osc.enabled=true",
                            "--set", f"control.osc.port={port}", cwd=folder)
        wait_for_frames(log, 20, process)
        requests = []   # (song asked for, monotonic time sent)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
            for number in range(switches):
                song = (1, 2, 0)[number % 3]
                requests.append((song, time.monotonic()))
                sender.sendto(build_msg("/live/song", song).dgram, ("127.0.0.1", port))
                time.sleep(SWITCH_EVERY_S)
        process.terminate()
        process.communicate(timeout=60)
        rows = read_frame_log(log)
    dispatched, shown, late = [], [], []
    for song, sent in requests:
        first = next(row for row in rows if row["song"] == song and row["t_dispatch"] > sent)
        dispatched.append(first["t_dispatch"] - sent)
        shown.append(first["t_shown"] - sent)
        late += [row["t_shown"] - row["t_due"] for row in rows
                 if abs(row["index"] - first["index"]) <= 3]
    indices = [row["index"] for row in rows]
    return {
        "switches": switches,
        "request to first dispatch, median ms": 1e3 * statistics.median(dispatched),
        "request to first dispatch, max ms": 1e3 * max(dispatched),
        "request to first dispatch, each switch, ms": [round(1e3 * d) for d in dispatched],
        "request to first frame on screen, median ms": 1e3 * statistics.median(shown),
        "request to first frame on screen, max ms": 1e3 * max(shown),
        "frame period ms": 1e3 / FPS,
        "frames around switches shown after due, max ms": 1e3 * max(late),
        "frames skipped in the run": indices[-1] - indices[0] + 1 - len(indices),
    }


def worst_wake_delay_ms(while_alive: threading.Thread | None, seconds: float = 2.0) -> float:
    """The longest a 2 ms sleep overran, while ``while_alive`` runs (or for ``seconds``)."""
    worst, until = 0.0, time.monotonic() + seconds
    while (while_alive.is_alive() if while_alive else time.monotonic() < until):
        asleep = time.monotonic()
        time.sleep(0.002)
        worst = max(worst, time.monotonic() - asleep - 0.002)
    return 1e3 * worst


def build(cfg: LatentsConfig, folder: Path, loader: SongLoader | None = None) -> Instrument:
    """A song's instrument as the show builds it: its files read by ``loader``'s child
    process, or (None) on this thread, as the set did before."""
    files = None if loader is None else \
        loader.read(cfg, NUM_WS, 30, lambda p: folder / p, "bench song")
    return Instrument(cfg, seed=0, fps=30, num_ws=NUM_WS, network_count=4,
                      map_z=lambda z: np.tanh(z).astype(np.float32),
                      w_avg=np.zeros(512, np.float32), resolve=lambda p: folder / p,
                      files=files)


def preloaded_song(latents: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        w = np.random.default_rng(0).standard_normal((latents, 512)).astype(np.float32)
        write_gance_file(folder / "song.hdf5", np.repeat(w[:, None], NUM_WS, axis=1), 30)
        projection = LatentsConfig(source="projection",
                                   projection=ProjectionConfig(file="song.hdf5"))
        figures = {"projection latents": latents}
        loader = SongLoader()
        try:
            build(LatentsConfig(stops=8), folder, loader)   # the child started, as in a show
            for name, cfg in (("projection", projection), ("noise loop", LatentsConfig(stops=8))):
                tracemalloc.start()
                started = time.perf_counter()
                song = build(cfg, folder, loader)
                figures[f"{name}: load time through the loader, s"] = \
                    time.perf_counter() - started
                held, _ = tracemalloc.get_traced_memory()
                tracemalloc.stop()
                shared = song.files.projection.nbytes if song.files.projection is not None \
                    else 0
                # numpy's arrays in this process (traced) and the segment mapped (not traced)
                figures[f"{name}: memory held, MiB"] = (held + shared) / 2**20
                del song
            figures["conductor thread: worst wake-up delay, nothing loading, ms"] = \
                worst_wake_delay_ms(None)
            for how, loading_by in (("the loader's child process", loader),
                                    ("a thread of the main process", None)):
                loading = threading.Thread(target=build, args=(projection, folder, loading_by))
                started = time.perf_counter()
                loading.start()
                figures[f"conductor thread: worst wake-up delay while {how} loads the "
                        f"projection, ms"] = worst_wake_delay_ms(loading)
                figures[f"projection load time by {how}, s"] = time.perf_counter() - started
        finally:
            loader.close()
        figures["projection: memory per minute of song at 30 fps, MiB"] = \
            figures["projection: memory held, MiB"] * 1800 / latents
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--switches", type=int, default=20)
    parser.add_argument("--latents", type=int, default=3000)
    args = parser.parse_args()
    figures = switch_times(args.switches)
    figures.update(preloaded_song(args.latents))
    report("set", figures)
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
