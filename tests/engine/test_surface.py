"""The instrument's surface, end to end: every declared parameter over OSC in a running show,
and the window's keys resolved against the show's true state.

One real show plays in a window under Xvfb (two networks, the neighbours walk, a loop of a
steady chord with a click per loop, OSC on, the state sent back to a UDP socket standing in
for a TouchOSC layout). The test walks every declared
parameter, sets it over OSC and sees its effect: in the frames (the slot header or the drawn
pixels' mean in the frame log), on the screen (blackout, HUD, the performed look against a
numpy reference of the still picture, the trails a picture change leaves) or in the state
sent back. Then it presses keys with xdotool and reads what the conductor logged.
"""

from __future__ import annotations

import colorsys
import json
import os
import socket
import subprocess
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pytest
from pythonosc.osc_message import OscMessage
from pythonosc.osc_message_builder import build_msg

from live.contracts.parameters import PARAMETERS, parameter
from live.control.link import LinkSession
from tests.support.xvfb import geometry, screenshot, windows, xvfb
from tests.support.showrun import (free_udp_port, interrupt, make_show, read_frame_log,
                                  start_cli, write_loop)

pytestmark = [pytest.mark.slow, pytest.mark.display]

WAIT_S = 90.0         # a loaded machine draws a few frames a second at worst
GAIN_CURVE = 2.0      # alpha = gain ** 2: the header's "gain" is not the gain
LOOP_RATE, HOP = 22050, 512   # the show's loop and its analysis hop ([audio] hop)
LINK_PEER_TEMPO = 93.0


class Show:
    """The running show: OSC in, state out, frame log, window."""

    def __init__(self, process: subprocess.Popen, frames: Path, osc_port: int,
                 layout: socket.socket, display: str) -> None:
        self.process, self.frames, self.osc_port = process, frames, osc_port
        self.layout, self.display = layout, display
        self.state_out: dict[str, Any] = {}

    def send(self, name: str, value: Any) -> None:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
            sender.sendto(build_msg(f"/live/{name}", value).dgram, ("127.0.0.1", self.osc_port))

    def rows_after(self, index: int, count: int, where: Callable[[dict], bool] = lambda r: True
                   ) -> list[dict]:
        """``count`` frame-log rows past frame ``index`` that match ``where`` (waits)."""
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            rows = [r for r in read_frame_log(self.frames) if r["index"] > index and where(r)]
            if len(rows) >= count:
                return rows[:count]
            self.alive()
            time.sleep(0.1)
        raise AssertionError(f"no {count} frames after {index} as wanted in {WAIT_S} s")

    def last_index(self) -> int:
        return max((r["index"] for r in read_frame_log(self.frames)), default=-1)

    def state_sent(self, name: str, value: float) -> None:
        """Wait until the show sends ``/live/NAME value`` back: its true state has it."""
        deadline = time.monotonic() + WAIT_S
        while self.state_out.get(name) != pytest.approx(value):
            assert time.monotonic() < deadline, f"{name} never went out as {value}"
            self.alive()
            try:
                message = OscMessage(self.layout.recv(65536))
            except socket.timeout:
                continue
            self.state_out[message.address.rpartition("/")[2]] = message.params[0]

    def window_box(self) -> tuple[int, int, int, int]:
        [window] = windows(self.display, "^gance-live$")
        return geometry(self.display, window)

    def screen_until(self, check: Callable[[np.ndarray], bool]) -> np.ndarray:
        """Screenshots of the output window until ``check`` holds; the last one either way."""
        x, y, width, height = self.window_box()
        deadline = time.monotonic() + WAIT_S
        while True:
            image = screenshot(self.display)[y:y + height, x:x + width]
            if check(image) or time.monotonic() > deadline:
                return image
            time.sleep(0.2)

    def keys(self, *names: str) -> None:
        [window] = windows(self.display, "^gance-live$")
        environment = {**os.environ, "DISPLAY": self.display}
        subprocess.run(["xdotool", "windowfocus", "--sync", str(window)], env=environment,
                       check=True, timeout=30)
        for name in names:
            subprocess.run(["xdotool", "key", name], env=environment, check=True, timeout=30)

    def alive(self) -> None:
        assert self.process.poll() is None, self.process.stderr.read()[-2000:]


