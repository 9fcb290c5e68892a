"""The layering of the package: every import runs downward.

``live.contracts`` is the bottom and imports nothing else of the project; the concerns sit
above it in the layers below, each importing only from lower layers (or from itself); the
composition root (show runner, supervisor, config, CLI) sits on top. Function-level imports
count too: a lazy upward import is still an upward dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "live"

# Bottom first. A concern may import from any lower layer; within a layer only the top one
# (the composition root) may import across its members.
LAYERS: list[set[str]] = [
    {"contracts"},
    {"telemetry", "hardware", "overlay", "synth", "audio", "video"},
    {"latents", "control"},
    {"compositor", "projector"},
    {"engine", "cluster", "config", "cli", "__main__"},
]
ROOT = len(LAYERS) - 1


def _concern(module: str) -> str | None:
    """``live.audio.process`` -> ``audio``; ``live`` itself (the version) -> None."""
    parts = module.split(".")
    return parts[1] if parts[0] == "live" and len(parts) > 1 else None


def _layer(concern: str) -> int:
    for rank, members in enumerate(LAYERS):
        if concern in members:
            return rank
    raise AssertionError(f"live.{concern} is in no layer of tests/test_layers.py: add it")


def _imports(path: Path) -> list[tuple[int, str]]:
    """``(line, module)`` of every absolute import of ``live`` in a file, at any depth."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}:{node.lineno}: use absolute imports (live....)"
            found.append((node.lineno, node.module or ""))
    return [(line, name) for line, name in found if name.split(".")[0] == "live"]


def upward_imports(package: Path = PACKAGE) -> list[str]:
    problems = []
    for path in sorted(package.rglob("*.py")):
        if path.name == "__init__.py" and path.parent == package:
            continue
        here = path.relative_to(package).parts[0].removesuffix(".py")
        rank = _layer(here)
        for line, module in _imports(path):
            target = _concern(module)
            if target is None or target == here:
                continue
            other = _layer(target)
            if other > rank or (other == rank and rank != ROOT):
                problems.append(f"{path.relative_to(package.parent)}:{line}: live.{here} "
                                f"(layer {rank}) imports {module} (layer {other})")
    return problems


def test_every_import_runs_downward():
    assert upward_imports() == []


def test_contracts_import_nothing_else_of_the_project():
    for path in (PACKAGE / "contracts").rglob("*.py"):
        for line, module in _imports(path):
            assert module.startswith("live.contracts"), f"{path}:{line} imports {module}"


def test_every_concern_has_a_layer():
    concerns = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    concerns |= {p.stem for p in PACKAGE.glob("*.py") if p.name != "__init__.py"}
    for concern in concerns:
        _layer(concern)


def test_the_check_sees_an_upward_import(tmp_path):
    """The scanner itself: an import from a higher layer is reported with file and line."""
    fake = tmp_path / "live"
    (fake / "audio").mkdir(parents=True)
    (fake / "audio" / "bad.py").write_text("def f():\n    from live.engine.show import run_show\n")
    assert upward_imports(fake) == [
        "live/audio/bad.py:2: live.audio (layer 1) imports live.engine.show (layer 4)"]
