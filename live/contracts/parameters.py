"""Every performable parameter and every action of the show, each declared once.

Everything else derives from these two tuples: the show state and its checks
(``state.py``), the OSC address tree and ``osc-doc``, MIDI map targets and their checks,
``midi-learn``, the window keys, the state sent back to OSC layouts, the conductor's HUD,
the event log and ``gance-live parameters`` (which the README's tables are checked against).
Adding a parameter is one :class:`Parameter` below plus the code that applies it (in the
latent instrument for stage "latents", the compositor for stage "output").
"""

from __future__ import annotations

from dataclasses import dataclass

KINDS = ("float", "network", "choice", "bool")
INDEX_KINDS = ("network", "choice")   # an int picking one of several (networks, choices)
STAGES = ("latents", "output", "show")
ARGUMENTS = ("press", "index", "beat")
# Pages of the generated TouchOSC layout (`gance-live osc-layout`), one per part of the show.
PAGES = ("audio", "latent", "look", "networks", "scenes")
_STAGE_PAGES = {"latents": "latent", "output": "look", "show": "audio"}


@dataclass(frozen=True)
class Parameter:
    """One performable parameter: a field of the show state that events set."""

    name: str                 # field, event name, OSC address /live/NAME, MIDI map target
    kind: str                 # "float", "network" (an index into [networks] files), "choice"
    #                           (an index into choices) or "bool"
    default: float | int | bool  # the value before the show's config or any event sets it
    help: str                 # one line for osc-doc, `gance-live parameters` and the README
    range: tuple[float, float] | None = None  # floats: events outside are refused, keys clamp
    stage: str = "latents"    # who applies it: "latents" (the W+ and network of each frame),
    #                           "output" (the compositor) or "show" (the conductor keeps it)
    hud: str = ""             # label on the HUD ("" = not shown); bools show it while on
    key: str = ""             # window key: floats "raise/lower", bools a toggle, networks "1-9"
    step: float = 0.0         # floats: how far one key press moves the value
    units: str = ""           # what the number counts, for the docs ("" = a plain factor)
    config: str = ""          # "section.key" of the show file whose value starts the show
    #                           ("" = the default above)
    choices: tuple[str, ...] = ()  # choice: the names the index picks (OSC takes names too)
    in_scenes: bool = True    # a scene snapshots and recalls it (not how the show is run:
    #                           the HUD, the tempo of the music, the morph time itself)
    page: str = ""            # TouchOSC layout page (PAGES); "" = networks for a network,
    #                           else by stage: latents -> latent, output -> look, show -> audio

    def __post_init__(self) -> None:
        assert self.kind in KINDS and self.stage in STAGES, self
        assert self.page in PAGES + ("",), self
        assert (self.range is not None) == (self.kind == "float"), self
        assert bool(self.choices) == (self.kind == "choice"), self
        assert self.kind != "choice" or 0 <= self.default < len(self.choices), self

    def options(self, network_count: int) -> int:
        """How many values an index kind can take (networks: the show's; choices: its
        names)."""
        assert self.kind in INDEX_KINDS, self
        return network_count if self.kind == "network" else len(self.choices)

    @property
    def fader_range(self) -> tuple[float, float]:
        """What a fader's travel covers unless a MIDI map says otherwise: a float's range,
        every choice, and networks 0 to 1 (a crossfade pair; maps name wider ranges)."""
        if self.range is not None:
            return self.range
        return (0.0, len(self.choices) - 1.0) if self.kind == "choice" else (0.0, 1.0)

    def label(self, value: float | int | bool) -> str:
        """The value as the HUD and the docs say it: a choice by its name."""
        if self.kind == "choice":
            return self.choices[int(value)]
        if self.kind == "bool":
            return "on" if value else "off"
        return f"{value:g}"

    @property
    def layout_page(self) -> str:
        """The TouchOSC layout page its control goes on."""
        if self.page:
            return self.page
        return "networks" if self.kind == "network" else _STAGE_PAGES[self.stage]


