"""The reorder buffer's rule, pure: in order, drops counted, never backwards, holds when starved."""

from hypothesis import given, settings
from hypothesis import strategies as st

from live.compositor.reorder import ReorderBuffer


def test_out_of_order_arrivals_are_shown_in_order():
    buffer = ReorderBuffer(max_latency=3)
    for index in (1, 0, 3, 2):
        assert buffer.arrive(index, slot=index) == []
    shown = [buffer.at_period(p).show for p in range(4)]
    assert shown == [(0, 0), (1, 1), (2, 2), (3, 3)]
    assert buffer.dropped == 0


def test_frames_are_not_shown_before_they_are_due():
    buffer = ReorderBuffer(max_latency=3)
    buffer.arrive(5, slot=0)
    assert buffer.at_period(4).show is None
    assert buffer.at_period(5).show == (5, 0)


def test_starved_period_holds_and_a_late_frame_within_latency_is_still_shown():
    buffer = ReorderBuffer(max_latency=3)
    buffer.arrive(0, 0)
    assert buffer.at_period(0).show == (0, 0)
    assert buffer.at_period(1).show is None          # frame 1 missing: hold frame 0
    buffer.arrive(1, 1)
    assert buffer.at_period(2).show == (1, 1)        # one period late, still in time


def test_a_newer_frame_supersedes_older_pending_ones():
    buffer = ReorderBuffer(max_latency=3)
    buffer.arrive(0, 0)
    buffer.at_period(0)
    buffer.arrive(2, 2)
    buffer.arrive(1, 1)
    decision = buffer.at_period(2)
    assert decision.show == (2, 2) and decision.drop == [(1, 1)]
    assert buffer.dropped == 1


def test_a_frame_arriving_after_a_newer_one_was_shown_is_dropped_at_once():
    buffer = ReorderBuffer(max_latency=3)
    buffer.arrive(3, 0)
    buffer.at_period(3)
    assert buffer.arrive(2, 5) == [(2, 5)]
    assert buffer.dropped == 1


def test_frames_too_late_are_dropped():
    buffer = ReorderBuffer(max_latency=2)
    buffer.arrive(0, 0)
    buffer.at_period(0)
    buffer.arrive(1, 1)
    decision = buffer.at_period(3)                   # frame 1 is 2 periods late: too late
    assert decision.show is None and decision.drop == [(1, 1)]


def test_the_first_frame_is_shown_even_when_late():
    buffer = ReorderBuffer(max_latency=1)
    buffer.arrive(0, 4)
    assert buffer.at_period(10).show == (0, 4)


def test_render_mode_waits_for_every_frame_in_order():
    buffer = ReorderBuffer(max_latency=1, ordered=True)
    buffer.arrive(2, 2)
    buffer.arrive(1, 1)
    assert buffer.next_in_order().show is None       # frame 0 missing: wait, drop nothing
    buffer.arrive(0, 0)
    assert [buffer.next_in_order().show for _ in range(3)] == [(0, 0), (1, 1), (2, 2)]
    assert buffer.dropped == 0


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 40), st.integers(0, 3)), min_size=1, max_size=40),
       st.integers(1, 4))
def test_never_backwards_and_every_slot_comes_back_once(arrivals, latency):
    """Random arrival orders and times: shown indices strictly increase, no slot is lost."""
    buffer = ReorderBuffer(max_latency=latency)
    seen, arrived_slots, returned, shown = set(), [], [], []
    period = 0
    for slot, (index, wait) in enumerate(arrivals):
        if index in seen:
            continue
        seen.add(index)
        arrived_slots.append(slot)
        returned += buffer.arrive(index, slot)
        for _ in range(wait):
            decision = buffer.at_period(period)
            returned += decision.drop
            if decision.show:
                shown.append(decision.show)
            period += 1
    returned += buffer.drain()
    indices = [index for index, _ in shown]
    assert indices == sorted(set(indices))
    assert sorted(slot for _, slot in returned + shown) == arrived_slots