def static(rows: list[dict]) -> bool:
    return max(r["mean"] for r in rows) - min(r["mean"] for r in rows) < 1e-3


def settled(rows: list[dict]) -> float:
    """The mean of the picture most of ``rows`` show (the loop's click moves a few)."""
    return float(np.median([r["mean"] for r in rows]))


def frame_square(image: np.ndarray) -> np.ndarray:
    """The square frame fitted in the middle of a window's screenshot, as floats."""
    height, width = image.shape[:2]
    side = min(height, width)
    top, left = (height - side) // 2, (width - side) // 2
    return image[top:top + side, left:left + side].astype(float)


def viewed(frame: np.ndarray, zoom: float = 1.0, pan_x: float = 0.0, pan_y: float = 0.0,
           spin: float = 0.0) -> np.ndarray:
    """``frame`` zoomed, panned and spun as shaders/frame.frag maps them (nearest samples;
    what leaves the frame is the black background)."""
    side = frame.shape[0]
    rows, columns = np.mgrid[0:side, 0:side] + 0.5 - side / 2
    turn = np.radians(spin)
    u = (np.cos(turn) * columns - np.sin(turn) * rows) / (side * zoom) \
        + 0.5 + 0.5 * pan_x * (1 - 1 / zoom)
    v = (np.sin(turn) * columns + np.cos(turn) * rows) / (side * zoom) \
        + 0.5 - 0.5 * pan_y * (1 - 1 / zoom)
    inside = (u >= 0) & (u <= 1) & (v >= 0) & (v <= 1)
    picked = frame[np.clip((v * side).astype(int), 0, side - 1),
                   np.clip((u * side).astype(int), 0, side - 1)]
    return np.where(inside[..., None], picked, 0.0)


def placed(frame: np.ndarray, scale: float, right: float = 0.0, down: float = 0.0
           ) -> np.ndarray:
    """``frame`` scaled by ``scale`` about its centre and moved ``right`` and ``down`` pixels,
    on the black background (nearest samples)."""
    side = frame.shape[0]
    rows, columns = np.mgrid[0:side, 0:side] + 0.5
    u = (columns - side / 2 - right) / (side * scale) + 0.5
    v = (rows - side / 2 - down) / (side * scale) + 0.5
    inside = (u >= 0) & (u < 1) & (v >= 0) & (v < 1)
    picked = frame[np.clip((v * side).astype(int), 0, side - 1),
                   np.clip((u * side).astype(int), 0, side - 1)]
    return np.where(inside[..., None], picked, 0.0)


def hue_turned(frame: np.ndarray, degrees: float) -> np.ndarray:
    turn = np.vectorize(lambda r, g, b: colorsys.hsv_to_rgb(
        (colorsys.rgb_to_hsv(r, g, b)[0] + degrees / 360) % 1.0,
        *colorsys.rgb_to_hsv(r, g, b)[1:]))
    return np.stack(turn(*np.moveaxis(frame / 255, 2, 0)), axis=2) * 255


@pytest.fixture
def show(tmp_path):
    show_file = make_show(tmp_path)
    # A steady chord with a tone in each band of the band gains and a click (an onset) at the
    # start of each loop; whole cycles per analysis hop, so the spectrum is the same at every
    # hop but the click's few.
    write_loop(tmp_path / "loop.wav", tones=tuple(k * LOOP_RATE / HOP for k in (3, 26, 155)),
               click=True, rate=LOOP_RATE, samples=86 * HOP)
    port = free_udp_port()
    with xvfb(320, 240) as display, \
            socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as layout:
        layout.bind(("127.0.0.1", 0))
        layout.settimeout(0.2)
        process = start_cli(
            "run", show_file, "--seconds", 600, "--frame-log", tmp_path / "frames.jsonl",
            "--log-events", tmp_path / "events.jsonl", "--set", "control.osc.enabled=true",
            "--set", f"control.osc.port={port}",
            "--set", f"control.osc.send_port={layout.getsockname()[1]}",
            "--set", f"latents.gain_curve={GAIN_CURVE}", "--set", "output.fade_time=0.1",
            "--set", "latents.source=neighbours",
            "--set", "latents.neighbours.seconds_per_step=0.5",
            "--set", "audio.release=0.02",
            display=display, cwd=tmp_path)
        try:
            yield Show(process, tmp_path / "frames.jsonl", port, layout, display)
        finally:
            interrupt(process)


