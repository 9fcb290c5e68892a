"""Garbage in through the real ports: ignored and counted, never a crash, never a bad event."""

from __future__ import annotations

import random
import socket
import time

from pythonosc.osc_message_builder import build_msg

from live.control.hub import ControlHub
from live.contracts.state import ShowState

from tests.control.conftest import MAPS, FakeController, wait_for

NETWORKS = 4


def open_hub(cfg) -> ControlHub:
    return ControlHub(cfg, time.monotonic, NETWORKS, resolve=lambda p: MAPS / p)


def assert_playable(events) -> None:
    state = ShowState()
    for event in events:
        assert ShowState.accepts(event.name, event.value, NETWORKS), event
        assert state.apply(event, NETWORKS), event


def random_midi(rng: random.Random) -> list[int]:
    """1-3 random bytes (rtmidi refuses longer non-sysex messages), or a random sysex."""
    if rng.random() < 0.05:
        return [0xF0, *(rng.randrange(128) for _ in range(rng.randrange(20))), 0xF7]
    data = [rng.randrange(256) for _ in range(rng.randint(1, 3))]
    return [0xB0, data[0]] if data == [0xF0] else data  # a lone sysex start is not sendable


def test_random_midi_bytes_through_a_real_port(control_config):
    control_config.midi.maps = ["generic.toml", "akai-apc-mini.toml"]
    rng = random.Random(7)
    with FakeController("APC MINI") as apc, open_hub(control_config) as hub:
        assert wait_for(lambda: hub.ports)
        sent = 0
        events = []
        for _ in range(2000):
            apc.send(random_midi(rng))
            sent += 1
            if sent % 50 == 0:  # a JACK port carries a few hundred messages per period
                time.sleep(0.01)
                events += hub.poll()
                hub.feedback(ShowState())
        time.sleep(0.2)
        events += hub.poll()
        apc.send([0x90, 1, 127])    # still listening afterwards
        wait_for(lambda: events.extend(hub.poll()) or
                 events[-1:] and (events[-1].name, events[-1].value) == ("network", 1.0))
        stats = hub.stats
    assert (events[-1].name, events[-1].value) == ("network", 1.0)
    assert_playable(events)
    # JACK and rtmidi drop some garbage (running status, stray data bytes) before us; what
    # reached the hub and made no event was counted as ignored.
    assert 0 < stats["midi_received"] <= sent + 1
    assert stats["midi_ignored"] > 0
    assert stats["midi_received"] >= stats["midi_ignored"]


def test_random_osc_packets_over_udp(control_config):
    rng = random.Random(11)
    valid = [build_msg("/live/gain", 0.5).dgram, build_msg("/live/network", 2).dgram,
             build_msg("/live/tap", 1.0).dgram]
    with open_hub(control_config) as hub, \
            socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
        packets = 0
        events = []
        for index in range(1500):
            kind = index % 3
            if kind == 0:     # raw noise
                datagram = bytes(rng.randrange(256) for _ in range(rng.randint(1, 200)))
            elif kind == 1:   # a real message with bytes flipped: parsers must cope
                datagram = bytearray(rng.choice(valid))
                for _ in range(rng.randint(1, 4)):
                    datagram[rng.randrange(len(datagram))] = rng.randrange(256)
                datagram = bytes(datagram)
            else:             # well-formed, but odd addresses and values
                address = rng.choice(["/live/gain", "/live/network", "/live/speed",
                                      "/live/blackout", "/live/nothing", "/", "/live/learn",
                                      "/live/network/next", "/live/tempo", "/other/gain"])
                value = rng.choice([rng.uniform(-1e6, 1e6), rng.randint(-5, 10), "text",
                                    float("nan"), float("inf"), True, b"\x00\x01"])
                datagram = build_msg(address, value).dgram
            sender.sendto(datagram, hub.osc_address)
            packets += 1
            if index % 100 == 0:
                events += hub.poll()
        sender.sendto(build_msg("/live/hud", 1).dgram, hub.osc_address)
        packets += 1
        wait_for(lambda: events.extend(hub.poll()) or hub.stats["osc_received"] >= packets)
        stats = hub.stats
    assert_playable(events)
    assert events[-1].name == "hud"
    assert stats["osc_received"] >= packets  # a bundle may carry several messages
    assert stats["osc_ignored"] >= 500       # at least the noise
    assert stats["osc_received"] - stats["osc_ignored"] >= len(events)


def test_out_of_range_and_unknown_osc_are_counted_one_by_one(control_config):
    bad = [("/live/gain", 1.5), ("/live/gain", -0.1), ("/live/network", NETWORKS),
           ("/live/network", 1.5), ("/live/blackout", 2), ("/live/tempo", 1000.0),
           ("/live/speed", float("nan")), ("/live/unknown", 1.0), ("/live/gain/extra", 0.2),
           ("/live/learn", "volume")]
    with open_hub(control_config) as hub, \
            socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
        for address, value in bad:
            sender.sendto(build_msg(address, value).dgram, hub.osc_address)
        assert wait_for(lambda: hub.poll() == [] and hub.stats["osc_received"] == len(bad))
        assert hub.stats["osc_ignored"] == len(bad)
        assert hub.stats["events"] == 0
