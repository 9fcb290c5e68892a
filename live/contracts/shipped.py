"""Where the files shipped with gance-live are: the GLSL shaders, the demo show, MIDI maps.

A source checkout keeps them in the repository's top-level ``shaders/`` and ``config/``
folders, beside the ``live`` package; an editable install imports ``live`` from that
checkout, so it finds them there too. A wheel carries them inside the package instead, as
``live/shaders`` and ``live/config_files`` (``pyproject.toml`` maps the folders there). Every
reader of a shipped file asks here, so all three ways of installing work alike.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

# Repository folder -> its name inside an installed package (a ``live/config`` folder would
# sit confusingly beside the ``live/config.py`` module).
PACKAGED_NAMES = {"shaders": "shaders", "config": "config_files"}


def shipped_dir(folder: str) -> Path:
    """The folder of shipped files named ``folder`` ("shaders" or "config")."""
    package = Path(str(resources.files("live")))  # pip installs packages as plain files
    inside = package / PACKAGED_NAMES[folder]
    return inside if inside.is_dir() else package.parent / folder


SHADER_DIR = shipped_dir("shaders")
CONFIG_DIR = shipped_dir("config")
DEMO_CONFIG = CONFIG_DIR / "demo.toml"
MIDI_MAP_DIR = CONFIG_DIR / "midi"


def beside_show(show: Path | None, suffix: str) -> Path:
    """Where a file the performer makes for a show goes (its scenes, its learned MIDI
    bindings): beside the show file, named after it (``set.toml`` -> ``set`` + ``suffix``).
    A shipped show (the demo), or none, gets it in the current folder instead: shipped files
    are never written, whoever installed them."""
    if show is None or show.resolve().is_relative_to(CONFIG_DIR.resolve()):
        return Path.cwd() / ((show.stem if show is not None else "show") + suffix)
    return show.parent / (show.stem + suffix)
