"""Scenes: every parameter's value saved under a number, and recalled with a glide.

A scene is a snapshot of every declared parameter that belongs in one (``in_scenes``: not
the HUD, the tempo or the morph time). Scenes live in ``SHOW.scenes.toml`` beside the show
file (:func:`live.contracts.shipped.beside_show`), one ``[scene.N]`` table each, written with
tomlkit so the performer's comments survive a save, and atomically. Choices are written by
name, networks as their 0-based index.

A recall is played by the conductor (which owns the state) as ordinary events, so the event
log carries it and a replay needs no scene file: bools, networks and choices switch at the
start of the recall, float parameters glide to the scene's values over ``scene_morph``
seconds (:class:`Morph`, eased in and out), one event per parameter and frame. A parameter
the performer moves during the glide leaves it. Pure but for :class:`SceneBook`'s file I/O.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from live.contracts.configfile import read_toml
from live.contracts.errors import ConfigError
from live.contracts.outputs import atomic_output
from live.contracts.parameters import INDEX_KINDS, PARAMETERS, Parameter, parameter

SCENE_PARAMETERS: tuple[Parameter, ...] = tuple(p for p in PARAMETERS if p.in_scenes)
SUFFIX = ".scenes.toml"
HEADER = ("Scenes of this show, saved by gance-live (shift+F1-F8, OSC /live/scene/save N) and "
          "recalled with F1-F8, OSC /live/scene N or a MIDI pad. Each [scene.N] holds the "
          "values of the parameters it sets; comments and hand edits are kept.")

Values = dict[str, float]      # parameter name -> its value as an event carries it


def snapshot(state: Any) -> Values:
    """Every scene parameter's value in ``state`` (a ShowState), as event values."""
    return {p.name: float(getattr(state, p.name)) for p in SCENE_PARAMETERS}


def split(scene: Values) -> tuple[Values, Values]:
    """``(switched, glided)``: what a recall sets at its start (bools, networks, choices)
    and what glides (floats)."""
    switched = {n: v for n, v in scene.items() if parameter(n).kind != "float"}
    return switched, {n: v for n, v in scene.items() if parameter(n).kind == "float"}


class Morph:
    """Float parameters gliding from where they were to a scene's values over ``frames``
    frames, eased in and out (smoothstep); the last frame lands exactly on the scene."""

    def __init__(self, number: int, start: Values, target: Values, frames: int) -> None:
        self.number, self.frames = number, max(1, frames)
        self.glides = {n: (start[n], v) for n, v in target.items() if start[n] != v}
        self.first: int | None = None   # the frame index of the glide's first step
        self.steps = 0                  # frames glided so far

    @property
    def source(self) -> str:
        """The events' source: who set the values (``"scene 3"``)."""
        return f"scene {self.number}"

    @property
    def done(self) -> bool:
        return not self.glides or self.steps >= self.frames

    def leave(self, name: str) -> None:
        """The performer took ``name`` over: it glides no further."""
        self.glides.pop(name, None)

    def values_at(self, index: int) -> Values:
        """Every gliding parameter's value for frame ``index`` (frames count from the first
        one asked for)."""
        if self.first is None:
            self.first = index
        self.steps = index - self.first + 1
        t = min(self.steps / self.frames, 1.0)
        eased = t * t * (3.0 - 2.0 * t)
        return {name: start + (end - start) * eased if t < 1.0 else end
                for name, (start, end) in self.glides.items()}


