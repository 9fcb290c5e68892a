"""gance-live as an installed package: a wheel in a fresh venv, an editable install, and
shipped MIDI maps named from a show kept anywhere.

Both install from a copy of the source tree (without its build outputs), so a stale
``build/`` cannot leak into the wheel and nothing is written into the repository.
Torch and the other heavy dependencies cannot be downloaded in a test: the fresh venvs
see this venv's site-packages through one ``.pth`` line. A directory added that way is
not a site directory, so the ``.pth`` files inside it (the editable install of the
project this venv may hold) do not run, and the fresh venv's own ``live`` comes first.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from live.config import load_config
from live.contracts.shipped import MIDI_MAP_DIR
from live.control.midi import find_map
from tests.support.showrun import cli_env, ffprobe, scratch_dir

ROOT = Path(__file__).resolve().parents[1]
BUILD_OUTPUTS = shutil.ignore_patterns(".git", ".venv", "build", "dist", "*.egg-info",
                                       "__pycache__", "out", ".pytest_cache")


def _source_copy(folder: Path) -> Path:
    copy = folder / "source"
    shutil.copytree(ROOT, copy, ignore=BUILD_OUTPUTS)
    return copy


def _venv_seeing_our_dependencies(folder: Path) -> Path:
    """A fresh venv (no pip of its own) whose imports fall back on this venv's packages."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True,
                   timeout=120)
    python = folder / "bin" / "python"
    site_packages = Path(subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True, timeout=60).stdout.strip())
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (site_packages / "gance_live_dependencies.pth").write_text("\n".join(sorted(ours)) + "\n")
    return python


def _pip_install(python: Path, *args: str) -> None:
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q",
                    "--no-deps", "--no-index", "--no-build-isolation", *args],
                   check=True, timeout=300, capture_output=True)


def _env() -> dict[str, str]:
    """A gance-live subprocess environment without this checkout on PYTHONPATH."""
    env = cli_env()
    env.pop("PYTHONPATH", None)
    return env


def _installed(python: Path, expression: str) -> str:
    """``expression`` evaluated by ``python`` outside the source tree (after ``import live``)."""
    result = subprocess.run([python, "-c", f"import live, live.contracts.shipped as shipped; "
                             f"print({expression})"], cwd=scratch_dir(), env=_env(),
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.mark.slow
def test_wheel_in_a_fresh_venv_plays_the_demo(tmp_path: Path) -> None:
    source = _source_copy(tmp_path)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps",
                    "--no-build-isolation", "-w", str(tmp_path / "wheels"), str(source)],
                   check=True, timeout=300, capture_output=True)
    (wheel,) = (tmp_path / "wheels").glob("gance_live-*.whl")

    # Every module of the package and every shipped file is in the wheel.
    inside = set(zipfile.ZipFile(wheel).namelist())
    modules = {f"{p.relative_to(ROOT).as_posix()}" for p in (ROOT / "live").rglob("*.py")}
    assert not modules - inside, (f"missing from the wheel (add the package to "
                                  f"[tool.setuptools] packages): {sorted(modules - inside)}")
    shipped = {f"live/shaders/{p.name}" for p in (ROOT / "shaders").iterdir()} | {
        f"live/config_files/{p.relative_to(ROOT / 'config').as_posix()}"
        for p in (ROOT / "config").rglob("*") if p.is_file()}
    assert not shipped - inside, f"shipped files missing: {sorted(shipped - inside)}"

    venv = tmp_path / "venv"
    python = _venv_seeing_our_dependencies(venv)
    _pip_install(python, str(wheel))
    package = Path(_installed(python, "live.__file__")).parent
    assert package.is_relative_to(venv), "the fresh venv imports live from somewhere else"
    assert Path(_installed(python, "shipped.SHADER_DIR")) == package / "shaders"
    assert Path(_installed(python, "shipped.MIDI_MAP_DIR")) == package / "config_files" / "midi"

    work = scratch_dir()
    out = work / "demo.mp4"
    demo = subprocess.run([venv / "bin" / "gance-live", "demo", "--headless", "--seconds", "2",
                           "--out", out], cwd=work, env=_env(), capture_output=True, text=True,
                          timeout=180)
    assert demo.returncode == 0, demo.stderr
    video = ffprobe(out)["video"]
    assert (video["width"], video["height"]) == (512, 512)  # config_files/demo.toml's size
    assert int(video["nb_read_frames"]) >= 10


@pytest.mark.slow
def test_editable_install_finds_the_shipped_files_in_the_checkout(tmp_path: Path) -> None:
    source = _source_copy(tmp_path)
    python = _venv_seeing_our_dependencies(tmp_path / "venv")
    _pip_install(python, "-e", str(source))
    assert Path(_installed(python, "live.__file__")) == source / "live" / "__init__.py"
    assert Path(_installed(python, "shipped.SHADER_DIR")) == source / "shaders"
    assert Path(_installed(python, "shipped.MIDI_MAP_DIR")) == source / "config" / "midi"
    assert _installed(python, "shipped.DEMO_CONFIG.is_file()") == "True"


def test_a_show_anywhere_can_name_a_shipped_midi_map(tmp_path: Path) -> None:
    show = tmp_path / "show.toml"
    show.write_text('[control.midi]\nmaps = ["midi/generic.toml"]\n')
    cfg = load_config(show)
    assert find_map("midi/generic.toml", cfg.resolve) == MIDI_MAP_DIR / "generic.toml"
    # A map of the same name beside the show is the performer's own, and wins.
    own = tmp_path / "midi" / "generic.toml"
    own.parent.mkdir()
    own.write_text('name = "mine"\nport = "mine"\n')
    assert find_map("midi/generic.toml", cfg.resolve) == own
    assert find_map("midi/nowhere.toml", cfg.resolve) == tmp_path / "midi" / "nowhere.toml"