@dataclass(frozen=True)
class Action:
    """Something that happens once when its event arrives, rather than a value that stays."""

    name: str                 # event name and MIDI map target
    help: str                 # one line for osc-doc, `gance-live parameters` and the README
    argument: str = "press"   # "press": a button (OSC: none, or >= 0.5 on press);
    #                           "index": a number >= 0 saying which (a cue);
    #                           "beat": a beat position (tempo followers, never OSC)
    key: str = ""             # window key ("" = none)
    osc: str | None = None    # OSC address under /live; None: neither OSC nor MIDI reach it
    page: str = ""            # TouchOSC layout page (PAGES); "" = scenes for an index
    #                           (a cue), else latent

    def __post_init__(self) -> None:
        assert self.argument in ARGUMENTS and self.page in PAGES + ("",), self
        assert self.argument != "beat" or self.osc is None, self

    @property
    def layout_page(self) -> str:
        """The TouchOSC layout page its button goes on."""
        return self.page or ("scenes" if self.argument == "index" else "latent")


PARAMETERS: tuple[Parameter, ...] = (
    # How strongly the music moves the picture: the spectrum blend's alpha is
    # gain ** [latents] gain_curve, so the fader and the keys work on gain, never on alpha.
    Parameter("gain", "float", 0.5, "audio gain, how strongly the music moves the picture",
              range=(0.0, 1.0), hud="gain", key="up/down", step=0.05, config="latents.gain",
              page="audio"),
    # The network drawing the picture; keys 1-9 pick the first nine.
    Parameter("network", "network", 0, "the network on screen (0-based index)",
              hud="network", key="1-9"),
    # Weight of crossfade_to mixed into the picture (both networks draw every frame).
    Parameter("crossfade", "float", 0.0, "0 = network only, 1 = crossfade_to only",
              range=(0.0, 1.0), hud="crossfade"),
    # The network the crossfade fades to; the show starts with the second one cued.
    Parameter("crossfade_to", "network", 1, "the network cued for the crossfade "
              "(0-based index)", hud="to"),
    # Truncation toward the network's average W: below 1 tames the picture, above 1 wilds it.
    Parameter("truncation_psi", "float", 1.0, "pull toward the network's average picture; "
              "1 = none", range=(0.0, 2.0), hud="psi", config="networks.truncation_psi"),
    # The latent journey's clock runs at this multiple of show time.
    Parameter("speed", "float", 1.0, "latent journey speed (negative runs backwards)",
              range=(-8.0, 8.0), hud="speed", units="x show time"),
    # The journey's clock stops; the music still moves the picture through the gain.
    Parameter("freeze", "bool", False, "hold the latent where it is", hud="FROZEN", key="f"),
    # The output fades to black over [output] fade_time; the recording goes black too.
    Parameter("blackout", "bool", False, "output to black (fades over output.fade_time)",
              stage="output", hud="BLACKOUT", key="b"),
    # The performed look, applied in shaders/frame.frag after the static [output] look, to the
    # window and the recording alike. The output level, for fading the picture by hand.
    Parameter("master", "float", 1.0, "output level (after the [output] look; 0 = black)",
              range=(0.0, 1.0), stage="output", hud="master", key="m/n", step=0.05),
    # Contrast around mid grey, multiplying the show file's [output] contrast.
    Parameter("punch", "float", 1.0, "contrast, times [output] contrast; 1 = unchanged",
              range=(0.0, 2.0), stage="output", hud="punch"),
    Parameter("saturation", "float", 1.0, "colour saturation: 0 = grey, 1 = unchanged",
              range=(0.0, 2.0), stage="output", hud="sat"),
    # Rotates every colour's hue (HSV) by this angle: pure red at 180 becomes cyan.
    Parameter("hue", "float", 0.0, "hue rotation", range=(-180.0, 180.0), stage="output",
              hud="hue", units="degrees"),
    Parameter("invert", "bool", False, "invert the colours (a negative)", stage="output",
              hud="INVERT", key="i"),
    # Zoom into the network's frame about the pan point; the frame's placement stays as is.
    Parameter("zoom", "float", 1.0, "zoom into the frame (about the pan point)",
              range=(1.0, 4.0), stage="output", hud="zoom", key="z/x", step=0.25),
    # Where the zoom looks: -1 and 1 reach the frame's edges (at zoom 1 nothing moves).
    Parameter("pan_x", "float", 0.0, "zoomed view, -1 = left edge, 1 = right edge",
              range=(-1.0, 1.0), stage="output", hud="pan x"),
    Parameter("pan_y", "float", 0.0, "zoomed view, -1 = bottom edge, 1 = top edge",
              range=(-1.0, 1.0), stage="output", hud="pan y"),
    # Turns the picture inside its placed frame (unlike [output] rotation, which turns the
    # frame's placement); corners turned out of the frame show the background.
    Parameter("spin", "float", 0.0, "rotation of the picture about its centre, "
              "counter-clockwise", range=(-180.0, 180.0), stage="output", hud="spin",
              units="degrees"),
    # issue 11: audio to picture and latent. Applied in live/latents/instrument.py, in this
    # order: beat moves, style mix, truncation, directions and onset punch, then the blend.
    # Band gains weigh the spectrum's low / mid / high bands (log-spaced, blend.BAND_EDGES)
    # before it is blended: 0 = that band as in silence, 2 = twice the swing.
    Parameter("low_gain", "float", 1.0, "spectrum's low band (below ~750 Hz) in the blend",
              range=(0.0, 2.0), hud="low"),
    Parameter("mid_gain", "float", 1.0, "spectrum's mid band (~750 Hz - 6 kHz) in the blend",
              range=(0.0, 2.0), hud="mid"),
    Parameter("high_gain", "float", 1.0, "spectrum's high band (above ~6 kHz) in the blend",
              range=(0.0, 2.0), hud="high"),
    # How many W+ rows, from the first, the spectrum bends (whole rows; more = all of them).
    Parameter("blend_depth", "float", 18.0, "W+ rows (from the first) the spectrum bends",
              range=(0.0, 64.0), hud="depth", units="rows", config="latents.blend_depth"),
    # An onset pushes the W+ along the first semantic direction, then the push decays.
    Parameter("onset_push", "float", 0.0, "how far an onset pushes the picture (along "
              "direction 1)", range=(0.0, 4.0), hud="onset", units="std of W"),
    Parameter("onset_decay", "float", 0.3, "time constant of the onset push's decay",
              range=(0.02, 4.0), hud="decay", units="seconds"),
    # Every beat_every beats (of the show's tempo) a beat move: step the journey one stop on
    # (a walk one step; a projection one second), jump to the next of [latents] cues, or show
    # the next network (counted on top of the one the controller picked).
    Parameter("beat_every", "float", 0.0, "a beat move every this many beats (0 = off)",
              range=(0.0, 64.0), hud="every", units="beats"),
    Parameter("beat_move", "choice", 0, "what a beat move does", hud="move", key="v",
              choices=("step", "cue", "network")),
    # The knobs of the first eight semantic directions (PCA of the network's W, directions.py).
    *(Parameter(f"direction_{number}", "float", 0.0, f"push along semantic direction {number} "
                f"(PCA of the network's W)", range=(-3.0, 3.0), hud=f"dir{number}",
                units="std of W") for number in range(1, 9)),
    # Style mixing: rows from mix_row on move `mix` of the way to the W+ of the journey at the
    # next cue of [latents] cues (the cue after the last one jumped to; a walk, which has no
    # timeline, where it began): coarse rows (pose) from now, fine ones (texture) from a cue.
    Parameter("mix", "float", 0.0, "style mixing: 1 = rows from mix_row on come from the next "
              "cue", range=(0.0, 1.0), hud="mix"),
    Parameter("mix_row", "float", 8.0, "first W+ row style mixing takes from the next cue",
              range=(0.0, 64.0), hud="mix row", units="row"),
    # The neighbours walk's step size (from its next step on) and the network selection mode.
    Parameter("neighbours_sigma", "float", 0.35, "neighbours walk: size of each step",
              range=(0.0, 4.0), hud="sigma", units="z spread",
              config="latents.neighbours.sigma"),
    Parameter("selection", "choice", 0, "which network draws: manual = network and "
              "crossfade, loudness = by level, shuffle = every N onsets or beats", hud="select",
              choices=("manual", "loudness", "shuffle"), config="latents.selection.mode"),
    # The heads-up display on the window (frame rates, drops, latency, the values here).
    Parameter("hud", "bool", False, "heads-up display: frame rates, drops, latency, these "
              "values, GPU temperatures", stage="output",
              key="h", config="output.hud", in_scenes=False),
    # issue 12: layers. The GAN frame placed over the video layer ([video]): its size and
    # place on top of [output] placement, how much of it shows and how it mixes with the
    # video below (or the background when there is no video).
    Parameter("frame_scale", "float", 1.0, "size of the GAN frame, times its [output] "
              "placement", range=(0.05, 2.0), stage="output", hud="scale"),
    Parameter("frame_x", "float", 0.0, "GAN frame moved right by this part of the output "
              "width", range=(-1.0, 1.0), stage="output", hud="x"),
    Parameter("frame_y", "float", 0.0, "GAN frame moved down by this part of the output "
              "height", range=(-1.0, 1.0), stage="output", hud="y"),
    Parameter("frame_opacity", "float", 1.0, "how much of the GAN frame covers the video "
              "below it", range=(0.0, 1.0), stage="output", hud="opacity"),
    Parameter("frame_blend", "choice", 0, "how the GAN frame mixes with the video below it",
              stage="output", hud="blend", choices=("normal", "add", "screen", "multiply")),
    # GANce's eye overlays ([overlays]): the source video's eyes over the synthesized ones
    # when they line up (phash distance and box distance within these, for a track).
    Parameter("eyes", "bool", True, "source-video eye overlays (when [overlays] eyes is set)",
              stage="output", hud="EYES"),
    Parameter("eye_hash", "float", 30.0, "largest phash distance of two eye regions that "
              "still match", range=(0.0, 64.0), stage="output", hud="eye hash", units="bits"),
    Parameter("eye_distance", "float", 50.0, "eye boxes match when their centres are closer "
              "than this", range=(0.0, 1024.0), stage="output", hud="eye dist",
              units="pixels of the network's frame"),
    Parameter("eye_track", "float", 5.0, "matching frames in a row before the overlay shows",
              range=(1.0, 60.0), stage="output", hud="eye track", units="frames"),
    Parameter("eye_fade", "float", 0.2, "seconds the eye overlay takes to fade in or out",
              range=(0.0, 5.0), stage="output", hud="eye fade", units="seconds"),
    # Beats per minute for beat-synced moves, set by tap tempo; the show keeps and sends it.
    Parameter("tempo", "float", 120.0, "beats per minute for beat-synced moves",
              range=(20.0, 300.0), stage="show", hud="bpm", units="bpm", in_scenes=False),
    # issue 11: output look and scenes.
    # Feedback trails: each output period the frame is mixed with the previous period's
    # trail picture (before the look, so window and recording trail alike): bright things
    # leave trails that fade over trail_time. 0 = off.
    Parameter("feedback", "float", 0.0, "feedback trails: how much of the previous picture "
              "stays (0 = off)", range=(0.0, 1.0), stage="output", hud="trails"),
    Parameter("trail_time", "float", 1.0, "how long a trail takes to fade to a tenth",
              range=(0.05, 10.0), stage="output", hud="trail s", units="seconds"),
    # A flash to white at each strobe_every beats of the shown frame's beat position,
    # fading over a quarter beat; 0 = off.
    Parameter("strobe", "float", 0.0, "white flash on the beat (0 = off)", range=(0.0, 1.0),
              stage="output", hud="strobe"),
    Parameter("strobe_every", "choice", 1, "beats between strobe flashes", stage="output",
              hud="every", choices=("1/2", "1", "2", "4"), units="beats"),
    # A scene recall glides float parameters to the scene's values over this time.
    Parameter("scene_morph", "float", 2.0, "how long a scene recall glides", range=(0.0, 30.0),
              stage="show", hud="morph", units="seconds", in_scenes=False, page="scenes"),
    # issue 18: the set. Rehearsing one song: when its audio ends it starts again (audio and
    # picture) instead of the set moving on.
    Parameter("loop_song", "bool", False, "rehearsal: at the end of the song's audio play the "
              "song again instead of moving on", stage="show", hud="LOOP SONG", key="l",
              in_scenes=False),
    # --- booth (issue 15): where the beat comes from. The followers (live/control/tempo.py,
    # link.py, clock.py) turn the chosen source into tempo and beat_sync events, so a replayed
    # show lands on the same beats; with "tap" the show leads and sends its tempo to Link.
    Parameter("tempo_source", "choice", 0, "where tempo and beat come from: tap (the show "
              "leads), the music's analysis, an Ableton Link session, or MIDI clock",
              stage="show", hud="beat", choices=("tap", "analysis", "link", "midi_clock"),
              config="control.tempo.source", in_scenes=False),
)

