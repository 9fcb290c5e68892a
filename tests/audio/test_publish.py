"""The feature ring: round trips, ordering, and no torn record under a real writer process."""

from __future__ import annotations

import multiprocessing
import time

import numpy as np
import pytest

from live.contracts.features import SPECTRUM_SIZE, FeatureFrame
from live.contracts.feature_ring import FeatureRing
from live.contracts.shm import leftover_segments

HAMMER_SECONDS = 1.5


def numbered(n: int, bands: int = 8) -> FeatureFrame:
    """A frame whose every field is derived from ``n``, so a torn copy shows."""
    value = (n % 9973) / 9973.0
    return FeatureFrame(time=float(n), position=n / 10.0, rms=value, rms_db=-value,
                        bands=np.full(bands, value, np.float32),
                        spectrum=np.full(SPECTRUM_SIZE, value, np.float32), onset=value,
                        onset_event=n % 2 == 0, novelty=value, tempo=value, beat_phase=value,
                        beat_event=n % 3 == 0, overruns=n)


def consistent(frame: FeatureFrame) -> bool:
    n = int(frame.time)
    expected = numbered(n, len(frame.bands))
    return (frame.overruns == n and np.float32(frame.rms) == np.float32(expected.rms)
            and (frame.spectrum == expected.spectrum).all()
            and (frame.bands == expected.bands).all() and frame.onset_event == (n % 2 == 0)
            and frame.beat_event == (n % 3 == 0))


def hammer(name: str, seconds: float, started) -> None:
    """Child process: write numbered frames as fast as possible."""
    ring = FeatureRing.attach(name)
    started.set()
    n = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        for _ in range(100):
            ring.write(numbered(n))
            n += 1
    ring.close()


def test_round_trip_and_order():
    with FeatureRing.create(capacity=16) as ring:
        assert ring.latest() is None and ring.recent(5) == []
        assert ring.playback_origin is None
        writer = FeatureRing.attach(ring.name)
        for n in range(40):
            writer.write(numbered(n, bands=5))
        latest = ring.latest()
        assert latest.time == 39.0 and consistent(latest) and len(latest.bands) == 5
        assert latest.published > 0
        recent = ring.recent(100)
        assert [f.time for f in recent] == [float(n) for n in range(25, 40)]  # capacity - 1
        assert all(consistent(f) for f in recent)
        assert ring.at_time(30.5).time == 30.0
        assert ring.at_time(-1.0) is None
        writer.playback_origin = 123.25
        assert ring.playback_origin == 123.25
        writer.playback_origin = None
        assert ring.playback_origin is None
        writer.close()
    assert ring.name.lstrip("/") not in leftover_segments()


def test_too_many_bands_is_refused():
    with FeatureRing.create(capacity=4) as ring:
        with pytest.raises(ValueError, match="at most 64"):
            ring.write(numbered(0, bands=65))


def test_readers_never_see_a_torn_record_while_another_process_writes():
    ctx = multiprocessing.get_context("spawn")
    with FeatureRing.create(capacity=8) as ring:  # small, so the writer laps readers often
        started = ctx.Event()
        writer = ctx.Process(target=hammer, args=(ring.name, HAMMER_SECONDS, started))
        writer.start()
        assert started.wait(30)
        reads = 0
        last_time = -1.0
        while writer.is_alive():
            latest = ring.latest()
            if latest is not None:
                assert consistent(latest), f"torn record for frame {latest.time}"
                assert latest.time >= last_time          # never goes backwards
                last_time = latest.time
            recent = ring.recent(7)
            assert all(consistent(f) for f in recent)
            times = [f.time for f in recent]
            assert times == sorted(times)
            reads += 1
        writer.join(10)
        assert writer.exitcode == 0
        assert reads > 100 and ring.count > 1000
    assert ring.name.lstrip("/") not in leftover_segments()
