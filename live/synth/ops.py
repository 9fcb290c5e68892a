"""The four numerical building blocks of StyleGAN2, in plain PyTorch.

Each function is the same mathematical function as its counterpart in NVIDIA's
stylegan2-ada-pytorch (``torch_utils/ops`` and ``training/networks.py``), written against the
*reference* path of those ops (the custom CUDA kernels there compute the same thing faster):

- :func:`upfirdn2d`: upsample by zero insertion, pad, convolve with a 2-D FIR filter, downsample.
- :func:`conv2d_resample`: a convolution fused with FIR up/down-sampling (a strided transposed
  convolution followed by the low-pass filter when upsampling).
- :func:`bias_act`: bias, activation, gain, then clamping to ``+-clamp``.
- :func:`modulated_conv2d`: per-sample weight modulation by the style, demodulation, and the
  conv, either fused as one grouped convolution or as scale-conv-scale.

Tensors are NCHW; ``f`` filters are prepared with :func:`setup_filter`.
"""

from __future__ import annotations

import math
from typing import Callable, NamedTuple, Sequence

import torch
import torch.nn.functional as F


class Activation(NamedTuple):
    """An activation with its default leak ``alpha`` and the ``gain`` that keeps variance ~1."""

    func: Callable[[torch.Tensor, float], torch.Tensor]
    def_alpha: float
    def_gain: float


# The activations NVIDIA's bias_act offers, with the same default alpha and gain.
ACTIVATIONS: dict[str, Activation] = {
    "linear": Activation(lambda x, a: x, 0.0, 1.0),
    "relu": Activation(lambda x, a: F.relu(x), 0.0, math.sqrt(2)),
    "lrelu": Activation(lambda x, a: F.leaky_relu(x, a), 0.2, math.sqrt(2)),
    "tanh": Activation(lambda x, a: torch.tanh(x), 0.0, 1.0),
    "sigmoid": Activation(lambda x, a: torch.sigmoid(x), 0.0, 1.0),
    "elu": Activation(lambda x, a: F.elu(x), 0.0, 1.0),
    "selu": Activation(lambda x, a: F.selu(x), 0.0, 1.0),
    "softplus": Activation(lambda x, a: F.softplus(x), 0.0, 1.0),
    "swish": Activation(lambda x, a: torch.sigmoid(x) * x, 0.0, math.sqrt(2)),
}


def activation_spec(name: str) -> Activation:
    """The :class:`Activation` called ``name``; a clear error for names no network uses."""
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation '{name}' (known: {', '.join(ACTIVATIONS)})")
    return ACTIVATIONS[name]


def bias_act(x: torch.Tensor, b: torch.Tensor | None = None, dim: int = 1, act: str = "linear",
             alpha: float | None = None, gain: float | None = None,
             clamp: float | None = None) -> torch.Tensor:
    """``clamp(act(x + b) * gain, -clamp, clamp)`` with ``b`` broadcast along ``dim``.

    ``alpha`` and ``gain`` default to the activation's own (lrelu: 0.2 and sqrt(2)); ``clamp``
    None means no clamping. This is where StyleGAN2's ``conv_clamp`` keeps fp16 finite.
    """
    spec = activation_spec(act)
    alpha = float(alpha if alpha is not None else spec.def_alpha)
    gain = float(gain if gain is not None else spec.def_gain)
    if b is not None:
        assert b.ndim == 1 and b.shape[0] == x.shape[dim], (b.shape, x.shape, dim)
        x = x + b.reshape([-1 if i == dim else 1 for i in range(x.ndim)])
    x = spec.func(x, alpha)
    if gain != 1:
        x = x * gain
    if clamp is not None and clamp >= 0:
        x = x.clamp(-clamp, clamp)
    return x


