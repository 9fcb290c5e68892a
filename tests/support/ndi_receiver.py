"""A real NDI receiver in its own process, standing in for Resolume or OBS.

Run as ``python -m tests.support.ndi_receiver SOURCE OUT SECONDS [SAVE_EVERY]``: it finds
the source whose name contains SOURCE, receives video for SECONDS (RGBA) and writes one JSON
line per frame to OUT/frames.jsonl (arrival, NDI's send timestamp, size, four-cc, mean of each
channel, sampled on large frames), the first and every SAVE_EVERY-th frame's pixels (default
10, 0 = none) to OUT/frame-N.npy, and at the end OUT/performance.json (the frames NDI's
receiver took off the network and those it dropped). ``loopback_config`` lets sender and
receiver on one machine find each other (mDNS does not cross loopback); the tests and
``benchmarks/bench_booth.py`` use them.

It calls NDI's receive API directly (the runtime cyndilib ships, through ctypes), not
cyndilib's ``Receiver``: that one always attaches an NDI frame-sync to its receiver, whose own
thread takes video frames off the same receiver, so ``Receiver.receive`` got 2 to 30 % of the
frames sent while NDI counted every one received and none dropped (measured at 5 to 30 fps).
"""

from __future__ import annotations

import ctypes
import json
import signal
import sys
import time
from pathlib import Path

import numpy as np

FIND_TIMEOUT_S = 30.0
CAPTURE_TIMEOUT_MS = 100   # how often the loop looks at the clock while nothing arrives
LARGE_PIXELS = 1 << 20
# From NDI's Processing.NDI.Recv.h and Processing.NDI.structs.h.
COLOR_RGBX_RGBA, BANDWIDTH_HIGHEST, FRAME_TYPE_VIDEO = 2, 100, 1


class _Source(ctypes.Structure):
    _fields_ = [("p_ndi_name", ctypes.c_char_p), ("p_url_address", ctypes.c_char_p)]


class _RecvCreate(ctypes.Structure):
    _fields_ = [("source_to_connect_to", _Source), ("color_format", ctypes.c_int),
                ("bandwidth", ctypes.c_int), ("allow_video_fields", ctypes.c_bool),
                ("p_ndi_recv_name", ctypes.c_char_p)]


class _VideoFrame(ctypes.Structure):
    _fields_ = [("xres", ctypes.c_int), ("yres", ctypes.c_int), ("fourcc", ctypes.c_int),
                ("frame_rate_n", ctypes.c_int), ("frame_rate_d", ctypes.c_int),
                ("picture_aspect_ratio", ctypes.c_float), ("frame_format_type", ctypes.c_int),
                ("timecode", ctypes.c_int64), ("p_data", ctypes.c_void_p),
                ("line_stride_in_bytes", ctypes.c_int), ("p_metadata", ctypes.c_char_p),
                ("timestamp", ctypes.c_int64)]


class _Performance(ctypes.Structure):
    _fields_ = [("video_frames", ctypes.c_int64), ("audio_frames", ctypes.c_int64),
                ("metadata_frames", ctypes.c_int64)]


def loopback_config(folder: Path) -> dict[str, str]:
    """Environment variables for NDI senders and receivers on this machine only."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "ndi-config.v1.json").write_text(
        json.dumps({"ndi": {"networks": {"ips": "127.0.0.1"}}}))
    return {"NDI_CONFIG_DIR": str(folder)}


def read_frames(out: Path) -> list[dict]:
    path = out / "frames.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def read_performance(out: Path) -> dict:
    """What NDI's receiver counted: ``{"total": frames taken off the network, "dropped": ...}``."""
    return json.loads((out / "performance.json").read_text())


def _sampled(pixels: np.ndarray) -> np.ndarray:
    """Every pixel of a small frame; every 4th of every 4th row of a large one, so a
    receiver of 1080p keeps up on a small machine."""
    return pixels if pixels[..., 0].size <= LARGE_PIXELS else pixels[::4, ::4]