class SceneBook:
    """The scenes of one show: read from ``path`` at the start, saved there one by one.

    A broken file is one :class:`ConfigError` line (file, field, fix) from :meth:`load`;
    the book is then empty, and :meth:`save` refuses to write over the file until it is
    fixed, so the performer's work is never lost to a save."""

    def __init__(self, path: Path, network_count: int) -> None:
        self.path, self.network_count = path, network_count
        self.scenes: dict[int, Values] = {}
        self.broken = False

    def load(self) -> None:
        """Read the file (none yet is no scene yet)."""
        self.scenes, self.broken = {}, False
        if not self.path.exists():
            return
        try:
            self.scenes = check_scenes(read_toml(self.path, "scene file", fix=""),
                                       str(self.path), self.network_count)
        except ConfigError:
            self.broken = True
            raise

    def recall(self, number: int) -> Values:
        """Scene ``number``'s values; ConfigError when there is none."""
        if number not in self.scenes:
            saved = ", ".join(map(str, sorted(self.scenes))) or "none yet"
            raise ConfigError(f"{self.path}: no [scene.{number}] (saved: {saved}); save it "
                              f"first (shift+F{number} or OSC /live/scene/save {number})")
        return self.scenes[number]

    def save(self, number: int, values: Values) -> None:
        """Write scene ``number`` into the file, keeping everything else in it."""
        import tomlkit   # only a show that saves a scene needs it

        if self.broken:
            raise ConfigError(f"{self.path}: not saved over, it is broken (see above); fix "
                              f"it or move it away, then save again")
        if self.path.exists():
            try:   # edited since the show started: check it again before writing over it
                document = tomlkit.parse(self.path.read_text(encoding="utf-8"))
                check_scenes(document.unwrap(), str(self.path), self.network_count)
            except (tomlkit.exceptions.TOMLKitError, UnicodeDecodeError) as exc:
                raise ConfigError(f"{self.path}: not valid TOML ({' '.join(str(exc).split())}); "
                                  f"not saved over: fix it, then save again") from None
        else:
            document = tomlkit.document()
            document.add(tomlkit.comment(HEADER))
            document.add(tomlkit.nl())
        if "scene" not in document:
            document["scene"] = tomlkit.table(is_super_table=True)
        tables = document["scene"]
        table = tables.get(str(number))
        if table is None:
            table = tables[str(number)] = tomlkit.table()
        for name, value in values.items():
            table[name] = toml_value(parameter(name), value)   # in place: comments stay
        with atomic_output(self.path) as temporary:
            temporary.write_text(tomlkit.dumps(document), encoding="utf-8")
        self.scenes[number] = dict(values)


def toml_value(declared: Parameter, value: float) -> float | int | bool | str:
    """An event value as the scene file writes it: choices by name."""
    if declared.kind == "bool":
        return value >= 0.5
    if declared.kind == "choice":
        return declared.choices[int(value)]
    if declared.kind == "network":
        return int(value)
    return value


def check_scenes(raw: dict[str, Any], source: str, network_count: int) -> dict[int, Values]:
    """The scenes of a parsed scene file; the first problem is a one-line ConfigError
    naming the file, the field and the fix."""
    unknown = sorted(set(raw) - {"scene"})
    if unknown:
        raise ConfigError(f"{source}: unknown table '{unknown[0]}': scenes are [scene.N] "
                          f"tables (N a whole number)")
    tables = raw.get("scene", {})
    if not isinstance(tables, dict):
        raise ConfigError(f"{source}: scene: expected [scene.N] tables, got {tables!r:.40}")
    scenes = {}
    for key, table in tables.items():
        if not key.isdigit():
            raise ConfigError(f"{source}: [scene.{key}]: a scene is named by a whole number "
                              f"(as in [scene.3]); rename it")
        if not isinstance(table, dict):
            raise ConfigError(f"{source}: scene.{key}: expected a table of parameter values, "
                              f"got {table!r:.40}")
        scenes[int(key)] = {name: _scene_value(name, value, f"{source}: [scene.{key}] {name}",
                                               network_count)
                            for name, value in table.items()}
    return scenes


def _scene_value(name: str, value: Any, where: str, network_count: int) -> float:
    declared = parameter(name)
    if declared is None or not declared.in_scenes:
        known = ", ".join(p.name for p in SCENE_PARAMETERS)
        raise ConfigError(f"{where}: not a scene parameter (scenes hold {known}); remove it")

    def fail(expected: str) -> ConfigError:
        return ConfigError(f"{where}: expected {expected}, got {value!r:.40}; fix the value "
                           f"or save the scene again")

    if declared.kind == "bool":
        if not isinstance(value, bool):
            raise fail("true or false")
        return float(value)
    if declared.kind == "choice":
        if value not in declared.choices:
            raise fail("one of " + ", ".join(f'"{c}"' for c in declared.choices))
        return float(declared.choices.index(value))
    if declared.kind in INDEX_KINDS:
        if isinstance(value, bool) or not isinstance(value, int) \
                or not 0 <= value < declared.options(network_count):
            raise fail(f"a network index from 0 to {network_count - 1}")
        return float(value)
    low, high = declared.range
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or not low <= value <= high:
        raise fail(f"a number from {low:g} to {high:g}")
    return float(value)
