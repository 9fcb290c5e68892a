"""GL resources that turn a frame's pixels into the output picture.

Kept apart from where the picture goes: :class:`FrameRenderer` draws into any moderngl
framebuffer (a glfw window's screen, or an offscreen target in the headless EGL context),
so the window and the recording share every line of drawing code.

Uploads go through a small ring of pixel buffer objects: the CPU copies the new frame into
the next buffer (orphaned first, so the driver never waits for a transfer still reading
it) and the texture update from that buffer is queued on the GPU without stalling the draw.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import moderngl
import numpy as np

from live.compositor.context import image_texture
from live.compositor.cpu_resample import footprint, orient, resample, shown_point
from live.compositor.layers import LayerStack, stacked
from live.compositor.look import METHODS, Look, colour_unchanged, view_transform
from live.compositor.placement import Placement, frame_rect, frame_vertices, rect_vertices
from live.compositor.shaders import SHADER_DIR, load_program
from live.contracts.messages import PerformedLayers, PerformedLook

UPLOAD_BUFFERS = 3
AT_REST = PerformedLook.declared_defaults()   # the performed look that changes nothing
LAYERS_AT_REST = PerformedLayers.declared_defaults()   # the frame alone, as placed
_VERTEX_FORMAT = ("2f 2f", "in_position", "in_uv")
_UPRIGHT_UV = np.array([(0.0, 0.0), (1.0, 0.0), (0.0, 1.0), (1.0, 1.0)], dtype=np.float32)
# The whole target, texture row 0 in framebuffer row 0: a texel-for-texel pass.
_TEXEL_FOR_TEXEL = np.array([(-1.0, -1.0, 0.0, 0.0), (1.0, -1.0, 1.0, 0.0),
                             (-1.0, 1.0, 0.0, 1.0), (1.0, 1.0, 1.0, 1.0)], dtype=np.float32)


def target_size(target: moderngl.Framebuffer) -> tuple[int, int]:
    """``(width, height)`` drawn into: the viewport, which a window keeps at its size."""
    _, _, width, height = target.viewport
    return width, height


class Overlay:
    """An RGBA image drawn over the output at a pixel position (top-left origin): the HUD."""

    def __init__(self, ctx: moderngl.Context) -> None:
        self.ctx = ctx
        self.texture: moderngl.Texture | None = None
        self.position = (0, 0)

    def set_image(self, rgba: np.ndarray, position: tuple[int, int]) -> None:
        """Replace the picture (``[h, w, 4]`` uint8, straight alpha) and where it goes."""
        self.texture = image_texture(self.ctx, self.texture, rgba, smooth=False)
        self.position = position

    def release(self) -> None:
        if self.texture is not None:
            self.texture.release()
            self.texture = None


@dataclass
class _Programs:
    """What one context draws with: a program per resampling method, the overlay program,
    the quad they read and a vertex array for each.

    moderngl ties programs and vertex arrays to the context that made them (and OpenGL never
    shares vertex arrays), so each context that draws gets its own; they are small.
    """

    frame: dict[int, moderngl.Program]
    overlay: moderngl.Program
    quad: moderngl.Buffer
    frame_vaos: dict[int, moderngl.VertexArray]
    overlay_vao: moderngl.VertexArray

    @classmethod
    def compile(cls, ctx: moderngl.Context, shader_dir: Path) -> _Programs:
        """Compile and link every program in ``ctx`` (which must be current)."""
        frame = {number: load_program(ctx, "quad.vert", "frame.frag", shader_dir,
                                      defines={"UPSCALE_METHOD": number})
                 for number in sorted(set(METHODS.values()))}
        overlay = load_program(ctx, "quad.vert", "overlay.frag", shader_dir)
        quad = ctx.buffer(reserve=4 * 4 * 4, dynamic=True)

        def over_quad(program: moderngl.Program) -> moderngl.VertexArray:
            return ctx.vertex_array(program, [(quad, *_VERTEX_FORMAT)])
        return cls(frame, overlay, quad, {number: over_quad(program)
                                          for number, program in frame.items()},
                   over_quad(overlay))

    def release(self) -> None:
        for resource in (*self.frame_vaos.values(), self.overlay_vao, self.quad,
                         *self.frame.values(), self.overlay):
            resource.release()


class _Trails:
    """Feedback trails at the frame's size: two float trail textures used in turn (one read,
    one drawn) and the picture drawn from the newest, which the frame program then reads
    instead of the frame."""

    def __init__(self, ctx: moderngl.Context, width: int, height: int) -> None:
        self.trails = [ctx.texture((width, height), 4, dtype="f4") for _ in range(2)]
        self.picture = ctx.texture((width, height), 4)
        for texture in (*self.trails, self.picture):
            texture.repeat_x = texture.repeat_y = False
        for texture in self.trails:
            texture.filter = (moderngl.NEAREST, moderngl.NEAREST)
        self.picture.filter = (moderngl.LINEAR, moderngl.LINEAR)  # as the frame's (bicubic9)
        self.targets = [ctx.framebuffer(color_attachments=[trail, self.picture])
                        for trail in self.trails]
        self.newest = 0
        self.started = False    # the first step starts the trail from the frame itself

    @property
    def size(self) -> tuple[int, int]:
        return self.picture.size

    def release(self) -> None:
        for resource in (*self.targets, *self.trails, self.picture):
            resource.release()


class _CpuPlaced:
    """The picture (the frame, with its trails) resampled on the CPU onto a texture of the
    output's size over the background (copied to the output as it is), with a
    framebuffer to copy from, and what it was made from (it is made once per picture and
    geometry)."""

    def __init__(self) -> None:
        self.texture: moderngl.Texture | None = None
        self.framebuffer: moderngl.Framebuffer | None = None
        self.made_from: tuple | None = None
        self.pixels: np.ndarray | None = None   # the picture read back

    def fit(self, ctx: moderngl.Context, size: tuple[int, int]) -> None:
        """Have a texture and framebuffer of ``size = (width, height)``."""
        if self.texture is not None and self.texture.size == size:
            return
        self.release()
        self.texture = ctx.texture(size, 4)
        self.texture.filter = (moderngl.NEAREST, moderngl.NEAREST)
        self.framebuffer = ctx.framebuffer(color_attachments=[self.texture])

    def release(self) -> None:
        for resource in (self.framebuffer, self.texture):
            if resource is not None:
                resource.release()
        self.texture = self.framebuffer = self.made_from = None


class FrameRenderer:
    """The frame texture, its upload buffers and the programs that draw it.

    ``upload`` takes a new ``[h, w, 4]`` uint8 frame (from a shared-memory slot, say);
    ``draw`` paints the last uploaded frame into a framebuffer with a :class:`Look`.

    ``draw`` can also paint into the framebuffers of a second context that shares this one's
    textures (the performer's preview window): :meth:`add_context` gives it its own
    programs, and the frame is still uploaded once, through the renderer's own context.

    With ``cpu_resample`` set (renders where GL is software, see
    :mod:`live.compositor.cpu_resample`), ``draw`` resamples the frame on the CPU to the
    pixels it covers (zoom and pan included) and copies that to the output where the frame
    program would change no pixel of it (a render's usual frame: the look's colour at rest,
    no fade, flash or layer stack); other frames, and those the performed look spins, are
    resampled in the shader.
    """

    def __init__(self, ctx: moderngl.Context, shader_dir: Path = SHADER_DIR,
                 upload_buffers: int = UPLOAD_BUFFERS) -> None:
        self.ctx = ctx
        self._shader_dir = shader_dir
        # Every program is compiled now, so a broken shader stops the start, not the show;
        # switching the resampling method is then just a different program.
        self._programs = {ctx: _Programs.compile(ctx, shader_dir)}
        self._trail_program = load_program(ctx, "quad.vert", "trail.frag", shader_dir)
        self._trail_program["u_flip_y"].value = 1.0
        self._trail_program["u_frame"].value, self._trail_program["u_trail"].value = 0, 1
        self._trail_quad = ctx.buffer(_TEXEL_FOR_TEXEL.tobytes())
        self._trail_vao = ctx.vertex_array(self._trail_program,
                                           [(self._trail_quad, *_VERTEX_FORMAT)])
        self._trails: _Trails | None = None
        self.layers = LayerStack(ctx, shader_dir)   # the video below, the frame mixed over it
        self._upload_count = upload_buffers
        self._uploads: list[moderngl.Buffer] = []
        self._next_upload = 0
        self.texture: moderngl.Texture | None = None
        self._texture_target: moderngl.Framebuffer | None = None   # draws into the frame
        self.cpu_resample = False
        self.resampled_on_cpu = False   # whether the last draw's frame was
        self._cpu_placed = _CpuPlaced()
        self._picture_version = 0    # the frame or its trails changed: resample again

    @property
    def has_frame(self) -> bool:
        return self.texture is not None

    def upload(self, pixels: np.ndarray) -> None:
        """Copy a ``[h, w, 4]`` uint8 frame into the next upload buffer and on to the texture,
        then draw the eye overlay (``layers.set_eyes``, set before) into it."""
        height, width = pixels.shape[:2]
        if self.texture is None or self.texture.size != (width, height):
            self._allocate(width, height)
        buffer = self._uploads[self._next_upload]
        self._next_upload = (self._next_upload + 1) % len(self._uploads)
        buffer.orphan()
        buffer.write(np.ascontiguousarray(pixels))
        self.texture.write(buffer)
        self.layers.draw_eyes(self._texture_target)
        self._picture_version += 1

    def _allocate(self, width: int, height: int) -> None:
        for buffer in self._uploads:
            buffer.release()
        if self.texture is not None:
            self._texture_target.release()
            self.texture.release()
        self.texture = self.ctx.texture((width, height), 4)
        self._texture_target = self.ctx.framebuffer(color_attachments=[self.texture])
        # Linear filtering is what the 9-tap bicubic and the "linear" method read through;
        # nearest and 16-tap bicubic use texelFetch and ignore it. Edges repeat (clamp).
        self.texture.filter = (moderngl.LINEAR, moderngl.LINEAR)
        self.texture.repeat_x = self.texture.repeat_y = False
        self._uploads = [self.ctx.buffer(reserve=width * height * 4)
                         for _ in range(self._upload_count)]
        self._next_upload = 0

    def advance_trails(self, feedback: float, keep: float) -> None:
        """One output period of feedback trails (call once per period, after any upload, with
        the renderer's own context current): the trail fades by ``keep`` and takes the
        brighter of itself and the frame; ``draw`` then shows the frame mixed with it by
        ``feedback``. With ``feedback`` 0 the trails are dropped and the frame drawn as is."""
        if feedback <= 0.0 or self.texture is None:
            if self._trails is not None:
                self._trails.release()
                self._trails = None
            return
        if self._trails is None or self._trails.size != self.texture.size:
            if self._trails is not None:
                self._trails.release()
            self._trails = _Trails(self.ctx, *self.texture.size)
        trails = self._trails
        drawn = 1 - trails.newest
        program = self._trail_program
        program["u_keep"].value = keep if trails.started else 0.0
        program["u_feedback"].value = feedback
        trails.targets[drawn].use()
        trails.targets[drawn].viewport = (0, 0, *trails.size)
        self.texture.use(0)
        trails.trails[trails.newest].use(1)
        self._trail_vao.render(moderngl.TRIANGLE_STRIP)
        trails.newest, trails.started = drawn, True
        self._picture_version += 1

    def add_context(self, ctx: moderngl.Context) -> None:
        """Let :meth:`draw` paint into ``ctx``'s framebuffers; ``ctx`` shares this renderer's
        objects and is current now. Call :meth:`forget_context` before it goes."""
        self._programs[ctx] = _Programs.compile(ctx, self._shader_dir)
        self.layers.add_context(ctx)

    def forget_context(self, ctx: moderngl.Context) -> None:
        """Release what :meth:`add_context` made for ``ctx`` (current now)."""
        self._programs.pop(ctx).release()
        self.layers.forget_context(ctx)

    def draw(self, target: moderngl.Framebuffer, look: Look, fade: float = 1.0,
             flip_y: bool = False, overlays: tuple[Overlay, ...] = (),
             performed: PerformedLook = AT_REST, flash: float = 0.0,
             layers: PerformedLayers = LAYERS_AT_REST) -> None:
        """Paint background (or the video layer), frame (if one was uploaded) and overlays
        into ``target``.

        ``fade`` scales the whole picture toward black (1 = full); ``flip_y`` stores the top
        row first, for targets that are read back (see quad.vert); ``performed`` is the
        performed look, applied after the static ``look``; ``flash`` takes the frame toward
        white (the strobe, see ``look.strobe_flash``); ``layers`` places the frame and mixes
        it over the video layer (see :mod:`live.compositor.layers`). With trails running
        (see :meth:`advance_trails`) the frame is drawn with its trails.
        """
        target.use()
        programs = self._programs[target.ctx]
        width, height = target_size(target)
        background = tuple(channel * fade for channel in look.background)
        flip = -1.0 if flip_y else 1.0
        stack = stacked(layers, self.layers.has_video)
        self.resampled_on_cpu = False
        if self.texture is not None:
            placement = replace(look.placement, scale=layers.frame_scale,
                                offset=(layers.frame_x, layers.frame_y))
            frame_quad = frame_vertices(*self.texture.size, width, height, placement)
            # Only where frame.frag would leave every pixel as the CPU made it, so that a
            # copy does its work: drawn through it, the CPU's picture costs what the shader's
            # own resampling does (llvmpipe pays per fragment, not per texel read). A spin
            # mixes the axes, which the separable taps cannot.
            self.resampled_on_cpu = (self.cpu_resample and performed.spin == 0.0 and flip_y
                                     and not stack and target.ctx is self.ctx
                                     and colour_unchanged(look, performed, fade, flash))
        if self.resampled_on_cpu:
            placed = self._placed_on_cpu(width, height, placement, performed, background)
            target.ctx.copy_framebuffer(target, placed.framebuffer)
        elif stack:
            self.layers.frame_layer(target)   # bound and cleared: the frame is drawn there
        else:
            target.clear(*background, 1.0)
        if self.texture is not None and not self.resampled_on_cpu:
            programs.quad.write(frame_quad)
            method = METHODS[look.method]
            program = programs.frame[method]
            program["u_flip_y"].value = flip
            program["u_brightness"].value = look.brightness
            program["u_contrast"].value = look.contrast
            program["u_gamma"].value = look.gamma
            program["u_fade"].value = fade
            program["u_background"].value = background
            program["u_master"].value = performed.master
            program["u_punch"].value = performed.punch
            program["u_saturation"].value = performed.saturation
            program["u_hue"].value = performed.hue / 360.0
            program["u_invert"].value = performed.invert
            program["u_flash"].value = flash
            program["u_view_centre"].value, program["u_view"].value = \
                view_transform(performed, *self.texture.size)
            self._picture().use(0)
            programs.frame_vaos[method].render(moderngl.TRIANGLE_STRIP)
        if stack:
            self.layers.composite(target, layers, background, fade, flip)
        for overlay in overlays:
            self._draw_overlay(target.ctx, programs, overlay, width, height, flip)

    def _picture(self) -> moderngl.Texture:
        """What the frame program resamples: the frame, or with trails running the frame
        mixed with its trail."""
        return self._trails.picture if self._trails is not None else self.texture

    def _placed_on_cpu(self, width: int, height: int, placement: Placement,
                       performed: PerformedLook, background: tuple[float, float, float]
                       ) -> _CpuPlaced:
        """The picture resampled on the CPU onto a ``width x height`` output as
        ``placement`` places it and the performed zoom and pan show it, over
        ``background`` (made once per picture and geometry)."""
        placed = self._cpu_placed
        tex_w, tex_h = self.texture.size
        centre, _ = view_transform(performed, tex_w, tex_h)
        made_from = (self._picture_version, width, height, placement, performed.zoom, centre,
                     background)
        if placed.made_from == made_from:
            return placed
        if placed.pixels is None or placed.pixels.shape[:2] != (tex_h, tex_w):
            placed.pixels = np.empty((tex_h, tex_w, 4), np.uint8)
        self._picture().read_into(placed.pixels)
        # The output is opaque (frame.frag writes alpha 1): colour is all there is to resample.
        shown = orient(placed.pixels[:, :, :3], placement.rotation, placement.mirror)
        where = footprint((shown.shape[1], shown.shape[0]),
                          frame_rect(tex_w, tex_h, width, height, placement), (width, height),
                          shown_point(centre, placement.rotation, placement.mirror),
                          performed.zoom)
        placed.fit(self.ctx, (width, height))
        if (where.width, where.height) != (width, height):
            placed.framebuffer.clear(*background, 1.0)
        if not where.empty:
            placed.texture.write(cv2.cvtColor(resample(shown, where), cv2.COLOR_RGB2RGBA),
                                 viewport=(where.left, where.top, where.width, where.height))
        placed.made_from = made_from
        return placed

    @staticmethod
    def _draw_overlay(ctx: moderngl.Context, programs: _Programs, overlay: Overlay,
                      width: int, height: int, flip: float) -> None:
        if overlay.texture is None:
            return
        x, y = overlay.position
        w, h = overlay.texture.size
        programs.quad.write(rect_vertices((x, y, x + w, y + h), width, height, _UPRIGHT_UV))
        programs.overlay["u_flip_y"].value = flip
        overlay.texture.use(0)
        ctx.enable(moderngl.BLEND)
        ctx.blend_func = moderngl.SRC_ALPHA, moderngl.ONE_MINUS_SRC_ALPHA
        programs.overlay_vao.render(moderngl.TRIANGLE_STRIP)
        ctx.disable(moderngl.BLEND)

    def release(self) -> None:
        """Release everything (forget any added context first)."""
        self.forget_context(self.ctx)
        if self._trails is not None:
            self._trails.release()
        self._cpu_placed.release()
        self.layers.release()
        for resource in (*self._uploads, self._texture_target, self.texture, self._trail_vao,
                         self._trail_quad, self._trail_program):
            if resource is not None:
                resource.release()