def setup_filter(f: Sequence[float] | torch.Tensor, normalize: bool = True,
                 flip_filter: bool = False, gain: float = 1.0) -> torch.Tensor:
    """A float32 FIR filter ready for :func:`upfirdn2d`.

    A 1-D list ``[1, 3, 3, 1]`` becomes its 4x4 outer product (NVIDIA keeps filters shorter
    than 8 taps non-separable), normalised to sum 1. The result is what the networks store in
    their ``resample_filter`` buffers.
    """
    f = torch.as_tensor(f, dtype=torch.float32)
    if f.ndim == 0:
        f = f[None]
    assert f.ndim in (1, 2) and f.numel() > 0, f.shape
    # NVIDIA only keeps 1-D filters of 8 taps or more separable; shorter ones become 2-D.
    if f.ndim == 1 and f.numel() < 8:
        f = torch.outer(f, f)
    if normalize:
        f = f / f.sum()
    if flip_filter:
        f = f.flip(list(range(f.ndim)))
    return f * (gain ** (f.ndim / 2))


def _pair(v: int | Sequence[int]) -> tuple[int, int]:
    if isinstance(v, int):
        return v, v
    assert len(v) == 2, v
    return int(v[0]), int(v[1])


def _padding4(padding: int | Sequence[int]) -> tuple[int, int, int, int]:
    """``(x0, x1, y0, y1)`` from an int, ``(px, py)`` or the four values."""
    if isinstance(padding, int):
        return padding, padding, padding, padding
    if len(padding) == 2:
        px, py = padding
        return px, px, py, py
    assert len(padding) == 4, padding
    return tuple(int(p) for p in padding)  # type: ignore[return-value]


def filter_size(f: torch.Tensor | None) -> tuple[int, int]:
    """(width, height) of a prepared filter; (1, 1) for no filter."""
    if f is None:
        return 1, 1
    assert f.ndim in (1, 2), f.shape
    return (f.shape[-1], f.shape[0])


def upfirdn2d(x: torch.Tensor, f: torch.Tensor | None, up: int | Sequence[int] = 1,
              down: int | Sequence[int] = 1, padding: int | Sequence[int] = 0,
              flip_filter: bool = False, gain: float = 1.0) -> torch.Tensor:
    """Upsample (zero insertion), pad/crop, FIR-filter, then downsample (keep every n-th).

    ``x``: ``[N, C, H, W]``; ``f``: a 2-D (or 1-D separable) filter or None for identity.
    The filter is applied as a true convolution (flipped) unless ``flip_filter``; ``gain``
    scales it, e.g. ``up**2`` to keep brightness after zero insertion.
    """
    assert x.ndim == 4, x.shape
    if f is None:
        f = torch.ones([1, 1], dtype=torch.float32, device=x.device)
    upx, upy = _pair(up)
    downx, downy = _pair(down)
    px0, px1, py0, py1 = _padding4(padding)
    batch, channels, height, width = x.shape

    # Zero insertion: each pixel followed by up-1 zeros along both axes.
    x = x.reshape(batch, channels, height, 1, width, 1)
    x = F.pad(x, [0, upx - 1, 0, 0, 0, upy - 1])
    x = x.reshape(batch, channels, height * upy, width * upx)

    # Positive padding pads with zeros, negative padding crops.
    x = F.pad(x, [max(px0, 0), max(px1, 0), max(py0, 0), max(py1, 0)])
    x = x[:, :, max(-py0, 0): x.shape[2] - max(-py1, 0), max(-px0, 0): x.shape[3] - max(-px1, 0)]

    # conv2d correlates; flipping the filter makes it a convolution like the reference.
    f = (f * (gain ** (f.ndim / 2))).to(x.dtype)
    if not flip_filter:
        f = f.flip(list(range(f.ndim)))
    f = f[None, None].repeat([channels, 1] + [1] * f.ndim)
    if f.ndim == 4:
        x = F.conv2d(x, f, groups=channels)
    else:
        x = F.conv2d(x, f.unsqueeze(2), groups=channels)
        x = F.conv2d(x, f.unsqueeze(3), groups=channels)
    return x[:, :, ::downy, ::downx]


