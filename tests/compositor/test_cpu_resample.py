"""Renders' CPU resampling (``live/compositor/cpu_resample.py``) against the shader it stands
in for (headless EGL, Mesa llvmpipe): the same Catmull-Rom within one level wherever the frame
is placed and however zoomed, frames the performed look spins resampled by the shader, and a
render through the compositor process recording the same picture either way."""

import json

import numpy as np
import pytest

from live.compositor.catmull_rom import catmull_rom_resize
from live.compositor.config import OutputConfig
from live.compositor.context import headless_context, offscreen_target
from live.compositor.cpu_resample import footprint, resample, resamples_on_cpu
from live.compositor.look import Look, colour_unchanged
from live.compositor.placement import Placement
from live.compositor.renderer import AT_REST, LAYERS_AT_REST, FrameRenderer
from live.contracts.configfile import build_section
from live.contracts.messages import DisplayState
from tests.compositor.harness import CompositorHarness
from tests.support.showrun import decode_frames

STRETCH = Placement(mode="stretch")


def random_image(shape, seed):
    image = np.random.default_rng(seed).integers(0, 256, (*shape, 4), np.uint8)
    image[..., 3] = 255
    return image


def max_error(a, b):
    return int(np.abs(a.astype(int) - b.astype(int)).max())


@pytest.fixture(scope="module")
def renderer():
    renderer = FrameRenderer(headless_context())
    with renderer.ctx:
        yield renderer
        renderer.release()
    renderer.ctx.release()


def draw(renderer, size, placement, cpu, performed=AT_REST, layers=LAYERS_AT_REST,
         flip_y=True):
    """The RGB output (``size = (height, width)``, top row first) of the uploaded frame, and
    whether it was resampled on the CPU (and copied to the output as the CPU made it)."""
    renderer.cpu_resample = cpu
    target = offscreen_target(renderer.ctx, size[1], size[0])
    try:
        renderer.draw(target, Look(placement=placement), flip_y=flip_y, performed=performed,
                      layers=layers)
        pixels = np.frombuffer(target.read(components=3, alignment=1), np.uint8)
    finally:
        target.color_attachments[0].release()
        target.release()
    pixels = pixels.reshape(*size, 3)
    return (pixels if flip_y else pixels[::-1]), renderer.resampled_on_cpu


# (frame height, width), output (height, width), placement: integer and non-integer ratios,
# letterboxed off-centre (rectangle edges between pixels), turned and mirrored, cropped (fill).
CASES = [
    ((64, 64), (200, 200), STRETCH),
    ((61, 97), (130, 200), STRETCH),
    ((64, 48), (90, 160), Placement(mode="fit", position=(0.3, 0.5))),
    ((64, 48), (90, 160), Placement(mode="fit", rotation=90, mirror="horizontal")),
    ((40, 56), (90, 160), Placement(mode="fill", rotation=270, mirror="vertical",
                                    position=(0.6, 0.45))),
    ((1024, 1024), (2160, 3840), Placement(mode="fit")),
    ((1024, 1024), (2160, 3840), Placement(mode="fill")),
]


@pytest.mark.parametrize("frame_shape, size, placement", CASES)
def test_the_cpu_path_matches_the_shader_within_one_level(renderer, frame_shape, size,
                                                          placement):
    renderer.upload(random_image(frame_shape, seed=sum(size)))
    on_gl, gl_path = draw(renderer, size, placement, cpu=False)
    on_cpu, cpu_path = draw(renderer, size, placement, cpu=True)
    assert (gl_path, cpu_path) == (False, True)
    assert max_error(on_cpu, on_gl) <= 1   # background around the frame included


