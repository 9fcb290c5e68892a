"""ControlHub over real JACK MIDI ports and real UDP on 127.0.0.1."""

from __future__ import annotations

import socket
import time

import pytest
from pythonosc.osc_message_builder import build_msg
from pythonosc.osc_packet import OscPacket

from live.contracts.errors import ConfigError
from live.control.hub import ControlHub
from live.control.midi import MidiMap
from live.contracts.state import ControlEvent, ShowState

from tests.control.conftest import MAPS, FakeController, wait_for


def open_hub(cfg, network_count: int = 8) -> ControlHub:
    return ControlHub(cfg, time.monotonic, network_count, resolve=lambda p: MAPS / p)


def collect(hub: ControlHub, count: int, timeout: float = 5.0) -> list[ControlEvent]:
    """Poll as the conductor does until ``count`` events came (or time is up)."""
    events: list[ControlEvent] = []
    wait_for(lambda: events.extend(hub.poll()) or len(events) >= count, timeout)
    return events


def test_cc_and_notes_from_a_controller_become_timestamped_events(control_config):
    control_config.midi.maps = ["akai-apc-mini.toml"]
    with FakeController("APC MINI") as apc, open_hub(control_config) as hub:
        assert wait_for(lambda: hub.ports == [apc.source])
        before = time.monotonic()
        apc.send([0x90, 3, 127])        # bottom row pad 4: network 3
        apc.send([0x80, 3, 0])
        apc.send([0xB0, 56, 64])        # master fader near the gain's 0.5: picked up
        apc.send([0x90, 66, 127])       # blackout toggle
        events = collect(hub, 3)
    assert [(e.name, e.value) for e in events] == [
        ("network", 3.0), ("gain", pytest.approx(64 / 127)), ("blackout", 1.0)]
    assert all(e.source == f"midi:{apc.source}" for e in events)
    assert all(before <= e.time <= time.monotonic() for e in events)
    assert [e.time for e in events] == sorted(e.time for e in events)
    assert hub.stats["midi_received"] == 4 and hub.stats["events"] == 3


def test_several_controllers_at_once_each_with_its_map(control_config):
    control_config.midi.maps = ["akai-apc-mini.toml", "korg-nanokontrol2.toml"]
    with FakeController("APC MINI") as apc, FakeController("nanoKONTROL2") as nano, \
            open_hub(control_config) as hub:
        assert wait_for(lambda: len(hub.ports) == 2)
        apc.send([0x90, 1, 127])        # APC pad: network 1
        nano.send([0xB0, 33, 127])      # nanoKONTROL2 S2: network 1 as well, by CC
        nano.send([0xB0, 48, 127])      # M1: cue network 0
        events = collect(hub, 3)
    by_source = {(e.source.split(":")[1], e.name, e.value) for e in events}
    assert by_source == {(apc.client, "network", 1.0), (nano.client, "network", 1.0),
                         (nano.client, "crossfade_to", 0.0)}


def test_an_unplugged_controller_is_reconnected_by_name_and_nothing_else_stops(
        control_config):
    control_config.midi.maps = ["akai-apc-mini.toml", "korg-nanokontrol2.toml"]
    with FakeController("nanoKONTROL2") as nano, open_hub(control_config) as hub:
        apc = FakeController("APC MINI", client="stage-apc")
        with apc:
            assert wait_for(lambda: len(hub.ports) == 2)
            apc.send([0x90, 2, 127])
            assert [(e.name, e.value) for e in collect(hub, 1)] == [("network", 2.0)]
        # Pulled out: the other controller and the hub carry on.
        assert wait_for(lambda: hub.ports == [nano.source])
        nano.send([0xB0, 59, 127])
        assert [e.name for e in collect(hub, 1)] == ["next_network"]
        with FakeController("APC MINI", client="stage-apc") as apc_again:
            assert wait_for(lambda: len(hub.ports) == 2)
            apc_again.send([0x90, 5, 127])
            events = collect(hub, 1)
        assert [(e.name, e.value) for e in events] == [("network", 5.0)]
        stats = hub.stats
    assert stats["midi_disconnects"] >= 1 and stats["midi_reconnects"] == 1