def test_every_parameter_over_osc_and_keys_resolved_against_the_true_state(show, tmp_path):
    moving = show.rows_after(-1, 4)
    assert not static(moving), "the journey should move the picture before anything is set"
    last_static: list[float] = []   # the means of the still pictures so far
    base: list[np.ndarray] = []     # the still picture on screen before any look is played

    def walk(name: str, value: Any, check: Callable[[], None]) -> None:
        show.send(name, value)
        check()

    def sent_at() -> int:
        return show.last_index()

    def frames_with(where: Callable[[dict], bool], count: int = 3) -> list[dict]:
        return show.rows_after(sent_at(), count, where)

    def changed_and_static(where: Callable[[dict], bool] = lambda r: True) -> None:
        """The picture moved away from the last still one and holds still again."""
        before = last_static[-1]
        [first] = frames_with(lambda r: where(r) and abs(r["mean"] - before) > 1e-3, 1)
        still = show.rows_after(first["index"], 3)
        assert static(still), "the picture should hold still while frozen"
        last_static.append(still[-1]["mean"])

    def gain_check() -> None:   # the W+ sent changes: no spectrum blended in
        frames_with(lambda r: r["gain"] == 0.0)

    def freeze_check() -> None:
        rows = show.rows_after(sent_at() + 2, 4)   # frames in flight at the send may move
        assert static(rows), "frozen with no audio blend, the picture should hold still"
        last_static.append(rows[-1]["mean"])

    def speed_check() -> None:  # unfrozen at speed 0, the journey still does not move
        show.send("freeze", 0)
        show.state_sent("freeze", 0.0)
        rows = show.rows_after(sent_at(), 4)
        assert static(rows) and abs(rows[-1]["mean"] - last_static[-1]) < 1e-3
        base.append(frame_square(show.screen_until(lambda im: True)))

    def blackout_check() -> None:
        image = show.screen_until(lambda im: im.max() < 16)
        assert image.max() < 16, "the window should fade to black"

    def hud_check() -> None:
        image = show.screen_until(lambda im: (im > 150).sum() > 50)
        assert (image > 150).sum() > 50, "the HUD's text should be on the blacked-out window"


    def looks_like(expected: Callable[[np.ndarray], np.ndarray], levels: float) -> None:
        """The window shows ``expected(base)`` within a mean of ``levels`` (the screen's
        bicubic upscale and 8-bit rounding against a numpy reference of the still frame)."""
        want = expected(base[0])

        def error(image: np.ndarray) -> float:
            return float(np.abs(frame_square(image) - want).mean())
        image = show.screen_until(lambda im: error(im) <= levels)
        assert error(image) <= levels, f"screen off the expected look by {error(image):.1f}"

    def look_check(expected: Callable[[np.ndarray], np.ndarray], levels: float = 3.0,
                   rest: tuple[str, ...] = ()) -> Callable[[], None]:
        """Check the look, then put the named parameters back to rest (and see the still
        picture again), so each colour is checked alone and the walk goes on unchanged."""
        def check() -> None:
            looks_like(expected, levels)
            for name in rest:
                show.send(name, parameter(name).default)
            if rest:
                looks_like(lambda frame: frame, 1.0)
        return check

    def grey(frame: np.ndarray) -> np.ndarray:
        return np.repeat(frame @ np.array([[0.2126], [0.7152], [0.0722]]), 3, axis=2)

    # The instrument's audio-to-picture and latent parameters (issue 11), on the still picture
    # (frozen, no blend) unless the music has to play: then on the settled picture of a steady
    # chord, whose click each loop moves a few frames.
    heard: list[float] = []   # the settled means of the picture while the chord is blended

    def onset_check() -> None:   # each loop's click pushes the picture away, and it decays
        rows = show.rows_after(sent_at() + 2, 20)   # a loop (2 s) holds a click
        assert max(abs(r["mean"] - last_static[-1]) for r in rows) > 0.05, "no onset push"
        heard.append(sum(abs(r["mean"] - last_static[-1]) < 1e-3 for r in rows))

    def decay_check() -> None:   # a short decay: still again between the clicks
        rows = show.rows_after(sent_at() + 2, 20)
        still = sum(abs(r["mean"] - last_static[-1]) < 1e-3 for r in rows)
        assert still >= heard.pop() + 8, "a short onset decay should leave the picture still"
        show.send("onset_push", 0.0)
        show.send("gain", 1.0)   # the music blended in full, for the band checks
        rows = show.rows_after(sent_at() + 4, 11, lambda r: r["gain"] == 1.0)
        heard.append(settled(rows))

    def heard_changed() -> None:
        rows = show.rows_after(sent_at() + 2, 11)
        assert abs(settled(rows) - heard[-1]) > 0.01, "the blended music should look different"
        heard.append(settled(rows))

    def beat_step_check() -> None:   # a neighbour step every beat, the picture still between
        show.send("gain", 0.0)
        rows = show.rows_after(sent_at() + 4, 20)
        assert len({round(r["mean"], 3) for r in rows}) >= 3, "beats should step the walk"

    def beat_network_check() -> None:
        rows = show.rows_after(sent_at() + 2, 20)
        assert {r["network"] for r in rows} == {0, 1}, "beats should move the network on"

    def sigma_check() -> None:   # sigma 0: the beats' steps land where the walk is
        show.send("beat_move", 0)
        still = show.rows_after(sent_at() + 15, 12)
        assert static(still), "steps of size 0 should leave the picture still"
        show.send("beat_every", 0.0)
        last_static.append(still[-1]["mean"])

    def selection_check() -> None:   # loudness crossfades by the chord's level, not by hand
        frames_with(lambda r: r["crossfade"] not in (0.0, 0.5))
        show.send("selection", 0)

    def flashed(image: np.ndarray) -> tuple[float, float]:
        """How far toward white the still picture is on ``image`` (fitted), and the mean
        error of that fit."""
        room = 255 - base[0]
        flash = float(((frame_square(image) - base[0]) * room).sum() / (room * room).sum())
        return flash, float(np.abs(frame_square(image) - (base[0] + flash * room)).mean())

    def strobe_check() -> None:   # some screenshot catches a flash of the still picture
        image = show.screen_until(lambda im: flashed(im)[0] > 0.3)
        flash, error = flashed(image)
        assert flash > 0.3 and error <= 4.0, f"no flash on screen ({flash:.2f}, {error:.1f})"

    def strobe_every_check() -> None:   # every other beat: flashes on even beats only
        show.state_sent("strobe_every", 2)   # the compositor was told before what follows
        flashes = show.rows_after(sent_at() + 1, 4, lambda r: r["flash"] > 0.0)
        assert all(int(r["beat"]) % 2 == 0 for r in flashes), flashes
        show.send("strobe", 0.0)
        looks_like(lambda frame: frame, 1.0)

    trailed: list[np.ndarray] = []   # the screen once the picture changed under long trails

    def feedback_check() -> None:   # a picture change leaves the old picture's bright parts
        show.send("trail_time", 10.0)
        show.state_sent("trail_time", 10.0)   # the compositor was told before (trails on)
        show.send("crossfade", 1.0)
        frames_with(lambda r: r["crossfade"] == 1.0, 1)
        # The screen once the new picture is on it (a loaded machine may swap a little later).
        trailed.append(frame_square(show.screen_until(
            lambda im: np.abs(frame_square(im) - base[0]).mean() > 3.0)))

    def trail_time_check() -> None:
        """Short trails leave the new picture alone on screen. Where the old picture was
        brighter than the new one, the screen under long trails held it, faded: it was
        max(new, old * keep) for some keep (where the new one is brighter, no trail shows)."""
        time.sleep(1.0)
        new = frame_square(show.screen_until(lambda im: True))
        old, screen = base[0], trailed[0]
        darker = old > new + 16   # each colour channel where the old picture can trail
        assert darker.mean() > 0.1, "the crossfade should darken part of the picture"
        shown = float((screen - new)[darker].mean())
        assert shown > 8.0, f"the old picture should trail on screen ({shown:.1f} levels)"
        errors = {keep: float(np.abs(np.maximum(new, old * keep) - screen)[darker].mean())
                  for keep in np.linspace(0.0, 1.0, 41)}
        keep = min(errors, key=errors.get)
        assert keep >= 0.2 and errors[keep] <= 6.0, \
            f"trails off by {errors[keep]:.1f} levels (best fade {keep:.2f})"

    scenes = tmp_path / "show.scenes.toml"

    def scene_check() -> None:   # saved, changed, recalled: saturation glides back over 1 s
        show.send("scene/save", 3)
        deadline = time.monotonic() + WAIT_S
        while not scenes.exists():
            assert time.monotonic() < deadline, "scene 3 was never saved"
            time.sleep(0.1)
        show.send("saturation", 0.0)
        show.state_sent("saturation", 0.0)
        show.send("scene", 3)
        show.state_sent("saturation", 1.0)
        # The trails' crossfade moved the picture: the latent checks start from where it holds.
        still = show.rows_after(sent_at() + 2, 3)
        assert static(still), "the picture should hold still after the scene recall"
        last_static.append(still[-1]["mean"])

    plan = [
        ("gain", 0.0, gain_check),
        ("freeze", 1, freeze_check),
        # Network 0 fades toward 1; then 1 is on screen (no fade to itself); then it fades to 0.
        ("crossfade", 0.5, lambda: changed_and_static(lambda r: r["crossfade"] == 0.5)),
        ("network", 1, lambda: changed_and_static(lambda r: r["network"] == 1)),
        ("crossfade_to", 0, lambda: changed_and_static(lambda r: r["crossfade_to"] == 0)),
        ("truncation_psi", 0.25, changed_and_static),
        ("speed", 0.0, speed_check),
        # The performed look on the still picture; zoom, pan and spin build on one another.
        ("master", 0.5, look_check(lambda frame: frame * 0.5, rest=("master",))),
        ("punch", 0.0, look_check(lambda frame: np.full_like(frame, 127.5), rest=("punch",))),
        ("saturation", 0.0, look_check(grey, rest=("saturation",))),
        ("hue", 180.0, look_check(lambda frame: hue_turned(frame, 180.0), rest=("hue",))),
        ("invert", 1, look_check(lambda frame: 255 - frame, rest=("invert",))),
        ("zoom", 2.0, look_check(lambda frame: viewed(frame, 2.0), levels=6.0)),
        ("pan_x", 1.0, look_check(lambda frame: viewed(frame, 2.0, 1.0), levels=6.0)),
        ("pan_y", -1.0, look_check(lambda frame: viewed(frame, 2.0, 1.0, -1.0), levels=6.0)),
        ("spin", 90.0, look_check(lambda frame: viewed(frame, 2.0, 1.0, -1.0, 90.0), levels=6.0,
                                  rest=("zoom", "pan_x", "pan_y", "spin"))),
        # issue 12: the frame placed (its window is the output: moves are in its pixels),
        # then mixed over what is below it (no video here: the black background).
        ("frame_scale", 0.5, look_check(lambda frame: placed(frame, 0.5), levels=8.0)),
        ("frame_x", 0.1, look_check(lambda frame: placed(frame, 0.5, 0.1 * frame.shape[1]),
                                    levels=8.0)),
        ("frame_y", -0.1, look_check(
            lambda frame: placed(frame, 0.5, 0.1 * frame.shape[1], -0.1 * frame.shape[0]),
            levels=8.0, rest=("frame_scale", "frame_x", "frame_y"))),
        ("frame_opacity", 0.5, look_check(lambda frame: frame * 0.5, rest=("frame_opacity",))),
        ("frame_blend", 3, look_check(np.zeros_like, rest=("frame_blend",))),
        # The eye overlays need a projection with faces: their drawn effect is checked in
        # tests/overlay/test_show_layers.py; here, that the show takes them as its state.
        ("eyes", 0, lambda: show.state_sent("eyes", 0.0)),
        ("eye_hash", 12.0, lambda: show.state_sent("eye_hash", 12.0)),
        ("eye_distance", 80.0, lambda: show.state_sent("eye_distance", 80.0)),
        ("eye_track", 8.0, lambda: show.state_sent("eye_track", 8.0)),
        ("eye_fade", 1.0, lambda: show.state_sent("eye_fade", 1.0)),
        ("strobe", 1.0, strobe_check),
        ("strobe_every", "2", strobe_every_check),
        # Trails after the looks: the picture they leave is no longer the still one the
        # looks use. The latent parameters then work on the frame log's means.
        ("feedback", 1.0, feedback_check),
        ("trail_time", 0.05, trail_time_check),
        ("scene_morph", 1.0, scene_check),
        *((f"direction_{n}", 2.0 * (-1) ** n, changed_and_static) for n in range(1, 9)),
        ("mix", 1.0, changed_and_static),
        ("mix_row", 2.0, changed_and_static),
        ("onset_push", 4.0, onset_check),
        ("onset_decay", 0.05, decay_check),
        ("low_gain", 0.0, heard_changed),
        ("mid_gain", 2.0, heard_changed),
        ("high_gain", 2.0, heard_changed),
        ("blend_depth", 1.0, heard_changed),
        ("beat_every", 1.0, beat_step_check),
        ("beat_move", 2, beat_network_check),
        ("neighbours_sigma", 0.0, sigma_check),
        ("selection", 1, selection_check),
        ("blackout", 1, blackout_check),
        ("hud", 1, hud_check),
        ("tempo", 200.0, lambda: show.state_sent("tempo", 200.0)),
        # Its effect on a set's audio is tests/engine/test_set.py's; this show has no songs.
        ("loop_song", 1, lambda: show.state_sent("loop_song", 1.0)),
        # Following Link, the show joins the session of the peer below and takes its tempo.
        ("tempo_source", "link", lambda: show.state_sent("tempo", LINK_PEER_TEMPO)),
    ]
    # A parameter declared without an effect check here fails: walk them all.
    assert sorted(name for name, _, _ in plan) == sorted(p.name for p in PARAMETERS)
    with LinkSession(LINK_PEER_TEMPO, 4.0, time.monotonic):   # the band's Ableton Live
        for name, value, check in plan:
            declared = parameter(name)   # a choice is sent by its name
            index = declared.choices.index(value) if isinstance(value, str) else value
            assert index != declared.default, name
            walk(name, value, check)

    # Keys: gain 0.5 shows as alpha 0.25; one "up" must step from 0.5, not from 0.25.
    show.send("gain", 0.5)
    show.rows_after(sent_at(), 1, lambda r: r["gain"] == pytest.approx(0.5 ** GAIN_CURVE))
    show.keys("Up")
    show.state_sent("gain", 0.5 + parameter("gain").step)
    # Freeze set by another source (OSC here, MIDI alike); F must unfreeze it.
    show.send("freeze", 1)
    show.state_sent("freeze", 1.0)
    show.keys("f")
    show.state_sent("freeze", 0.0)
    # Shift+F4 saves scene 4, F3 recalls scene 3 (saved over OSC above).
    show.keys("shift+F4")
    deadline = time.monotonic() + WAIT_S
    while "[scene.4]" not in scenes.read_text():
        assert time.monotonic() < deadline, "shift+F4 did not save scene 4"
        time.sleep(0.1)
    show.keys("F3")
    show.state_sent("blackout", 0.0)   # scene 3 was saved before the blackout: off at once
    show.keys("Escape", "y")
    show.process.wait(timeout=WAIT_S)
    assert show.process.returncode == 0, show.process.stderr.read()[-2000:]

    events = [json.loads(line) for line in (tmp_path / "events.jsonl").read_text().splitlines()]
    keyboard = [(e["name"], e["value"]) for e in events if e["source"] == "keyboard"]
    assert keyboard == [("gain", pytest.approx(0.5 + parameter("gain").step)),
                        ("freeze", 0.0), ("scene_save", 4.0), ("scene_recall", 3.0),
                        ("quit", 1.0)]
    osc = {e["name"] for e in events if e["source"] == "osc"}
    assert osc == {p.name for p in PARAMETERS} | {"scene_save", "scene_recall"}
    # The recall glided saturation back, eased, as logged events a replay plays alike.
    glide = [e["value"] for e in events if e["source"] == "scene 3" and e["name"] == "saturation"]
    assert len(glide) >= 3 and glide == sorted(glide) and glide[-1] == 1.0 and glide[0] < 0.5
