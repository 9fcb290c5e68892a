"""Frame transport: shared-memory slots against pickling frames through multiprocessing.Queue.

    .venv/bin/python -m benchmarks.bench_transport [--frames 200] [--size 1024]

A producer process writes whole 1024x1024 RGBA8 frames (as a worker does); the consumer
copies each one out (as the GL upload reads it). The slot path sends only (index, slot)
messages; the queue path pickles every frame through a pipe.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import time

import numpy as np

from benchmarks.report import report
from live.contracts.frames import FrameRing

SLOTS = 4


def _produce_slots(ring_name: str, frames: int, to_consumer, free_slots) -> None:
    ring = FrameRing.attach(ring_name)
    for index in range(frames):
        slot = free_slots.get()
        ring.pixels(slot)[...] = index % 256
        ring.header(slot)["index"] = index
        to_consumer.put((index, slot))
    ring.close()


def _produce_pickled(frames: int, size: int, to_consumer) -> None:
    for index in range(frames):
        # A fresh array per frame, as a worker's output is: Queue.put pickles it later, in a
        # feeder thread, so reusing one buffer would send frames that were overwritten.
        to_consumer.put((index, np.full((size, size, 4), index % 256, np.uint8)))


def bench_slots(frames: int, size: int) -> float:
    ctx = mp.get_context("spawn")
    with FrameRing.create(SLOTS, size, size, purpose="bench") as ring:
        to_consumer, free_slots = ctx.Queue(), ctx.Queue()
        for slot in range(SLOTS):
            free_slots.put(slot)
        producer = ctx.Process(target=_produce_slots, args=(ring.name, frames, to_consumer, free_slots))
        producer.start()
        upload = np.empty((size, size, 4), np.uint8)
        first = to_consumer.get()  # start timing once the producer runs
        free_slots.put(first[1])
        start = time.perf_counter()
        for _ in range(frames - 1):
            index, slot = to_consumer.get()
            np.copyto(upload, ring.pixels(slot))
            assert upload[0, 0, 0] == index % 256
            free_slots.put(slot)
        elapsed = time.perf_counter() - start
        producer.join()
    return (frames - 1) / elapsed


def bench_pickled(frames: int, size: int) -> float:
    ctx = mp.get_context("spawn")
    to_consumer = ctx.Queue(maxsize=SLOTS)
    producer = ctx.Process(target=_produce_pickled, args=(frames, size, to_consumer))
    producer.start()
    upload = np.empty((size, size, 4), np.uint8)
    to_consumer.get()
    start = time.perf_counter()
    for _ in range(frames - 1):
        index, frame = to_consumer.get()
        np.copyto(upload, frame)
        assert upload[0, 0, 0] == index % 256
    elapsed = time.perf_counter() - start
    producer.join()
    return (frames - 1) / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=300)
    parser.add_argument("--size", type=int, default=1024)
    args = parser.parse_args()
    slots = bench_slots(args.frames, args.size)
    pickled = bench_pickled(args.frames, args.size)
    report("transport", {
        "frame": f"{args.size}x{args.size} RGBA8",
        "shared_memory_slots_fps": round(slots, 1),
        "queue_pickle_fps": round(pickled, 1),
        "speedup": round(slots / pickled, 1),
        "queue_pickle_ms_per_frame": round(1000 / pickled, 2),
    })


if __name__ == "__main__":
    main()