def test_leds_follow_the_active_network_and_only_changes_are_sent(control_config):
    control_config.midi.maps = ["akai-apc-mini.toml"]
    with FakeController("APC MINI") as apc, open_hub(control_config) as hub:
        assert wait_for(lambda: hub.ports)
        state = ShowState(network=2)
        hub.feedback(state)
        assert wait_for(lambda: [0x90, 2, 1] in apc.leds)
        first = list(apc.leds)
        assert [0x90, 0, 0] in first and [0x90, 9, 1] in first  # pad 10: the cued network 1
        hub.feedback(state)
        time.sleep(0.1)
        assert apc.leds == first             # nothing changed, nothing sent
        state.network = 4
        hub.feedback(state)
        assert wait_for(lambda: len(apc.leds) == len(first) + 2)
        assert sorted(apc.leds[len(first):]) == [[0x90, 2, 0], [0x90, 4, 1]]


def test_a_fader_moved_elsewhere_is_picked_up_again(control_config):
    control_config.midi.maps = ["korg-nanokontrol2.toml"]
    with FakeController("nanoKONTROL2") as nano, open_hub(control_config) as hub:
        assert wait_for(lambda: hub.ports)
        nano.send([0xB0, 0, 64])
        assert [e.name for e in collect(hub, 1)] == ["gain"]
        hub.feedback(ShowState(gain=0.1))     # OSC or the keyboard moved the gain
        nano.send([0xB0, 0, 70])
        time.sleep(0.1)
        assert hub.poll() == []
        nano.send([0xB0, 0, 10])              # crosses 0.1: the fader has it again
        assert [(e.name, e.value) for e in collect(hub, 1)] == [("gain", 10 / 127)]


def test_osc_messages_become_events_and_bad_ones_are_counted(control_config):
    with open_hub(control_config, network_count=3) as hub:
        address = hub.osc_address
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
            for path, value in [("/live/gain", 0.25), ("/live/network", 2),
                                ("/live/blackout", True), ("/live/network/next", 1.0),
                                ("/live/network/next", 0.0), ("/live/gain", 7.0),
                                ("/live/network", 3), ("/live/nope", 1), ("/live/speed", "fast")]:
                sender.sendto(build_msg(path, value).dgram, address)
            events = collect(hub, 4)
            assert wait_for(lambda: hub.stats["osc_received"] == 9)
            stats = hub.stats
    assert [(e.source, e.name, e.value) for e in events] == [
        ("osc", "gain", 0.25), ("osc", "network", 2.0), ("osc", "blackout", 1.0),
        ("osc", "next_network", 1.0)]
    # gain 7 is out of range, network 3 of 3 does not exist, /live/nope and "fast" are unknown.
    assert stats["osc_ignored"] == 4


def test_state_goes_out_over_osc_on_change_only(control_config):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as layout:
        layout.bind(("127.0.0.1", 0))
        layout.settimeout(2.0)
        control_config.osc.send_port = layout.getsockname()[1]
        with open_hub(control_config) as hub:
            state = ShowState()
            hub.feedback(state)
            first = dict(_receive_all(layout))
            assert first["/live/gain"] == [0.5] and first["/live/network"] == [0]
            assert len(first) == len(vars(state))
            state.gain, state.blackout = 0.75, True
            hub.feedback(state)
            hub.feedback(state)
            assert _receive_all(layout) == [("/live/gain", [0.75]), ("/live/blackout", [1.0])]


def _receive_all(sock: socket.socket) -> list[tuple[str, list]]:
    messages = []
    while True:
        try:
            datagram = sock.recv(65536)
        except TimeoutError:
            return messages
        sock.settimeout(0.3)
        message = OscPacket(datagram).messages[0].message
        messages.append((message.address, list(message.params)))