def _ndi_runtime() -> ctypes.CDLL:
    """The NDI library cyndilib loaded (the one its wheel ships), with the calls used here."""
    import cyndilib.wrapper.ndi_recv  # noqa: F401  (loads the runtime into this process)

    maps = Path("/proc/self/maps").read_text().splitlines()
    path = next(line.split()[-1] for line in maps if "libndi" in line.rsplit("/", 1)[-1])
    ndi = ctypes.CDLL(path)
    ndi.NDIlib_initialize.restype = ctypes.c_bool
    ndi.NDIlib_find_create_v2.restype = ctypes.c_void_p
    ndi.NDIlib_find_wait_for_sources.argtypes = [ctypes.c_void_p, ctypes.c_uint32]
    ndi.NDIlib_find_get_current_sources.restype = ctypes.POINTER(_Source)
    ndi.NDIlib_find_get_current_sources.argtypes = [ctypes.c_void_p,
                                                    ctypes.POINTER(ctypes.c_uint32)]
    ndi.NDIlib_recv_create_v3.restype = ctypes.c_void_p
    ndi.NDIlib_recv_create_v3.argtypes = [ctypes.POINTER(_RecvCreate)]
    ndi.NDIlib_recv_capture_v3.argtypes = [ctypes.c_void_p, ctypes.POINTER(_VideoFrame),
                                           ctypes.c_void_p, ctypes.c_void_p, ctypes.c_uint32]
    ndi.NDIlib_recv_free_video_v2.argtypes = [ctypes.c_void_p, ctypes.POINTER(_VideoFrame)]
    ndi.NDIlib_recv_get_performance.argtypes = [ctypes.c_void_p, ctypes.POINTER(_Performance),
                                                ctypes.POINTER(_Performance)]
    return ndi


def _find(ndi: ctypes.CDLL, wanted: str) -> _Source | None:
    finder = ndi.NDIlib_find_create_v2(None)
    deadline = time.monotonic() + FIND_TIMEOUT_S
    while time.monotonic() < deadline:
        ndi.NDIlib_find_wait_for_sources(finder, 500)
        count = ctypes.c_uint32()
        sources = ndi.NDIlib_find_get_current_sources(finder, ctypes.byref(count))
        for source in sources[:count.value]:
            if wanted in source.p_ndi_name.decode():
                # Copied: the finder owns the strings (and is never destroyed here).
                return _Source(source.p_ndi_name, source.p_url_address)
    return None


def main(wanted: str, out: Path, seconds: float, save_every: int = 10) -> int:
    from cyndilib.wrapper.ndi_structs import FourCC

    out.mkdir(parents=True, exist_ok=True)
    ndi = _ndi_runtime()
    if not ndi.NDIlib_initialize():
        print("NDI does not run on this CPU", file=sys.stderr)
        return 1
    source = _find(ndi, wanted)
    if source is None:
        print(f"no NDI source with {wanted!r} in its name", file=sys.stderr)
        return 1
    receiver = ndi.NDIlib_recv_create_v3(ctypes.byref(
        _RecvCreate(source, COLOR_RGBX_RGBA, BANDWIDTH_HIGHEST, True, None)))
    print(f"receiving {source.p_ndi_name.decode()}", flush=True)
    stopped: list[int] = []   # SIGTERM ends the receiving, NDI's counts are still written
    signal.signal(signal.SIGTERM, lambda number, _: stopped.append(number))
    frame, count = _VideoFrame(), 0
    with (out / "frames.jsonl").open("w") as log:
        end = time.monotonic() + seconds
        while time.monotonic() < end and not stopped:
            if ndi.NDIlib_recv_capture_v3(receiver, ctypes.byref(frame), None, None,
                                          CAPTURE_TIMEOUT_MS) != FRAME_TYPE_VIDEO:
                continue
            arrival = time.time()
            width, height, stride = frame.xres, frame.yres, frame.line_stride_in_bytes
            rows = np.ctypeslib.as_array(ctypes.cast(frame.p_data, ctypes.POINTER(ctypes.c_uint8)),
                                         (height, stride))
            pixels = rows[:, :width * 4].reshape(height, width, 4)   # NDI's buffer, until freed
            record = {"count": count, "arrival": arrival, "sent": frame.timestamp * 1e-7,
                      "width": width, "height": height, "fourcc": FourCC(frame.fourcc).name,
                      "mean": _sampled(pixels).reshape(-1, 4).mean(axis=0).tolist()}
            if save_every and count % save_every == 0:
                np.save(out / f"frame-{count}.npy", pixels)
            ndi.NDIlib_recv_free_video_v2(receiver, ctypes.byref(frame))
            log.write(json.dumps(record) + "\n")
            log.flush()
            count += 1
    total, dropped = _Performance(), _Performance()
    ndi.NDIlib_recv_get_performance(receiver, ctypes.byref(total), ctypes.byref(dropped))
    (out / "performance.json").write_text(json.dumps(
        {"total": total.video_frames, "dropped": dropped.video_frames}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], Path(sys.argv[2]), float(sys.argv[3]), *map(int, sys.argv[4:5])))
