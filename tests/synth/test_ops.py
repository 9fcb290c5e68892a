"""Each StyleGAN2 op against a plain float64 formula written out with numpy loops."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from live.synth.ops import (bias_act, conv2d_resample, modulated_conv2d, normalize_2nd_moment,
                            setup_filter, upfirdn2d, upsample2d)

RNG = np.random.default_rng(1234)


def correlate(x: np.ndarray, w: np.ndarray, pad: tuple[int, int, int, int] = (0, 0, 0, 0)
              ) -> np.ndarray:
    """Plain correlation: ``out[n,o,y,x] = sum_i,ky,kx x[n,i,y+ky,x+kx] * w[o,i,ky,kx]``
    after zero padding (x0, x1, y0, y1)."""
    x0, x1, y0, y1 = pad
    x = np.pad(x, [(0, 0), (0, 0), (y0, y1), (x0, x1)])
    n, _, h, wd = x.shape
    o, _, kh, kw = w.shape
    out = np.zeros((n, o, h - kh + 1, wd - kw + 1))
    for ky in range(kh):
        for kx in range(kw):
            patch = x[:, :, ky:ky + out.shape[2], kx:kx + out.shape[3]]
            out += np.einsum("nihw,oi->nohw", patch, w[:, :, ky, kx])
    return out


def fir_upsample_ref(x: np.ndarray, taps: list[float], up: int, pad: tuple[int, int, int, int],
                     gain: float) -> np.ndarray:
    """Zero insertion, zero padding, then true 2-D convolution with the normalised outer
    product of ``taps`` times ``gain``, channel by channel."""
    n, c, h, w = x.shape
    z = np.zeros((n, c, h * up, w * up))
    z[:, :, ::up, ::up] = x
    f = np.outer(taps, taps)
    f = f / f.sum() * gain
    # Convolution = correlation with the flipped filter, per channel.
    flipped = f[::-1, ::-1]
    out = [correlate(z[:, ch:ch + 1], flipped[None, None], pad) for ch in range(c)]
    return np.concatenate(out, axis=1)


def t64(a: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(a)).to(torch.float64)


def test_setup_filter_is_normalised_outer_product():
    f = setup_filter([1, 3, 3, 1])
    expected = np.outer([1, 3, 3, 1], [1, 3, 3, 1]) / 64.0
    assert f.shape == (4, 4) and f.dtype == torch.float32
    np.testing.assert_allclose(f.numpy(), expected, rtol=0, atol=1e-7)


def test_upsample2d_matches_zero_insertion_and_filter():
    x = RNG.standard_normal((2, 3, 5, 6))
    got = upsample2d(t64(x), setup_filter([1, 3, 3, 1]).double()).numpy()
    # Padding (2, 1) per axis centres the 4-tap filter on a 2x upsampled grid.
    want = fir_upsample_ref(x, [1, 3, 3, 1], up=2, pad=(2, 1, 2, 1), gain=4.0)
    assert got.shape == (2, 3, 10, 12)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_upfirdn2d_down_and_crop():
    x = RNG.standard_normal((1, 2, 8, 8))
    f = setup_filter([1, 3, 3, 1]).double()
    got = upfirdn2d(t64(x), f, down=2, padding=[1, 1, 1, 1]).numpy()
    full = fir_upsample_ref(x, [1, 3, 3, 1], up=1, pad=(1, 1, 1, 1), gain=1.0)
    np.testing.assert_allclose(got, full[:, :, ::2, ::2], rtol=1e-12, atol=1e-12)
    cropped = upfirdn2d(t64(x), None, padding=[-1, -2, 0, -3]).numpy()
    np.testing.assert_array_equal(cropped, x[:, :, 0:5, 1:6])


@pytest.mark.parametrize("flip_weight", [True, False])
def test_conv2d_resample_upsampling_matches_plain_formula(flip_weight):
    x = RNG.standard_normal((2, 4, 5, 5))
    w = RNG.standard_normal((3, 4, 3, 3))
    got = conv2d_resample(t64(x), t64(w), f=setup_filter([1, 3, 3, 1]).double(), up=2,
                          padding=1, flip_weight=flip_weight).numpy()
    # NVIDIA's definition: upsample (zero insertion + FIR with gain 4) padded by
    # (padding + (4+2-1)//2, padding + (4-2)//2), then a valid 3x3 correlation
    # (flip_weight) or convolution (not flip_weight).
    up = fir_upsample_ref(x, [1, 3, 3, 1], up=2, pad=(3, 2, 3, 2), gain=4.0)
    kernel = w if flip_weight else w[:, :, ::-1, ::-1]
    want = correlate(up, kernel)
    assert got.shape == (2, 3, 10, 10)
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10)


def test_conv2d_resample_downsampling_and_plain():
    x = RNG.standard_normal((1, 2, 8, 8))
    w = RNG.standard_normal((3, 2, 3, 3))
    f = setup_filter([1, 3, 3, 1]).double()
    plain = conv2d_resample(t64(x), t64(w), padding=1).numpy()
    np.testing.assert_allclose(plain, correlate(x, w, (1, 1, 1, 1)), rtol=1e-10, atol=1e-10)
    down = conv2d_resample(t64(x), t64(w), f=f, down=2, padding=1).numpy()
    # Filter first (padding 1 + (4-2+1)//2 = 2 before, 1 + 1 = 2 after), then stride 2.
    filtered = fir_upsample_ref(x, [1, 3, 3, 1], up=1, pad=(2, 2, 2, 2), gain=1.0)
    want = correlate(filtered, w)[:, :, ::2, ::2]
    np.testing.assert_allclose(down, want, rtol=1e-10, atol=1e-10)


def test_bias_act_lrelu_gain_and_clamp():
    x = RNG.standard_normal((2, 5, 3, 3)) * 300
    b = RNG.standard_normal(5)
    got = bias_act(t64(x), t64(b), act="lrelu", gain=math.sqrt(2) * 0.5, clamp=256 * 0.5).numpy()
    y = x + b[None, :, None, None]
    y = np.where(y >= 0, y, 0.2 * y) * math.sqrt(2) * 0.5
    want = np.clip(y, -128, 128)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    assert np.abs(got).max() == 128  # the clamp really bit


def test_bias_act_clamp_keeps_fp16_finite():
    x = torch.full((1, 2, 2, 2), 60000.0, dtype=torch.float16)
    # lrelu gain sqrt(2) would overflow fp16 (max 65504) without the clamp.
    assert torch.isinf(bias_act(x, act="lrelu")).all()
    clamped = bias_act(x, act="lrelu", clamp=256)
    assert clamped.dtype == torch.float16 and (clamped == 256).all()


def test_normalize_2nd_moment():
    x = RNG.standard_normal((4, 7))
    got = normalize_2nd_moment(t64(x)).numpy()
    want = x / np.sqrt((x ** 2).mean(axis=1, keepdims=True) + 1e-8)
    np.testing.assert_allclose(got, want, rtol=1e-12)


def modulated_ref(x: np.ndarray, weight: np.ndarray, styles: np.ndarray,
                  noise: np.ndarray | None, demodulate: bool) -> np.ndarray:
    """Per sample: scale input channels of the weight by the style, normalise each output
    filter to unit L2 norm (demodulation), correlate with padding k//2, add noise."""
    out = []
    pad = weight.shape[-1] // 2
    for n in range(x.shape[0]):
        w = weight * styles[n][None, :, None, None]
        if demodulate:
            w = w / np.sqrt((w ** 2).sum(axis=(1, 2, 3), keepdims=True) + 1e-8)
        out.append(correlate(x[n:n + 1], w, (pad, pad, pad, pad))[0])
    y = np.stack(out)
    return y + noise if noise is not None else y