def test_learn_inside_a_show_writes_a_user_map_beside_the_show_never_the_shipped_one(
        control_config, tmp_path, caplog):
    shipped = MAPS / "korg-nanokontrol2.toml"
    factory = shipped.read_bytes()
    show_file = tmp_path / "set.toml"
    learned = tmp_path / "set.korg-nanokontrol2.midi.toml"
    control_config.midi.maps = ["korg-nanokontrol2.toml"]

    def show_hub() -> ControlHub:
        return ControlHub(control_config, time.monotonic, 8, resolve=lambda p: MAPS / p,
                          show_file=show_file)

    with FakeController("nanoKONTROL2") as nano:
        with show_hub() as hub:
            assert wait_for(lambda: hub.ports)
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
                sender.sendto(build_msg("/live/learn", "network 6").dgram, hub.osc_address)
                assert wait_for(lambda: hub.poll() == [] and hub.stats["osc_received"] == 1)
            nano.send([0xB0, 20, 127])          # knob 5, unbound at the factory
            assert wait_for(lambda: hub.poll() == [] and hub.stats["learned"] == 1)
            nano.send([0xB0, 20, 127])          # now it picks network 6
            assert [(e.name, e.value) for e in collect(hub, 1)] == [("network", 6.0)]
        assert shipped.read_bytes() == factory
        assert MidiMap.load(learned).translate([0xB0, 20, 127]) == [("network", 6.0)]
        with show_hub() as hub:                 # the next show: the map, learned on top
            assert wait_for(lambda: hub.ports)
            nano.send([0xB0, 20, 127])
            nano.send([0xB0, 0, 64])            # fader 1 still does what the map says
            assert [e.name for e in collect(hub, 2)] == ["network", "gain"]
        learned.write_text("channel = 99\n")
        with show_hub() as hub:                 # a broken learned map: one line, map alone
            assert wait_for(lambda: hub.ports)
            nano.send([0xB0, 20, 127])
            nano.send([0xB0, 0, 64])
            assert [e.name for e in collect(hub, 1)] == ["gain"]
    assert f"{learned}: top level: channel: expected a channel from 1 to 16, got 99 (the " \
           f"show goes on without these learned bindings)" in caplog.text


def test_tap_tempo_gives_the_tempo_from_the_taps(control_config):
    control_config.midi.maps = ["korg-nanokontrol2.toml"]
    with FakeController("nanoKONTROL2") as nano, open_hub(control_config) as hub:
        assert wait_for(lambda: hub.ports)
        for _ in range(3):
            nano.send([0xB0, 46, 127])       # CYCLE
            nano.send([0xB0, 46, 0])
            time.sleep(0.25)
        events = collect(hub, 2)
    assert [e.name for e in events] == ["tempo", "tempo"]
    assert 60 / 0.35 < events[-1].value < 60 / 0.2   # about 240 bpm, JACK periods aside


def test_bad_control_config_is_a_one_line_config_error(control_config):
    control_config.midi.maps = ["korg-nanokontrol2.toml"]
    control_config.midi.ports = ["a", "b"]
    with pytest.raises(ConfigError, match=r"\[control.midi\] ports: expected one substring"):
        open_hub(control_config)
    control_config.midi.ports = []
    control_config.midi.maps = ["missing.toml"]
    with pytest.raises(ConfigError, match="missing.toml: no such MIDI map"):
        open_hub(control_config)


def test_an_osc_port_in_use_is_a_config_error(control_config):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("127.0.0.1", 0))
        control_config.osc.port = taken.getsockname()[1]
        with pytest.raises(ConfigError, match=r"\[control.osc\] cannot listen on 127.0.0.1:"):
            with open_hub(control_config):
                pass


def test_without_a_midi_system_the_hub_still_serves_osc(control_config, monkeypatch):
    monkeypatch.setenv("JACK_DEFAULT_SERVER", "no-such-jack-server")
    control_config.midi.maps = ["generic.toml"]
    with open_hub(control_config) as hub:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
            sender.sendto(build_msg("/live/hud", 1).dgram, hub.osc_address)
            events = collect(hub, 1)
        assert hub.ports == []
    assert [(e.name, e.value) for e in events] == [("hud", 1.0)]


def test_the_show_tempo_goes_out_as_midi_clock(control_config):
    """Start, then 24 ticks a beat at the show's tempo, to the port named; stop at the end."""
    control_config.tempo.midi_clock_out = "Drum Box"
    state = ShowState(tempo=150.0)
    with FakeController("Drum Box") as drums:
        with open_hub(control_config) as hub:
            hub.feedback(state)
            assert wait_for(lambda: drums.leds[:1] == [[0xFA]], timeout=10)
            start = time.monotonic()
            time.sleep(2.0)
            ticks = sum(message == [0xF8] for message in drums.leds)
            elapsed = time.monotonic() - start
        assert wait_for(lambda: drums.leds[-1] == [0xFC])
    expected = elapsed * 150.0 / 60.0 * 24
    assert abs(ticks - expected) < 0.1 * expected, (ticks, expected)
