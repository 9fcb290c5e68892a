"""`gance-live render`: offline, deterministic, audio muxed, control events replayed."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest

from live.contracts.parameters import PARAMETERS
from live.contracts.state import ControlEvent, write_event_log
from tests.support.showrun import DEMO, ffprobe, read_frame_log, run_cli

pytestmark = pytest.mark.slow

FPS = 15


@pytest.fixture(scope="module")
def music():
    from live.audio.demo import demo_loop_path

    return demo_loop_path()


def frame_hashes(path) -> list[str]:
    """MD5 of every decoded video frame (ffmpeg's framemd5 muxer)."""
    result = subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), "-map", "0:v",
                             "-f", "framemd5", "-"], capture_output=True, text=True,
                            check=True, timeout=120)
    return [line.rsplit(",", 1)[1].strip() for line in result.stdout.splitlines()
            if line and not line.startswith("#")]


def render(tmp_path, name, music, *extra):
    out = tmp_path / f"{name}.mp4"
    log = tmp_path / f"{name}.jsonl"
    result = run_cli("render", DEMO, "--audio", music, "--out", out, "--frame-log", log, *extra)
    assert result.returncode == 0, result.stderr
    return out, read_frame_log(log)


def test_render_is_deterministic_and_muxes_the_audio(tmp_path, music):
    first, rows = render(tmp_path, "a", music, "--seconds", 2)
    second, _ = render(tmp_path, "b", music, "--seconds", 2, "--set", "engine.workers=1")
    assert [row["index"] for row in rows] == list(range(2 * FPS)), "render dropped frames"
    hashes = frame_hashes(first)
    assert len(hashes) == 2 * FPS and len(set(hashes)) > FPS   # the picture moves
    assert hashes == frame_hashes(second)                      # whatever the worker count
    streams = ffprobe(first)
    assert abs(float(streams["audio"]["duration"]) - 2.0) < 0.05


def test_a_render_following_the_music_lands_on_its_beats(tmp_path, music):
    """tempo_source = analysis: the demo loop (120 bpm, a kick on every beat from 0 s) sets
    the frames' tempo and its beats, once the analysis has its tempo (3.2 s into the file);
    until then the show's own 90 bpm has taken the beat 0.4 of a beat off the kicks."""
    own_tempo = tmp_path / "tempo.jsonl"
    with own_tempo.open("w") as stream:
        write_event_log([ControlEvent(0.0, "osc", "tempo", 90.0)], stream)
    _, rows = render(tmp_path, "music", music, "--seconds", 5, "--replay", own_tempo,
                     "--set", 'control.tempo.source="analysis"',
                     "--set", "output.width=64", "--set", "output.height=64")
    followed = [row for row in rows if row["index"] >= 3.5 * FPS]
    beats = np.array([row["beat"] for row in followed])
    seconds = np.array([row["index"] for row in followed]) / FPS
    assert len(followed) > 15
    assert np.allclose(np.diff(beats) * FPS * 60.0, 120.0, rtol=0.01)
    # Each frame's beat has the phase of the kicks at its time, within 50 ms (a hop of the
    # analysis, and the onset's detection, put it 20 ms late).
    stray = (beats - seconds * 2.0 + 0.5) % 1.0 - 0.5
    assert np.all(np.abs(stray) * 0.5 < 0.05), stray * 0.5


