"""The show file: every concern's config section composed into one :class:`Config`.

Each concern declares its own section (``live/audio/config.py`` declares ``[audio]``, and so
on) as a dataclass whose fields are made with :func:`param`; the reading and checking of
TOML against such declarations lives in :mod:`live.contracts.configfile`. This module sits at
the top with the CLI, since it gathers every concern's section.

    >>> from live.contracts.shipped import DEMO_CONFIG
    >>> cfg = load_config(DEMO_CONFIG)
    >>> cfg.show.fps              # the demo plays on two CPU cores
    15
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from live.audio.config import AudioConfig
from live.compositor.config import OutputConfig
from live.contracts.configfile import build_section, describe, read_toml
from live.contracts.errors import ConfigError
from live.contracts.paths import check_input_file
from live.contracts.schema import param
from live.control.config import ControlConfig
from live.engine.config import EngineConfig
from live.latents.config import LatentsConfig
from live.hardware.config import HardwareConfig
from live.latents.songs import SongConfig, overlay
from live.overlay.config import OverlaysConfig
from live.synth.config import NetworksConfig
from live.telemetry.config import TelemetryConfig
from live.video.config import VideoConfig

__all__ = ["Config", "ConfigError", "ShowConfig", "build_config", "describe", "load_config"]


@dataclass
class ShowConfig:
    """``[show]``: the clock and the seed everything else follows."""

    fps: int = param(30, "frames per second the conductor schedules", range=(1, 240))
    seed: int = param(0, "seed of every random choice, so a show can be rendered again exactly",
                      range=(0, 2**31 - 1))
    name: str = param("untitled", "shown in the HUD and written into logs")


@dataclass
class Config:
    """The whole show. ``path`` is the file it came from (None for built-in defaults)."""

    show: ShowConfig = field(default_factory=ShowConfig)
    engine: EngineConfig = field(default_factory=EngineConfig)
    networks: NetworksConfig = field(default_factory=NetworksConfig)
    audio: AudioConfig = field(default_factory=AudioConfig)
    latents: LatentsConfig = field(default_factory=LatentsConfig)
    output: OutputConfig = field(default_factory=OutputConfig)
    control: ControlConfig = field(default_factory=ControlConfig)
    telemetry: TelemetryConfig = field(default_factory=TelemetryConfig)
    hardware: HardwareConfig = field(default_factory=HardwareConfig)
    songs: list[SongConfig] = field(default_factory=list)
    video: VideoConfig = field(default_factory=VideoConfig)
    overlays: OverlaysConfig = field(default_factory=OverlaysConfig)
    path: Path | None = None

    def resolve(self, value: str) -> Path:
        """A path from the config, taken relative to the config file's folder. Only joined,
        never looked up: what it names (if anything) is for :meth:`input_file` to say."""
        p = Path(value).expanduser()
        if p.is_absolute() or self.path is None:
            return p
        return self.path.parent / p

    def input_file(self, value: str, key: str, what: str, fix: str = "") -> Path:
        """The file a config key names, resolved and checked (see
        :func:`~live.contracts.paths.check_input_file`); ``key`` is e.g. ``"[audio] file"``."""
        return check_input_file(self.resolve(value), what, where=f"{self.path}: {key}", fix=fix)


def load_config(path: str | Path, overrides: dict[str, Any] | None = None) -> Config:
    """Read and validate a show file. ``overrides`` maps ``"section.key"`` (or
    ``"section.table.key"``) to a value, as ``--set`` does."""
    path = Path(path)
    raw = read_toml(path, "config file", fix="try config/demo.toml")
    for dotted, value in (overrides or {}).items():
        *tables, key = dotted.split(".")
        table = raw
        for name in tables:
            table = table.setdefault(name, {})
            if not isinstance(table, dict):
                raise ConfigError(f"{path}: [{name}] is not a table, cannot set {dotted}")
        table[key] = value
    cfg = build_config(raw, source=str(path))
    cfg.path = path.resolve()
    return cfg


def build_config(raw: dict[str, Any], source: str = "<built-in>") -> Config:
    """Validate a parsed TOML document into a :class:`Config`."""
    sections = {key: value for key, value in raw.items() if key != "songs"}
    cfg = build_section(Config, sections, source, prefix="", skip={"path", "songs"})
    cfg.songs = _build_songs(raw.get("songs", []), raw.get("latents", {}), source)
    _check_cross_section(cfg, source)
    return cfg


def _build_songs(raw_songs: object, raw_latents: dict[str, Any], source: str) -> list[SongConfig]:
    """``[[songs]]``: each song's table checked, its ``[songs.latents]`` laid over the show's
    ``[latents]`` (so its errors name the song)."""
    if not isinstance(raw_songs, list) or not all(isinstance(s, dict) for s in raw_songs):
        raise ConfigError(f"{source}: songs: expected [[songs]] tables, one per song")
    songs = []
    for number, raw in enumerate(raw_songs, start=1):
        title = raw.get("name") if isinstance(raw.get("name"), str) and raw["name"] else ""
        where = f"{source}: song {number}" + (f" ({title})" if title else "")
        own = raw.get("latents", {})
        if not isinstance(own, dict):
            raise ConfigError(f"{where}: [songs.latents]: expected a table, got {own!r}")
        song = build_section(SongConfig, {**raw, "latents": overlay(raw_latents, own)}, where,
                             prefix="songs")
        if not song.latents.selection.networks:   # loudness and shuffle pick among its own
            song.latents.selection.networks = list(song.networks)
        songs.append(song)
    return songs


def _check_cross_section(cfg: Config, source: str) -> None:
    cooler = cfg.hardware.cooler
    if cooler.enabled and not cooler.port.strip():
        raise ConfigError(f"{source}: [hardware.cooler] port: empty; name the cooler's serial "
                          f"port (a name substring from `gance-live cooler --list`, or a "
                          f"device path)")
    played = [song.latents for song in cfg.songs] or [cfg.latents]
    if cfg.overlays.eyes and all(latents.source != "projection" for latents in played):
        raise ConfigError(f"{source}: [overlays] eyes: the eye overlays draw a projection's "
                          f"source frames; set [latents] source = \"projection\" (in a set, "
                          f"a song's [songs.latents]) or eyes = false")
    if not cfg.networks.files:
        raise ConfigError(f"{source}: [networks] files: expected at least one network "
                          f"(a .pkl/.safetensors path, or \"demo:0\" for the built-in demo)")
    count = len(cfg.networks.files)
    with_audio = [bool(song.audio) for song in cfg.songs]
    for number, song in enumerate(cfg.songs, start=1):
        where = f"{source}: song {number}" + (f" ({song.name})" if song.name else "")
        for index in song.networks:
            if not 0 <= index < count:
                raise ConfigError(f"{where}: [songs] networks: {index} is not an index into "
                                  f"[networks] files (0 to {count - 1})")
        if any(with_audio) and not song.audio:
            raise ConfigError(f"{where}: [songs] audio: empty, but other songs have their "
                              f"audio; give every song its audio file, or none")
