"""Shader files: a missing or broken one is an error naming the file and the GL message."""

import shutil

import moderngl
import pytest

from live.compositor.renderer import FrameRenderer
from live.compositor.shaders import SHADER_DIR, ShaderError, load_program


@pytest.fixture(scope="module")
def ctx():
    context = moderngl.create_standalone_context(backend="egl", require=330)
    yield context
    context.release()


@pytest.fixture
def shader_copy(tmp_path):
    folder = tmp_path / "shaders"
    shutil.copytree(SHADER_DIR, folder)
    return folder


def test_repository_shaders_compile(ctx):
    FrameRenderer(ctx).release()


def test_missing_shader_names_the_file(ctx, shader_copy):
    (shader_copy / "frame.frag").unlink()
    with pytest.raises(ShaderError, match=r"frame\.frag: shader file missing"):
        FrameRenderer(ctx, shader_dir=shader_copy)


def test_broken_shader_names_the_file_and_quotes_the_compiler(ctx, shader_copy):
    path = shader_copy / "frame.frag"
    path.write_text(path.read_text().replace("vec3 rgb = clamp", "vec3 rgb = clamp_typo"))
    with pytest.raises(ShaderError) as failure:
        load_program(ctx, "quad.vert", "frame.frag", shader_copy, defines={"UPSCALE_METHOD": 3})
    message = str(failure.value)
    assert str(path) in message and "clamp_typo" in message
    assert "\n" not in message


def test_broken_vertex_shader_is_the_one_named(ctx, shader_copy):
    path = shader_copy / "quad.vert"
    path.write_text(path.read_text().replace("gl_Position = vec4", "gl_Position = vec5"))
    with pytest.raises(ShaderError, match=r"quad\.vert: GL compiler: .*vec5"):
        load_program(ctx, "quad.vert", "frame.frag", shader_copy, defines={"UPSCALE_METHOD": 3})


def test_compiler_line_numbers_are_the_files_own(ctx, shader_copy):
    path = shader_copy / "frame.frag"
    lines = path.read_text().splitlines()
    broken = next(i for i, line in enumerate(lines) if "vec3 rgb = clamp" in line)
    lines[broken] = lines[broken].replace("clamp", "clamp_typo")
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ShaderError, match=rf"0:{broken + 1}\("):
        load_program(ctx, "quad.vert", "frame.frag", shader_copy, defines={"UPSCALE_METHOD": 3})


def test_frame_shader_needs_its_method_defined(ctx):
    with pytest.raises(ShaderError, match="UPSCALE_METHOD must be defined"):
        load_program(ctx, "quad.vert", "frame.frag")