@pytest.mark.parametrize("fused", [True, False])
@pytest.mark.parametrize("demodulate", [True, False])
def test_modulated_conv2d_matches_formula(fused, demodulate):
    x = RNG.standard_normal((3, 4, 6, 6))
    weight = RNG.standard_normal((5, 4, 3, 3))
    styles = RNG.standard_normal((3, 4)) + 1
    noise = RNG.standard_normal((6, 6)) * 0.3
    got = modulated_conv2d(t64(x), t64(weight), t64(styles), noise=t64(noise), padding=1,
                           demodulate=demodulate, fused_modconv=fused).numpy()
    want = modulated_ref(x, weight, styles, noise, demodulate)
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10)


def test_modulated_conv2d_fp16_prenormalisation_is_invisible_after_demodulation():
    x = torch.from_numpy(RNG.standard_normal((1, 8, 6, 6))).float()
    weight = torch.from_numpy(RNG.standard_normal((4, 8, 3, 3))).float() * 1000
    styles = torch.from_numpy(RNG.standard_normal((1, 8))).float() * 1000
    ref = modulated_ref(x.double().numpy(), weight.double().numpy(), styles.double().numpy(),
                        None, True)
    # The fp16 path divides weights and styles by their largest value first; without that the
    # squared products (~1e12) would overflow. Demodulation cancels the scale.
    got = modulated_conv2d(x.half(), weight, styles, padding=1).float().numpy()
    assert np.isfinite(got).all()
    np.testing.assert_allclose(got, ref, rtol=0, atol=2e-2 * np.abs(ref).max())


def upfirdn_ref(x: np.ndarray, f: np.ndarray, up: int, down: int,
                pad: tuple[int, int, int, int]) -> np.ndarray:
    """The definition, step by step: zero insertion, zero padding (negative = crop), true 2-D
    convolution with ``f``, keep every ``down``-th pixel."""
    n, c, h, w = x.shape
    z = np.zeros((n, c, h * up, w * up))
    z[:, :, ::up, ::up] = x
    x0, x1, y0, y1 = pad
    z = np.pad(z, [(0, 0), (0, 0), (max(y0, 0), max(y1, 0)), (max(x0, 0), max(x1, 0))])
    z = z[:, :, max(-y0, 0): z.shape[2] - max(-y1, 0), max(-x0, 0): z.shape[3] - max(-x1, 0)]
    if z.shape[2] < f.shape[0] or z.shape[3] < f.shape[1]:
        return np.zeros((n, c, 0, 0))  # the filter is larger than what is left
    flipped = f[::-1, ::-1]
    out = np.concatenate([correlate(z[:, ch:ch + 1], flipped[None, None]) for ch in range(c)], 1)
    return out[:, :, ::down, ::down]


@settings(max_examples=40, deadline=None, derandomize=True, database=None)
@given(up=st.integers(1, 3), down=st.integers(1, 3),
       pad=st.tuples(*[st.integers(-1, 3)] * 4), taps=st.integers(1, 5), seed=st.integers(0, 99))
def test_upfirdn2d_matches_definition_for_any_setting(up, down, pad, taps, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((1, 2, 5, 6))
    f = rng.standard_normal((taps, taps))
    want = upfirdn_ref(x, f, up, down, pad)
    if min(want.shape) == 0:
        return  # crops and filters larger than the image leave nothing to compare
    got = upfirdn2d(t64(x), t64(f), up=up, down=down, padding=list(pad)).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10)
