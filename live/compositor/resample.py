"""``upscale``: one image through the compositor's real GL path, for scripts and tests.

The first call creates a headless EGL context and the renderer (compiling the shaders) and
keeps them for later calls in the same process.
"""

from __future__ import annotations

import numpy as np

from live.compositor.context import headless_context, offscreen_target
from live.compositor.look import Look
from live.compositor.placement import Placement
from live.compositor.renderer import AT_REST, FrameRenderer
from live.contracts.messages import PerformedLook

_renderer: FrameRenderer | None = None


def _shared_renderer() -> FrameRenderer:
    global _renderer
    if _renderer is None:
        _renderer = FrameRenderer(headless_context())
    return _renderer


def upscale(image: np.ndarray, size: tuple[int, int], method: str = "bicubic",
            performed: PerformedLook = AT_REST, placement: Placement | None = None,
            cpu_resample: bool = False) -> np.ndarray:
    """Resample an ``[H, W, 3 or 4]`` uint8 image to ``size = (out_h, out_w)`` on the GPU.

    ``method`` is ``"bicubic"`` (Catmull-Rom), ``"linear"`` or ``"nearest"`` (and, for
    comparisons, ``"bicubic9"`` / ``"bicubic16"``: the two Catmull-Rom shader variants);
    ``performed`` applies a performed look (zoom, colour) as the show does; ``placement``
    places the image on the output (stretched over it by default); ``cpu_resample`` takes
    the renders' CPU path (Catmull-Rom on the CPU, drawn texel for texel; see
    :mod:`live.compositor.cpu_resample`).
    The result has the input's channel count; alpha is not resampled and comes back opaque.
    """
    if image.ndim != 3 or image.shape[2] not in (3, 4) or image.dtype != np.uint8:
        raise ValueError(f"expected an [H, W, 3 or 4] uint8 image, got {image.dtype} {image.shape}")
    out_h, out_w = size
    channels = image.shape[2]
    if channels == 3:
        image = np.concatenate([image, np.full(image.shape[:2] + (1,), 255, np.uint8)], axis=2)
    renderer = _shared_renderer()
    renderer.cpu_resample = cpu_resample
    # Another context made current since (a caller's own) must not take the drawing.
    with renderer.ctx:
        renderer.upload(image)
        target = offscreen_target(renderer.ctx, out_w, out_h)
        try:
            renderer.draw(target, Look(method=method,
                                       placement=placement or Placement(mode="stretch")),
                          flip_y=True, performed=performed)
            pixels = np.frombuffer(target.read(components=4, alignment=1), np.uint8)
        finally:
            for attachment in target.color_attachments:
                attachment.release()
            target.release()
    return pixels.reshape(out_h, out_w, 4)[:, :, :channels].copy()
