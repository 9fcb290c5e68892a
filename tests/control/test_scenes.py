"""Scenes: the file beside the show (tomlkit, comments kept, atomic), its checks in one line,
and a recall played by the conductor as logged events (switches at the start, eased glides)."""


import pytest

from live.contracts.errors import ConfigError
from live.contracts.shipped import DEMO_CONFIG, beside_show
from live.contracts.state import ControlEvent, ShowState
from live.control.scenes import SUFFIX, Morph, SceneBook, snapshot
from live.engine.conductor import Conductor

FPS = 10


def test_a_snapshot_holds_the_surface_but_not_how_the_show_is_run():
    values = snapshot(ShowState(gain=0.25, strobe_every=3, invert=True, tempo=90.0, hud=True))
    assert values["gain"] == 0.25 and values["strobe_every"] == 3 and values["invert"] == 1.0
    assert not {"hud", "tempo", "scene_morph"} & set(values)


def test_scene_files_go_beside_the_show_but_never_among_shipped_files(tmp_path, monkeypatch):
    assert beside_show(tmp_path / "set.toml", SUFFIX) == tmp_path / "set.scenes.toml"
    monkeypatch.chdir(tmp_path)
    assert beside_show(DEMO_CONFIG, SUFFIX) == tmp_path / "demo.scenes.toml"


def test_a_saved_scene_reads_back_and_keeps_the_performers_comments(tmp_path):
    path = tmp_path / "set.scenes.toml"
    book = SceneBook(path, network_count=2)
    book.save(3, snapshot(ShowState(gain=0.25, network=1, strobe_every=0, freeze=True)))
    text = path.read_text()
    assert "[scene.3]" in text and 'strobe_every = "1/2"' in text and "freeze = true" in text
    path.write_text(text.replace("gain = 0.25", "gain = 0.25   # soft for the intro")
                    + "# the chorus next\n")
    book.save(3, snapshot(ShowState(gain=0.75)))
    book.save(1, snapshot(ShowState(hue=90.0)))
    text = path.read_text()
    assert "gain = 0.75   # soft for the intro" in text and "# the chorus next" in text
    assert [p.name for p in tmp_path.iterdir()] == ["set.scenes.toml"]   # nothing partial
    again = SceneBook(path, network_count=2)
    again.load()
    assert again.recall(3) == snapshot(ShowState(gain=0.75))
    assert again.recall(1)["hue"] == 90.0


@pytest.mark.parametrize("text, message", [
    ("[scene.2\n", "not valid TOML"),
    ("[scene.2]\ngain = 7\n", "[scene.2] gain: expected a number from 0 to 1, got 7; fix"),
    ("[scene.2]\ngian = 0.5\n", "[scene.2] gian: not a scene parameter"),
    ("[scene.2]\nhud = true\n", "[scene.2] hud: not a scene parameter"),
    ("[scene.2]\nstrobe_every = \"3\"\n", 'expected one of "1/2", "1", "2", "4", got \'3\''),
    ("[scene.2]\nnetwork = 5\n", "[scene.2] network: expected a network index from 0 to 1"),
    ("[scene.2]\nfreeze = 1\n", "[scene.2] freeze: expected true or false"),
    ("[scene.chorus]\ngain = 0.5\n", "[scene.chorus]: a scene is named by a whole number"),
    ("[scenes.2]\ngain = 0.5\n", "unknown table 'scenes'"),
])
def test_a_broken_scene_file_is_one_line_naming_file_and_field(tmp_path, text, message):
    path = tmp_path / "set.scenes.toml"
    path.write_text(text)
    book = SceneBook(path, network_count=2)
    with pytest.raises(ConfigError) as caught:
        book.load()
    assert str(caught.value).startswith(str(path)) and message in str(caught.value)
    assert "\n" not in str(caught.value)
    with pytest.raises(ConfigError, match="not saved over, it is broken"):
        book.save(2, snapshot(ShowState()))
    assert path.read_text() == text


def test_recalling_a_scene_never_saved_says_how_to_save_it(tmp_path):
    with pytest.raises(ConfigError, match=r"no \[scene.4\] \(saved: none yet\); save it "
                                          r"first \(shift\+F4 or OSC /live/scene/save 4\)"):
        SceneBook(tmp_path / "set.scenes.toml", 2).recall(4)


