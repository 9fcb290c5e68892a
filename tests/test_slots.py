"""The slot rings (frame ring, video ring) on their shared base: views that do not overlap,
a segment of the wrong kind refused, and only the creator removing the segment."""

from __future__ import annotations

import pytest

from live.contracts.frames import FrameRing
from live.contracts.shm import leftover_segments
from live.contracts.video import VideoRing


@pytest.mark.parametrize("make", [lambda: FrameRing.create(3, 5, 7, purpose="test_slots"),
                                  lambda: VideoRing.create(5, 7, purpose="test_slots")],
                         ids=["frames", "video"])
def test_each_slot_has_its_own_header_and_pixels_seen_by_an_attached_reader(make):
    with make() as ring:
        reader = type(ring).attach(ring.name)
        first_field = ring.header(0).dtype.names[0]
        for slot in range(ring.slots):
            ring.header(slot)[first_field] = 100 + slot
        for slot in range(ring.slots):       # pixels filled to the last byte spare every header
            ring.pixels(slot)[:] = 255
        assert (reader.slots, reader.height, reader.width) == (ring.slots, 5, 7)
        assert [int(reader.header(slot)[first_field]) for slot in range(reader.slots)] == \
            [100 + slot for slot in range(ring.slots)]
        assert all((reader.pixels(slot) == 255).all() for slot in range(reader.slots))
        reader.close()
        reader.close()                       # twice is harmless
        assert ring.name in leftover_segments()   # a reader never removes it
    assert ring.name not in leftover_segments()


def test_a_segment_of_another_kind_is_refused_by_name():
    with FrameRing.create(2, 4, 4, purpose="test_slots_kind") as frames:
        with pytest.raises(ValueError, match=f"{frames.name} is not a gance-live video ring"):
            VideoRing.attach(frames.name)