def upsample2d(x: torch.Tensor, f: torch.Tensor, up: int = 2, flip_filter: bool = False,
               gain: float = 1.0) -> torch.Tensor:
    """2x (or ``up``x) upsampling with the FIR low-pass ``f``, padded so the size is exactly
    ``up`` times the input: how StyleGAN2 carries the skip image from block to block."""
    fw, fh = filter_size(f)
    padding = [(fw + up - 1) // 2, (fw - up) // 2, (fh + up - 1) // 2, (fh - up) // 2]
    return upfirdn2d(x, f, up=up, padding=padding, flip_filter=flip_filter,
                     gain=gain * up * up)


def _conv(x: torch.Tensor, w: torch.Tensor, stride: int = 1, padding: int | Sequence[int] = 0,
          groups: int = 1, transpose: bool = False, flip_weight: bool = True) -> torch.Tensor:
    """conv2d / conv_transpose2d; ``flip_weight=False`` turns correlation into convolution."""
    if not flip_weight:
        w = w.flip([2, 3])
    if transpose:
        return F.conv_transpose2d(x, w, stride=stride, padding=padding, groups=groups)
    return F.conv2d(x, w, stride=stride, padding=padding, groups=groups)


def conv2d_resample(x: torch.Tensor, w: torch.Tensor, f: torch.Tensor | None = None,
                    up: int = 1, down: int = 1, padding: int | Sequence[int] = 0,
                    groups: int = 1, flip_weight: bool = True,
                    flip_filter: bool = False) -> torch.Tensor:
    """Convolution with optional FIR upsampling (``up``) and downsampling (``down``).

    ``padding`` is given with respect to the upsampled image, as in NVIDIA's op. Upsampling
    runs as a stride-``up`` transposed convolution followed by the FIR filter, which is the
    same function as zero insertion + filter + convolution but cheaper. The branches below are
    the reference's, in its order, so rounding matches too.
    """
    assert x.ndim == 4 and w.ndim == 4, (x.shape, w.shape)
    assert x.shape[1] == w.shape[1] * groups, (x.shape, w.shape, groups)
    out_channels, in_per_group, kh, kw = w.shape
    fw, fh = filter_size(f)
    px0, px1, py0, py1 = _padding4(padding)

    # Extra padding that centres the filter after up/downsampling.
    if up > 1:
        px0 += (fw + up - 1) // 2
        px1 += (fw - up) // 2
        py0 += (fh + up - 1) // 2
        py1 += (fh - up) // 2
    if down > 1:
        px0 += (fw - down + 1) // 2
        px1 += (fw - down) // 2
        py0 += (fh - down + 1) // 2
        py1 += (fh - down) // 2

    if kw == 1 and kh == 1 and down > 1 and up == 1:
        x = upfirdn2d(x, f, down=down, padding=[px0, px1, py0, py1], flip_filter=flip_filter)
        return _conv(x, w, groups=groups, flip_weight=flip_weight)
    if kw == 1 and kh == 1 and up > 1 and down == 1:
        x = _conv(x, w, groups=groups, flip_weight=flip_weight)
        return upfirdn2d(x, f, up=up, padding=[px0, px1, py0, py1], gain=up ** 2,
                         flip_filter=flip_filter)
    if down > 1 and up == 1:
        x = upfirdn2d(x, f, padding=[px0, px1, py0, py1], flip_filter=flip_filter)
        return _conv(x, w, stride=down, groups=groups, flip_weight=flip_weight)
    if up > 1:
        # conv_transpose2d wants [in, out/groups, kh, kw] weights.
        if groups == 1:
            w = w.transpose(0, 1)
        else:
            w = w.reshape(groups, out_channels // groups, in_per_group, kh, kw)
            w = w.transpose(1, 2).reshape(groups * in_per_group, out_channels // groups, kh, kw)
        px0 -= kw - 1
        px1 -= kw - up
        py0 -= kh - 1
        py1 -= kh - up
        pxt = max(min(-px0, -px1), 0)
        pyt = max(min(-py0, -py1), 0)
        x = _conv(x, w, stride=up, padding=[pyt, pxt], groups=groups, transpose=True,
                  flip_weight=not flip_weight)
        x = upfirdn2d(x, f, padding=[px0 + pxt, px1 - pxt, py0 + pyt, py1 - pyt], gain=up ** 2,
                      flip_filter=flip_filter)
        if down > 1:
            x = upfirdn2d(x, f, down=down, flip_filter=flip_filter)
        return x
    if up == 1 and down == 1 and px0 == px1 and py0 == py1 and px0 >= 0 and py0 >= 0:
        return _conv(x, w, padding=[py0, px0], groups=groups, flip_weight=flip_weight)
    x = upfirdn2d(x, f if up > 1 else None, up=up, padding=[px0, px1, py0, py1], gain=up ** 2,
                  flip_filter=flip_filter)
    x = _conv(x, w, groups=groups, flip_weight=flip_weight)
    if down > 1:
        x = upfirdn2d(x, f, down=down, flip_filter=flip_filter)
    return x


def normalize_2nd_moment(x: torch.Tensor, dim: int = 1, eps: float = 1e-8) -> torch.Tensor:
    """Scale ``x`` to unit mean square along ``dim`` (the mapping network's input norm)."""
    return x * (x.square().mean(dim=dim, keepdim=True) + eps).rsqrt()


def modulated_conv2d(x: torch.Tensor, weight: torch.Tensor, styles: torch.Tensor,
                     noise: torch.Tensor | None = None, up: int = 1, down: int = 1,
                     padding: int = 0, resample_filter: torch.Tensor | None = None,
                     demodulate: bool = True, flip_weight: bool = True,
                     fused_modconv: bool = True) -> torch.Tensor:
    """StyleGAN2's style-modulated convolution.

    For sample n, ``w'[o,i,:,:] = weight[o,i] * styles[n,i]``, then (demodulation) each output
    filter is divided by ``sqrt(sum_i,k w'^2 + 1e-8)`` so activations keep unit variance;
    ``noise`` is added after the conv. ``x``: ``[N, I, H, W]``, ``weight``: ``[O, I, k, k]``,
    ``styles``: ``[N, I]``. fp16 inputs are pre-normalised by the largest weight and style (as
    the reference does) so the products cannot overflow; demodulation makes that scale vanish.
    """
    batch = x.shape[0]
    out_channels, in_channels, kh, kw = weight.shape
    assert x.ndim == 4 and x.shape[1] == in_channels, (x.shape, weight.shape)
    assert styles.shape == (batch, in_channels), (styles.shape, batch, in_channels)

    if x.dtype == torch.float16 and demodulate:
        weight = weight * (1 / math.sqrt(in_channels * kh * kw)
                           / weight.norm(float("inf"), dim=[1, 2, 3], keepdim=True))
        styles = styles / styles.norm(float("inf"), dim=1, keepdim=True)

    w = None
    dcoefs = None
    if demodulate or fused_modconv:
        w = weight.unsqueeze(0) * styles.reshape(batch, 1, -1, 1, 1)  # [N, O, I, k, k]
    if demodulate:
        dcoefs = (w.square().sum(dim=[2, 3, 4]) + 1e-8).rsqrt()  # [N, O]
    if demodulate and fused_modconv:
        w = w * dcoefs.reshape(batch, -1, 1, 1, 1)

    if not fused_modconv:
        # Scale activations instead of weights: one shared conv for the whole batch.
        x = x * styles.to(x.dtype).reshape(batch, -1, 1, 1)
        x = conv2d_resample(x, weight.to(x.dtype), f=resample_filter, up=up, down=down,
                            padding=padding, flip_weight=flip_weight)
        if demodulate and noise is not None:
            return torch.addcmul(noise.to(x.dtype), x,
                                 dcoefs.to(x.dtype).reshape(batch, -1, 1, 1))
        if demodulate:
            return x * dcoefs.to(x.dtype).reshape(batch, -1, 1, 1)
        if noise is not None:
            return x.add_(noise.to(x.dtype))
        return x

    # Fused: the batch becomes groups of one grouped convolution with per-sample weights.
    x = x.reshape(1, -1, *x.shape[2:])
    w = w.reshape(-1, in_channels, kh, kw)
    x = conv2d_resample(x, w.to(x.dtype), f=resample_filter, up=up, down=down, padding=padding,
                        groups=batch, flip_weight=flip_weight)
    x = x.reshape(batch, -1, *x.shape[2:])
    if noise is not None:
        x = x.add_(noise)
    return x