def test_a_coloured_look_or_a_window_is_resampled_by_the_shader(renderer):
    # The CPU's picture drawn again through frame.frag would cost what the shader's own
    # resampling does on llvmpipe (75 against 53 ms at 4K idle): only a copy pays.
    renderer.upload(random_image((61, 97), seed=7))
    placement = Placement(mode="fit", position=(0.45, 0.5))
    coloured = AT_REST._replace(master=0.9, saturation=0.6, hue=25.0)
    on_gl, _ = draw(renderer, (90, 160), placement, cpu=False, performed=coloured)
    asked_cpu, on_cpu = draw(renderer, (90, 160), placement, cpu=True, performed=coloured)
    assert not on_cpu and np.array_equal(asked_cpu, on_gl)
    on_gl, _ = draw(renderer, (90, 160), placement, cpu=False, flip_y=False)
    asked_cpu, on_cpu = draw(renderer, (90, 160), placement, cpu=True, flip_y=False)
    assert not on_cpu and np.array_equal(asked_cpu, on_gl)


@pytest.mark.parametrize("opacity, on_cpu", [(1.0, True), (0.7, False)])
def test_layers_placement_and_trails_are_resampled_on_the_cpu_too(renderer, opacity, on_cpu):
    # Below full opacity the frame goes through the layer stack, drawn into its own layer
    # by the shader.
    layers = LAYERS_AT_REST._replace(frame_scale=0.7, frame_x=0.13, frame_y=-0.05,
                                     frame_opacity=opacity)
    renderer.upload(random_image((48, 64), seed=1))
    renderer.advance_trails(feedback=0.6, keep=0.9)
    renderer.upload(random_image((48, 64), seed=2))
    renderer.advance_trails(feedback=0.6, keep=0.9)   # the picture is now frame and trail
    try:
        on_gl, _ = draw(renderer, (120, 200), Placement(), cpu=False, layers=layers)
        on_cpu_picture, path = draw(renderer, (120, 200), Placement(), cpu=True, layers=layers)
    finally:
        renderer.advance_trails(feedback=0.0, keep=0.9)
    assert path == on_cpu and max_error(on_cpu_picture, on_gl) <= 1


@pytest.mark.parametrize("placement", [Placement(), Placement(mode="fill", rotation=90,
                                                               mirror="horizontal")])
def test_zoom_and_pan_are_composed_into_the_cpu_taps(renderer, placement):
    renderer.upload(random_image((48, 64), seed=3))
    zoomed = AT_REST._replace(zoom=1.6, pan_x=0.4, pan_y=-0.7)
    on_gl, _ = draw(renderer, (90, 160), placement, cpu=False, performed=zoomed)
    on_cpu, path = draw(renderer, (90, 160), placement, cpu=True, performed=zoomed)
    assert path and max_error(on_cpu, on_gl) <= 1


def test_a_spun_frame_is_resampled_by_the_shader(renderer):
    renderer.upload(random_image((48, 64), seed=3))
    spun = AT_REST._replace(spin=12.0)
    on_gl, _ = draw(renderer, (90, 160), Placement(), cpu=False, performed=spun)
    asked_cpu, path = draw(renderer, (90, 160), Placement(), cpu=True, performed=spun)
    assert not path and np.array_equal(asked_cpu, on_gl)


def test_a_frame_placed_off_the_output_draws_nothing(renderer):
    renderer.upload(random_image((48, 64), seed=4))
    off = Placement(position=(2.0, 0.5))   # centred past the right edge, half a width away
    on_cpu, _ = draw(renderer, (40, 40), off, cpu=True)
    assert np.array_equal(on_cpu, draw(renderer, (40, 40), off, cpu=False)[0])
    assert on_cpu.max() == 0


@pytest.mark.parametrize("changed", [{"master": 0.5}, {"punch": 1.2}, {"saturation": 0.0},
                                     {"hue": 90.0}, {"invert": True}])
def test_any_colour_of_the_look_is_left_to_the_shader(changed):
    assert colour_unchanged(Look(), AT_REST, fade=1.0, flash=0.0)
    assert colour_unchanged(Look(), AT_REST._replace(feedback=0.5, zoom=2.0), 1.0, 0.0)
    assert not colour_unchanged(Look(), AT_REST._replace(**changed), 1.0, 0.0)
    assert not colour_unchanged(Look(gamma=1.2), AT_REST, 1.0, 0.0)
    assert not colour_unchanged(Look(), AT_REST, fade=0.5, flash=0.0)
    assert not colour_unchanged(Look(), AT_REST, fade=1.0, flash=0.2)