def test_a_logged_show_replays_with_the_same_frames(tmp_path, music):
    log = tmp_path / "show-events.jsonl"
    # Every declared parameter changes at least once, besides the network steps checked below.
    uses = [ControlEvent(0.1, "osc", "tempo", 140.0), ControlEvent(0.2, "keyboard", "hud", 1.0),
            ControlEvent(0.3, "osc", "crossfade", 0.3),
            ControlEvent(0.3, "osc", "crossfade_to", 3.0),
            ControlEvent(0.6, "osc", "truncation_psi", 0.7),
            ControlEvent(0.8, "osc", "speed", -2.0), ControlEvent(1.3, "keyboard", "freeze", 1.0),
            # The performed look, before the blackout hides it.
            ControlEvent(0.9, "osc", "master", 0.8), ControlEvent(0.9, "osc", "punch", 1.3),
            ControlEvent(1.0, "osc", "saturation", 0.5), ControlEvent(1.0, "osc", "hue", 30.0),
            ControlEvent(1.1, "keyboard", "invert", 1.0), ControlEvent(1.1, "osc", "zoom", 1.5),
            ControlEvent(1.2, "osc", "pan_x", 0.5), ControlEvent(1.2, "osc", "pan_y", -0.5),
            ControlEvent(1.4, "osc", "spin", 20.0),
            ControlEvent(1.6, "keyboard", "blackout", 1.0),
            # The instrument's audio-to-picture and latent parameters (the frame log's mean
            # is drawn before the look and the blackout).
            ControlEvent(0.1, "osc", "onset_push", 2.0),
            ControlEvent(0.1, "osc", "onset_decay", 0.15),
            ControlEvent(0.15, "osc", "beat_every", 2.0),
            ControlEvent(0.7, "osc", "beat_move", 1.0),   # cue: the network stays as checked
            ControlEvent(0.2, "osc", "low_gain", 0.3), ControlEvent(0.25, "osc", "mid_gain", 1.8),
            ControlEvent(0.35, "osc", "high_gain", 0.5),
            ControlEvent(0.4, "osc", "blend_depth", 6.0),
            *(ControlEvent(0.4 + 0.05 * n, "osc", f"direction_{n}", (-1) ** n * 0.2 * n)
              for n in range(1, 9)),
            ControlEvent(0.65, "osc", "mix", 0.6), ControlEvent(0.65, "osc", "mix_row", 3.0),
            ControlEvent(0.75, "osc", "neighbours_sigma", 1.0),
            ControlEvent(1.9, "osc", "selection", 2.0),   # shuffle, after the network checks
            # Trails and the beat strobe: the same frames flash and trail in every render.
            ControlEvent(0.2, "osc", "feedback", 0.7), ControlEvent(0.2, "osc", "trail_time", 3.0),
            ControlEvent(0.4, "osc", "strobe", 0.8), ControlEvent(0.4, "osc", "strobe_every", 0.0),
            ControlEvent(0.5, "osc", "scene_morph", 0.5),
            ControlEvent(1.7, "keyboard", "loop_song", 1.0),   # no songs: logged, no effect
            # Following Link: the logged tempo and beat events are what a render replays.
            ControlEvent(0.4, "osc", "tempo_source", 2.0),
            ControlEvent(0.7, "link", "tempo", 140.0), ControlEvent(0.7, "link", "beat_sync", 12.5),
            # issue 12: the frame's placement and mix (the eyes' rule has no projection here).
            ControlEvent(0.4, "osc", "frame_scale", 0.7), ControlEvent(0.5, "osc", "frame_x", 0.1),
            ControlEvent(0.5, "osc", "frame_y", -0.1),
            ControlEvent(0.7, "osc", "frame_opacity", 0.6),
            ControlEvent(0.8, "osc", "frame_blend", 2.0), ControlEvent(0.2, "osc", "eyes", 0.0),
            ControlEvent(0.2, "osc", "eye_hash", 10.0),
            ControlEvent(0.2, "osc", "eye_distance", 20.0),
            ControlEvent(0.2, "osc", "eye_track", 3.0), ControlEvent(0.2, "osc", "eye_fade", 0.5)]
    with log.open("w") as stream:
        write_event_log(sorted([ControlEvent(0.5, "midi:test", "network", 2.0),
                                ControlEvent(1.0, "midi:test", "gain", 1.0),
                                ControlEvent(1.2, "keyboard", "next_network", 1.0), *uses],
                               key=lambda event: event.time), stream)
    assert {e.name for e in uses} | {"network", "gain"} == \
        {p.name for p in PARAMETERS} | {"beat_sync"}
    first, rows = render(tmp_path, "r1", music, "--seconds", 2, "--replay", log)
    second, again = render(tmp_path, "r2", music, "--seconds", 2, "--replay", log)
    assert frame_hashes(first) == frame_hashes(second)
    assert [row["mean"] for row in rows] == [row["mean"] for row in again]
    flashes = [row["flash"] for row in rows]
    assert flashes == [row["flash"] for row in again] and max(flashes) > 0.5
    network = {row["index"]: row["network"] for row in rows}
    gain = {row["index"]: row["gain"] for row in rows}
    # An event at show time t applies from the first frame k with k / fps >= t.
    assert network[7] == 0 and network[8] == 2 and network[17] == 2 and network[19] == 3
    assert gain[14] < 1.0 and gain[15] == pytest.approx(1.0)
    assert {row["crossfade_to"] for row in rows[5:7]} == {3}
    synced = next(index for index in range(2 * FPS) if index / FPS >= 0.7)
    for index in (synced, synced + 5):
        assert rows[index]["beat"] == pytest.approx(12.5 + (index / FPS - 0.7) * 140 / 60)


def test_render_refuses_bad_input_in_one_line(tmp_path, music):
    missing = run_cli("render", DEMO, "--audio", tmp_path / "none.wav", "--out", tmp_path / "x.mp4")
    assert missing.returncode == 2
    assert missing.stderr.strip().endswith("none.wav: no such audio file")
    junk = tmp_path / "junk.wav"
    junk.write_bytes(b"not audio at all")
    bad = run_cli("render", DEMO, "--audio", junk, "--out", tmp_path / "x.mp4")
    assert bad.returncode == 2 and "junk.wav" in bad.stderr and "Traceback" not in bad.stderr
    log = tmp_path / "bad.jsonl"
    log.write_text("{not json\n")
    replay = run_cli("render", DEMO, "--audio", music, "--out", tmp_path / "x.mp4",
                     "--replay", log)
    assert replay.returncode == 2 and "not a gance-live event log" in replay.stderr


def test_a_cue_jumps_the_journey_back_to_its_mark(tmp_path, music):
    log = tmp_path / "cue-events.jsonl"  # not cue.jsonl: that is render()'s frame log
    with log.open("w") as stream:
        write_event_log([ControlEvent(1.0, "osc", "cue", 0.0)], stream)
    _, rows = render(tmp_path, "cue", music, "--seconds", 1.5, "--replay", log,
                     "--set", "latents.gain=0")            # no audio: the picture is the journey
    # The frame log's mean is taken from the drawn pixels, before the lossy encoder.
    mean = [row["mean"] for row in rows]
    assert mean[FPS] == mean[0] and mean[FPS + 3] == mean[3]
    assert mean[FPS - 1] != mean[0]