ACTIONS: tuple[Action, ...] = (
    # Step through [networks] files, wrapping around at either end.
    Action("next_network", "show the next network", key="right", osc="/network/next",
           page="networks"),
    Action("previous_network", "show the previous network", key="left",
           osc="/network/previous", page="networks"),
    # Jump the latent journey to a time of [latents] cues; the C key jumps to the first.
    Action("cue", "jump the latent journey to a cue of [latents] cues", argument="index",
           key="c", osc="/cue"),
    # Write the journey's current W as a .npy keyframe for later shows.
    Action("save_favourite", "save the current W to out/favourites/ (a keyframe for later "
           "shows)", key="s", osc="/favourite"),
    # Taps on the beat set tempo; the control hub turns the taps' timing into tempo events.
    Action("tap_tempo", "tap tempo: tap on the beat", osc="/tap", page="audio"),
    # issue 11: output look and scenes. Scene N holds every parameter's value, in
    # SHOW.scenes.toml beside the show file; F1-F8 recall scenes 1-8, shift+F1-F8 save them.
    Action("scene_save", "save every parameter's value as scene N", argument="index",
           key="shift+f1-f8", osc="/scene/save"),
    Action("scene_recall", "recall scene N, gliding over scene_morph seconds",
           argument="index", key="f1-f8", osc="/scene"),
    # issue 18: the set. Moving through [[songs]], each arriving with its own transition;
    # PageDown / PageUp are what a presentation clicker sends.
    Action("next_song", "go to the next song of the set", key="page_down", osc="/song/next",
           page="scenes"),
    Action("previous_song", "go to the previous song of the set", key="page_up",
           osc="/song/previous", page="scenes"),
    Action("song", "go to a song of the set (0 = the first)", argument="index", osc="/song"),
    # End the show (the recording is finalised). Only the window's Esc reaches it, after a
    # confirmation, so one stray pad or packet cannot end a show.
    Action("quit", "quit (the recording is finalised)", key="escape"),
    # --- booth (issue 15): the beat position an external clock (Link, MIDI clock) says at the
    # event's show time; the conductor's BeatClock takes it as the beat from there on.
    Action("beat_sync", "the followed clock's beat position at this time", argument="beat"),
)

_PARAMETERS = {p.name: p for p in PARAMETERS}
_ACTIONS = {a.name: a for a in ACTIONS}
assert not set(_PARAMETERS) & set(_ACTIONS), "a name is both a parameter and an action"


def parameter(name: str) -> Parameter | None:
    """The declaration of parameter ``name``; None when there is none."""
    return _PARAMETERS.get(name)


def action(name: str) -> Action | None:
    """The declaration of action ``name``; None when there is none."""
    return _ACTIONS.get(name)


def remote_actions() -> tuple[Action, ...]:
    """The actions OSC and MIDI reach (everything but quit)."""
    return tuple(a for a in ACTIONS if a.osc is not None)