def test_resampling_alone_matches_the_numpy_reference():
    image = random_image((37, 53), seed=5)[..., :3]
    where = footprint((53, 37), (0.0, 0.0, 150.0, 80.0), (150, 80))
    assert max_error(resample(image, where), catmull_rom_resize(image, (80, 150))) <= 1


def test_the_covered_pixels_are_those_whose_centres_lie_in_the_rectangle():
    where = footprint((48, 64), (14.25, -10.0, 81.75, 95.6), (160, 90))
    assert (where.left, where.width) == (14, 68)    # centres 14.5 .. 81.5
    assert (where.top, where.height) == (0, 90)     # clipped to the output


def test_the_setting_and_the_gl_renderer_decide():
    llvmpipe, gpu = "llvmpipe (LLVM 15.0.7, 256 bits)", "NVIDIA H200/PCIe/SSE2"
    assert resamples_on_cpu("auto", llvmpipe) and not resamples_on_cpu("auto", gpu)
    assert resamples_on_cpu(True, gpu) and not resamples_on_cpu(False, llvmpipe)
    for value in ("auto", True, False):
        output = build_section(OutputConfig, {"cpu_resample": value}, "show.toml", "output")
        assert output.cpu_resample == value


def render(tmp_path, name, frames, cpu_resample):
    """Render ``frames`` through a real compositor process in render mode, lossless (crf 0),
    with a spin from frame 2 on; the decoded recording and each frame's log record."""
    record, log = tmp_path / f"{name}.mp4", tmp_path / f"{name}.jsonl"
    output = OutputConfig(width=160, height=90, position=[0.3, 0.5], record_crf=0,
                          cpu_resample=cpu_resample)
    with CompositorHarness(frame_shape=(48, 64), output=output, record_path=str(record),
                           frame_log=str(log), mode="render", fps=30) as show:
        ready = show.status()
        assert ready.status == "ready", ready.detail
        assert ("resampling on the CPU" in ready.detail) == cpu_resample
        spun = DisplayState(False, False, (), from_index=2, look=AT_REST._replace(spin=30.0))
        show.inbox.put(spun)
        show.start(len(frames), lead=-1.0)
        for index, pixels in enumerate(frames):
            show.deliver(index, pixels=pixels)
        assert show.finish(reason=None).status == "finished"
    return decode_frames(record, 160, 90), [json.loads(line) for line in log.read_text().splitlines()]


def test_a_render_resamples_on_the_cpu_and_records_the_shaders_picture(tmp_path):
    ramp = np.linspace(0, 255, 64)
    frames = []
    for seed in range(4):   # smooth pictures with some grain: the encoder's chroma is 4:2:0
        frame = random_image((48, 64), seed) // 8
        frame[..., :3] += (ramp[None, :, None] * [0.85, 0.4, 0.6]).astype(np.uint8)
        frames.append(frame)
    on_cpu, cpu_log = render(tmp_path, "cpu", frames, cpu_resample=True)
    on_gl, gl_log = render(tmp_path, "gl", frames, cpu_resample=False)
    assert [e["resample"] for e in cpu_log] == ["cpu", "cpu", "gl", "gl"]   # spin from 2 on
    assert [e["resample"] for e in gl_log] == ["gl"] * 4
    # Lossless H.264, but of 4:2:0 YUV: a level of difference in RGB can come back as up to
    # three (a level of Y and of V both land in red); on average it stays a fraction.
    assert max_error(on_cpu[:2], on_gl[:2]) <= 3
    assert np.abs(on_cpu[:2].astype(int) - on_gl[:2]).mean() < 0.2
    assert np.array_equal(on_cpu[2:], on_gl[2:])
