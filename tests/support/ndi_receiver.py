"""A real NDI receiver in its own process, standing in for Resolume or OBS.

Run as ``python -m tests.support.ndi_receiver SOURCE OUT SECONDS [SAVE_EVERY]``: it finds
the source whose name contains SOURCE, receives video for SECONDS (RGBA) and writes one JSON
line per frame to OUT/frames.jsonl (arrival, NDI's send timestamp, size, four-cc, mean of each
channel, sampled on large frames), the first and every SAVE_EVERY-th frame's pixels (default 10, 0 = none) to
OUT/frame-N.npy. ``loopback_config``
lets sender and receiver on one machine find each other (mDNS does not cross loopback); the
tests and ``benchmarks/bench_booth.py`` use them.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

FIND_TIMEOUT_S = 30.0
LARGE_PIXELS = 1 << 20


def loopback_config(folder: Path) -> dict[str, str]:
    """Environment variables for NDI senders and receivers on this machine only."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "ndi-config.v1.json").write_text(
        json.dumps({"ndi": {"networks": {"ips": "127.0.0.1"}}}))
    return {"NDI_CONFIG_DIR": str(folder)}


def read_frames(out: Path) -> list[dict]:
    path = out / "frames.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def _sampled(pixels: np.ndarray) -> np.ndarray:
    """Every pixel of a small frame; every 4th of every 4th row of a large one, so a
    receiver of 1080p keeps up on a small machine."""
    return pixels if pixels[..., 0].size <= LARGE_PIXELS else pixels[::4, ::4]


def main(wanted: str, out: Path, seconds: float, save_every: int = 10) -> int:
    from cyndilib.finder import Finder
    from cyndilib.receiver import ReceiveFrameType, Receiver
    from cyndilib.video_frame import VideoRecvFrame
    from cyndilib.wrapper.ndi_recv import RecvBandwidth, RecvColorFormat

    out.mkdir(parents=True, exist_ok=True)
    with Finder() as finder:
        deadline = time.monotonic() + FIND_TIMEOUT_S
        names: list[str] = []
        while not (names := [n for n in finder.get_source_names() if wanted in n]):
            if time.monotonic() > deadline:
                print(f"no NDI source with {wanted!r} in its name", file=sys.stderr)
                return 1
            finder.wait_for_sources(0.5)
        receiver = Receiver(color_format=RecvColorFormat.RGBX_RGBA,
                            bandwidth=RecvBandwidth.highest)
        frame = VideoRecvFrame()
        receiver.set_video_frame(frame)
        receiver.set_source(finder.get_source(names[0]))
        print(f"receiving {names[0]}", flush=True)
        count = 0
        with (out / "frames.jsonl").open("w") as log:
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                if not receiver.receive(ReceiveFrameType.recv_video, 100) & \
                        ReceiveFrameType.recv_video:
                    continue
                arrival = time.time()
                width, height = frame.get_resolution()
                pixels = np.empty(frame.get_buffer_size(), np.uint8)
                frame.fill_p_data(pixels)
                pixels = pixels.reshape(height, width, 4)
                if save_every and count % save_every == 0:
                    np.save(out / f"frame-{count}.npy", pixels)
                log.write(json.dumps({
                    "count": count, "arrival": arrival, "sent": frame.get_timestamp_posix(),
                    "width": width, "height": height, "fourcc": frame.get_fourcc().name,
                    "mean": _sampled(pixels).reshape(-1, 4).mean(axis=0).tolist()}) + "\n")
                log.flush()
                count += 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], Path(sys.argv[2]), float(sys.argv[3]), *map(int, sys.argv[4:5])))
