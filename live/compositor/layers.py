"""The layer stack's GL (issue 12): the video layer under the GAN frame, the frame placed
over it with an opacity and a blend mode, the eye overlay inside the frame.

When the stack is in play (a video layer, or a frame not simply opaque), :class:`FrameRenderer
<live.compositor.renderer.FrameRenderer>` draws the frame into a transparent layer of the
output's size instead of onto the output, and :meth:`LayerStack.composite` mixes that layer
over the video (or the background) in one pass of ``shaders/layers.frag``. Without it, the
frame is drawn straight onto the output as before, at no extra cost.

The eye overlay (the source video's eye region, see :mod:`live.overlay.detector`) is drawn
into the frame's own texture as it is uploaded, where its region lies in the frame's pixels
(:func:`eye_quad`), feathered by ``shaders/eyes.frag``: it is part of the frame before the
look, so the trails, zoom, pan, spin, placement and colour move and tint it with the face it
belongs on.

Like the renderer, the stack can composite into several contexts that share its textures
(the output window and the performer's preview): each gets its own program, quad and layer.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import moderngl
import numpy as np

from live.compositor.context import image_texture
from live.compositor.placement import rect_vertices
from live.compositor.shaders import SHADER_DIR, load_program
from live.contracts.messages import PerformedLayers

_VERTEX_FORMAT = ("2f 2f", "in_position", "in_uv")
_UPRIGHT_UV = np.array([(0.0, 0.0), (1.0, 0.0), (0.0, 1.0), (1.0, 1.0)], dtype=np.float32)
TRANSPARENT = (0.0, 0.0, 0.0, 0.0)


class EyeDrawing(NamedTuple):
    """The eye overlay to draw: where its region lies on the frame, and how strongly."""

    region_box: tuple[int, int, int, int]   # x, y, w, h in the frame's pixels
    frame_size: tuple[int, int]             # the frame's (width, height)
    opacity: float
    feather: float


def eye_quad(region_box: tuple[int, int, int, int], frame_size: tuple[int, int]) -> np.ndarray:
    """The ``[4, 4]`` strip ``(x, y, u, v)`` drawing the region picture over ``region_box``
    of a framebuffer on the frame's texture (its top row is texture row 0, at NDC y = -1).

    >>> eye_quad((25, 0, 50, 10), (100, 20))[:, :2].tolist()
    [[-0.5, -1.0], [0.5, -1.0], [-0.5, 0.0], [0.5, 0.0]]
    """
    x, y, w, h = region_box
    width, height = frame_size
    corners = np.array([(x, y), (x + w, y), (x, y + h), (x + w, y + h)], float)   # TL TR BL BR
    positions = corners / (width, height) * 2.0 - 1.0
    return np.column_stack([positions, _UPRIGHT_UV]).astype(np.float32)


def stacked(layers: PerformedLayers, has_video: bool) -> bool:
    """Whether the frame needs the stack: a video below it, or anything but an opaque,
    normally blended frame over the background."""
    return has_video or layers.frame_opacity < 1.0 or layers.frame_blend != 0


@dataclass
class _ContextPart:
    """What one context composites with: the program, its quad, and the frame layer."""

    program: moderngl.Program
    quad: moderngl.Buffer
    vao: moderngl.VertexArray
    layer: moderngl.Texture | None = None
    layer_target: moderngl.Framebuffer | None = None

    def layer_of_size(self, ctx: moderngl.Context, size: tuple[int, int]) -> moderngl.Framebuffer:
        if self.layer is None or self.layer.size != size:
            self.release_layer()
            self.layer = ctx.texture(size, 4)
            self.layer_target = ctx.framebuffer(color_attachments=[self.layer])
        return self.layer_target

    def release_layer(self) -> None:
        if self.layer is not None:
            self.layer_target.release()
            self.layer.release()
            self.layer = self.layer_target = None

    def release(self) -> None:
        self.release_layer()
        for resource in (self.vao, self.quad, self.program):
            resource.release()


class LayerStack:
    """The video texture, the eye overlay and, per context, the compositing program and the
    frame layer."""

    def __init__(self, ctx: moderngl.Context, shader_dir: Path = SHADER_DIR) -> None:
        self.ctx = ctx
        self._shader_dir = shader_dir
        self._parts: dict[moderngl.Context, _ContextPart] = {}
        self.video: moderngl.Texture | None = None
        self.eye_region: moderngl.Texture | None = None
        self.eyes: EyeDrawing | None = None    # None: no eye overlay on the frame
        # The eyes are drawn in the frame's texture, through this (the uploading) context only.
        self._eyes_program = load_program(ctx, "quad.vert", "eyes.frag", shader_dir)
        self._eyes_program["u_flip_y"].value = 1.0
        self._eyes_quad = ctx.buffer(reserve=4 * 4 * 4, dynamic=True)
        self._eyes_vao = ctx.vertex_array(self._eyes_program,
                                          [(self._eyes_quad, *_VERTEX_FORMAT)])
        self.add_context(ctx)

    def add_context(self, ctx: moderngl.Context) -> None:
        """Composite into ``ctx`` too (current now, sharing this context's objects)."""
        program = load_program(ctx, "quad.vert", "layers.frag", self._shader_dir)
        program["u_video"].value = 0
        program["u_layer"].value = 1
        quad = ctx.buffer(reserve=4 * 4 * 4, dynamic=True)
        vao = ctx.vertex_array(program, [(quad, *_VERTEX_FORMAT)])
        self._parts[ctx] = _ContextPart(program, quad, vao)

    def forget_context(self, ctx: moderngl.Context) -> None:
        self._parts.pop(ctx).release()

    @property
    def has_video(self) -> bool:
        return self.video is not None

    def upload_video(self, pixels: np.ndarray) -> None:
        """The video layer's newest picture, ``[h, w, 4]`` uint8 (top row first)."""
        self.video = image_texture(self.ctx, self.video, pixels)

    def set_eyes(self, region: np.ndarray | None, drawing: EyeDrawing | None) -> None:
        """The eye overlay from now on: a new region picture (``[h, w, 3]`` uint8; None keeps
        the last one) and where and how strongly it is drawn (None: not at all)."""
        if region is not None:
            self.eye_region = image_texture(self.ctx, self.eye_region, region)
        self.eyes = drawing if self.eye_region is not None else None

    def draw_eyes(self, frame: moderngl.Framebuffer) -> None:
        """The eye overlay into the frame just uploaded (``frame`` draws into its texture)."""
        eyes = self.eyes
        if eyes is None or eyes.opacity <= 0.0:
            return
        frame.use()
        self._eyes_quad.write(eye_quad(eyes.region_box, eyes.frame_size))
        self._eyes_program["u_opacity"].value = eyes.opacity
        self._eyes_program["u_feather"].value = eyes.feather
        self.eye_region.use(0)
        self.ctx.enable(moderngl.BLEND)
        # The frame keeps its own alpha (the layer stack's opacity reads it).
        self.ctx.blend_func = (moderngl.SRC_ALPHA, moderngl.ONE_MINUS_SRC_ALPHA,
                               moderngl.ZERO, moderngl.ONE)
        self._eyes_vao.render(moderngl.TRIANGLE_STRIP)
        self.ctx.disable(moderngl.BLEND)

    def frame_layer(self, target: moderngl.Framebuffer) -> moderngl.Framebuffer:
        """A transparent layer the size of ``target`` (in its context) to draw the frame in."""
        _, _, width, height = target.viewport
        layer = self._parts[target.ctx].layer_of_size(target.ctx, (width, height))
        layer.use()
        layer.clear(*TRANSPARENT)
        return layer

    def composite(self, target: moderngl.Framebuffer, layers: PerformedLayers,
                  background: tuple[float, float, float], fade: float, flip: float) -> None:
        """Mix the frame layer over the video (or ``background``) into ``target``."""
        part = self._parts[target.ctx]
        target.use()
        _, _, width, height = target.viewport
        part.quad.write(rect_vertices((0, 0, width, height), width, height, _UPRIGHT_UV))
        program = part.program
        program["u_flip_y"].value = flip
        program["u_has_video"].value = self.has_video
        program["u_background"].value = background
        program["u_fade"].value = fade
        program["u_opacity"].value = layers.frame_opacity
        program["u_blend"].value = int(layers.frame_blend)
        if self.video is not None:
            self.video.use(0)
        part.layer.use(1)
        part.vao.render(moderngl.TRIANGLE_STRIP)

    def release(self) -> None:
        """Release everything (the renderer forgets the contexts first)."""
        for part in self._parts.values():
            part.release()
        self._parts.clear()
        for resource in (self._eyes_vao, self._eyes_quad, self._eyes_program):
            resource.release()
        for texture in (self.video, self.eye_region):
            if texture is not None:
                texture.release()
        self.video = self.eye_region = None