def test_a_morph_eases_to_the_scene_and_lands_on_it():
    morph = Morph(2, {"gain": 0.0, "hue": 10.0, "zoom": 1.0},
                  {"gain": 1.0, "hue": 10.0, "zoom": 3.0}, frames=4)
    steps = [morph.values_at(index) for index in range(20, 24)]
    assert set(steps[0]) == {"gain", "zoom"}            # hue is already there
    gains = [step["gain"] for step in steps]
    assert gains == sorted(gains) and gains[-1] == 1.0 and steps[-1]["zoom"] == 3.0
    assert gains[1] == pytest.approx(0.5)               # eased: half way at half time
    assert gains[0] < 0.25 and morph.done
    taken = Morph(2, {"gain": 0.0, "zoom": 1.0}, {"gain": 1.0, "zoom": 2.0}, frames=4)
    taken.values_at(0)
    taken.leave("gain")
    assert set(taken.values_at(1)) == {"zoom"}


def conductor(book: SceneBook | None, state: ShowState) -> tuple[Conductor, list]:
    """A conductor with only what scenes use: its state, its event log and its scenes."""
    logged: list[ControlEvent] = []
    return Conductor(fps=FPS, state=state, network_count=2, instrument=None,
                     features_at=None, ring=None, workers=None, inbox=None, controls=None,
                     on_event=logged.append, scenes=book, clock=lambda: 0.0), logged


def test_a_recall_switches_at_its_start_and_glides_floats_as_logged_events(tmp_path):
    book = SceneBook(tmp_path / "set.scenes.toml", 2)
    book.save(5, snapshot(ShowState(gain=1.0, network=1, invert=True, strobe_every=3)))
    show, logged = conductor(book, ShowState(gain=0.0, scene_morph=0.5))
    show._apply(ControlEvent(1.0, "keyboard", "scene_recall", 5.0))
    switched = [(e.name, e.value) for e in logged if e.source == "scene 5"]
    assert sorted(switched) == [("invert", 1.0), ("network", 1.0), ("strobe_every", 3.0)]
    assert show.state.gain == 0.0                       # floats glide from the next frame
    for index in range(10, 10 + FPS):
        show._glide(index)
    gains = [e for e in logged if e.name == "gain"]
    assert len(gains) == FPS // 2 and gains[-1].value == 1.0 and show.state.gain == 1.0
    assert [e.time for e in gains] == [index / FPS for index in range(10, 15)]
    assert show._morph is None


def test_the_performer_takes_a_parameter_back_from_the_glide(tmp_path):
    book = SceneBook(tmp_path / "set.scenes.toml", 2)
    book.save(1, snapshot(ShowState(gain=1.0, zoom=3.0)))
    show, logged = conductor(book, ShowState(gain=0.0, scene_morph=1.0))
    show._apply(ControlEvent(0.0, "osc", "scene_recall", 1.0))
    show._glide(0)
    show._apply(ControlEvent(0.1, "midi:nanoKONTROL2", "gain", 0.2))
    for index in range(1, FPS + 1):
        show._glide(index)
    assert show.state.gain == 0.2 and show.state.zoom == 3.0


def test_scene_problems_are_warnings_and_a_replay_never_recalls(tmp_path):
    path = tmp_path / "set.scenes.toml"
    show, logged = conductor(SceneBook(path, 2), ShowState())
    show._apply(ControlEvent(0.0, "osc", "scene_recall", 7.0))
    assert "no [scene.7]" in show._warning[1]
    show._apply(ControlEvent(0.0, "osc", "scene_save", 2.0), replayed=True)
    assert not path.exists()                          # a replay writes no scene
    replay, _ = conductor(None, ShowState())          # a render has no scenes
    replay._apply(ControlEvent(0.0, "osc", "scene_recall", 2.0), replayed=True)
    assert replay._morph is None


def test_a_file_broken_during_the_show_is_not_saved_over(tmp_path):
    path = tmp_path / "set.scenes.toml"
    book = SceneBook(path, network_count=2)
    book.save(1, snapshot(ShowState()))
    for broken in ("[scene.1\n", "[scene.1]\ngain = 9\n"):
        path.write_text(broken)
        with pytest.raises(ConfigError, match=str(path)):
            book.save(2, snapshot(ShowState()))
        assert path.read_text() == broken
