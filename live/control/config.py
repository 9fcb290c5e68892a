"""``[control]``: MIDI controllers, OSC and the keyboard."""

from __future__ import annotations

from dataclasses import dataclass, field

from live.contracts.parameters import parameter
from live.contracts.schema import param


@dataclass
class MidiConfig:
    """``[control.midi]``: controllers, each described by a map file (see ``config/midi/``)."""

    maps: list[str] = param([], "MIDI map files (relative to the show file, else shipped with "
                                "gance-live), one per kind of controller, e.g. "
                                "\"midi/korg-nanokontrol2.toml\"; every port whose name "
                                "contains the map's `port` is opened with it")
    ports: list[str] = param([], "port name substrings replacing each map's own `port`, in the "
                                 "order of `maps` (\"\" keeps the map's); empty = use the maps'")
    api: str = param("alsa", "MIDI system: ALSA on a show machine, JACK where a JACK server runs",
                     choices=("alsa", "jack"))
    client_name: str = param("gance-live", "name our MIDI client shows to the system; ports "
                                           "of this client are never opened as inputs")
    rescan_seconds: float = param(1.0, "how often missing controllers are looked for "
                                       "(hot-plug)", range=(0.05, 60.0))
    feedback: bool = param(True, "light pads/buttons to show the active network and toggles "
                                 "on controllers whose map has LED values")


@dataclass
class OscConfig:
    """``[control.osc]``: the OSC server (``gance-live osc-doc`` prints its addresses)."""

    enabled: bool = param(True, "listen for OSC (TouchOSC, Resolume, TouchDesigner)")
    host: str = param("127.0.0.1", "address to listen on; \"0.0.0.0\" to accept other machines")
    port: int = param(8000, "UDP port to listen on (TouchOSC sends to 8000 by default); "
                            "0 picks a free one", range=(0, 65535))
    send_host: str = param("127.0.0.1", "where the show state is sent, so a layout shows "
                                        "the truth")
    send_port: int = param(0, "UDP port the state is sent to (TouchOSC listens on 9000 by "
                              "default); 0 = send nothing", range=(0, 65535))


@dataclass
class TempoConfig:
    """``[control.tempo]``: where the show's beat comes from (the tempo_source parameter
    switches it during the show)."""

    source: str = param("tap", "tempo and beat at the start: tap (the show leads), analysis "
                               "(of the music), link (an Ableton Link session) or midi_clock",
                        choices=parameter("tempo_source").choices)
    link: bool = param(False, "join the Ableton Link session of this network even when not "
                              "following it, so tap tempo leads the session (always joined "
                              "when source is link)")
    link_quantum: float = param(4.0, "beats in a Link bar: peers agree on the phase within it",
                                range=(1.0, 16.0))
    midi_clock_port: str = param("", "MIDI input ports whose name contains this are followed "
                                     "as MIDI clock (24 ppqn, start/stop/continue, song "
                                     "position); \"\" = none")
    midi_clock_out: str = param("", "send the show's tempo as MIDI clock (24 ppqn, start and "
                                    "stop) to the output port whose name contains this; "
                                    "\"\" = none")


@dataclass
class ControlConfig:
    keyboard: bool = param(True, "keys in the output window: 1-9 networks, arrows gain, "
                                 "B blackout, H HUD, Esc quit")
    midi: MidiConfig = field(default_factory=MidiConfig)
    osc: OscConfig = field(default_factory=OscConfig)
    tempo: TempoConfig = field(default_factory=TempoConfig)
