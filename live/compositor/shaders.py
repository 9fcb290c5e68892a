"""GLSL programs from the shipped ``shaders/`` folder, with errors a person can act on.

Shaders are read and compiled at start-up, so a missing or broken file stops the show
before it begins, with a message naming the file and quoting the GL compiler.
"""

from __future__ import annotations

from pathlib import Path

import moderngl

from live.contracts.errors import LiveError
from live.contracts.shipped import SHADER_DIR

# moderngl reports a compile failure under a heading naming the stage that failed.
_STAGE_HEADINGS = {"vertex_shader": "vertex", "fragment_shader": "fragment"}


class ShaderError(LiveError, RuntimeError):
    """A shader file that is missing or does not compile; the message is one line."""


def read_shader(name: str, shader_dir: Path = SHADER_DIR) -> tuple[Path, str]:
    """The path and GLSL source of ``shader_dir/name``."""
    path = shader_dir / name
    try:
        return path, path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ShaderError(f"{path}: shader file missing (reinstall gance-live, or restore "
                          f"it in the repository's shaders/ folder)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ShaderError(f"{path}: cannot read shader file: {exc}") from None


def with_defines(source: str, defines: dict[str, int]) -> str:
    """``source`` with ``#define NAME value`` lines right after its ``#version`` line.

    A ``#line`` directive follows them, so compiler messages keep the file's line numbers.
    """
    if not defines:
        return source
    first, newline, rest = source.partition("\n")
    if not first.startswith("#version"):
        first, rest = "", source
    block = "".join(f"#define {name} {value}\n" for name, value in defines.items())
    return f"{first}\n{block}#line 2\n{rest}"


def load_program(ctx: moderngl.Context, vertex: str, fragment: str,
                 shader_dir: Path = SHADER_DIR,
                 defines: dict[str, int] | None = None) -> moderngl.Program:
    """Compile and link ``shader_dir/vertex`` with ``shader_dir/fragment``.

    ``defines`` become preprocessor definitions in the fragment shader (one compiled
    variant per value). Raises :class:`ShaderError` naming the file the compiler rejected
    and its message.
    """
    vertex_path, vertex_source = read_shader(vertex, shader_dir)
    fragment_path, fragment_source = read_shader(fragment, shader_dir)
    fragment_source = with_defines(fragment_source, defines or {})
    try:
        return ctx.program(vertex_shader=vertex_source, fragment_shader=fragment_source)
    except moderngl.Error as exc:
        text = str(exc)
        paths = {"vertex": vertex_path, "fragment": fragment_path}
        culprit = next((paths[stage] for heading, stage in _STAGE_HEADINGS.items()
                        if heading in text), None)
        where = str(culprit) if culprit else f"{vertex_path} + {fragment_path} (link)"
        raise ShaderError(f"{where}: GL compiler: {_compiler_lines(text)}") from None


def _compiler_lines(text: str) -> str:
    """The compiler's diagnostics from moderngl's multi-line report, joined on one line."""
    skip = {"GLSL Compiler failed", "GLSL Linker failed", *_STAGE_HEADINGS}
    lines = [line.strip() for line in text.splitlines()]
    kept = [line for line in lines if line and line not in skip and set(line) != {"="}]
    return "; ".join(kept) or text.strip()
