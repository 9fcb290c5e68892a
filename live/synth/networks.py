"""The StyleGAN2 generator, module for module the same as NVIDIA's stylegan2-ada-pytorch.

Module names, parameter and buffer names, shapes and constructor arguments are NVIDIA's
(``training/networks.py``; stylegan3's ``networks_stylegan2.py`` is the same family), so a
``state_dict`` read from their pickles loads here unchanged and scripts port easily::

    G = Generator(z_dim=512, c_dim=0, w_dim=512, img_resolution=1024, img_channels=3,
                  synthesis_kwargs=dict(channel_base=32768, num_fp16_res=4, conv_clamp=256))
    ws = G.mapping(z, None, truncation_psi=0.7)      # [N, num_ws, w_dim]
    img = G.synthesis(ws, noise_mode="const")        # [N, 3, H, W], about [-1, 1]

Constructors allocate parameters without initialising them (loading a file overwrites them
anyway, and filling 30M random numbers would dominate cache loads); :func:`randomize_` gives
a freshly built network NVIDIA's random initialisation from a seed.
"""

from __future__ import annotations

import copy
import math
from typing import Any, Sequence

import torch

from live.synth.ops import (activation_spec, bias_act, conv2d_resample, modulated_conv2d,
                            normalize_2nd_moment, setup_filter, upsample2d)

ARCHITECTURES = ("orig", "skip", "resnet")
NOISE_MODES = ("const", "random", "none")


class FullyConnectedLayer(torch.nn.Module):
    """``act(x @ (weight * weight_gain).T + bias * bias_gain)`` with equalized learning rate.

    Weights are stored divided by ``lr_multiplier`` and scaled back at run time, which is how
    StyleGAN slows the mapping network's training; the function is unaffected.
    """

    def __init__(self,
                 in_features: int,            # Number of input features.
                 out_features: int,           # Number of output features.
                 bias: bool = True,           # Add a bias before the activation?
                 activation: str = "linear",  # Activation function: "linear", "lrelu", ...
                 lr_multiplier: float = 1.0,  # Learning-rate multiplier of this layer.
                 bias_init: float = 0.0,      # Initial value of the bias (1 for style affines).
                 ) -> None:
        super().__init__()
        activation_spec(activation)
        self.in_features = in_features
        self.out_features = out_features
        self.activation = activation
        self.lr_multiplier = lr_multiplier
        self.bias_init = bias_init
        self.weight = torch.nn.Parameter(torch.empty([out_features, in_features]))
        self.bias = torch.nn.Parameter(torch.empty([out_features])) if bias else None
        self.weight_gain = lr_multiplier / math.sqrt(in_features)
        self.bias_gain = lr_multiplier

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        assert x.ndim == 2 and x.shape[1] == self.in_features, (x.shape, self.in_features)
        w = self.weight.to(x.dtype) * self.weight_gain
        b = self.bias
        if b is not None:
            b = b.to(x.dtype)
            if self.bias_gain != 1:
                b = b * self.bias_gain
        if self.activation == "linear" and b is not None:
            return torch.addmm(b.unsqueeze(0), x, w.t())
        return bias_act(x.matmul(w.t()), b, act=self.activation)


class Conv2dLayer(torch.nn.Module):
    """A plain equalized-lr convolution with optional FIR resampling (the resnet skip path)."""

    def __init__(self,
                 in_channels: int,                          # Number of input channels.
                 out_channels: int,                         # Number of output channels.
                 kernel_size: int,                          # Width and height of the kernel.
                 bias: bool = True,                         # Add a bias before the activation?
                 activation: str = "linear",                # Activation function.
                 up: int = 1,                               # Integer upsampling factor.
                 down: int = 1,                             # Integer downsampling factor.
                 resample_filter: Sequence[float] = (1, 3, 3, 1),  # Low-pass resampling FIR.
                 conv_clamp: float | None = None,           # Clamp outputs to +-X; None = off.
                 channels_last: bool = False,               # Weights in channels_last layout?
                 ) -> None:
        super().__init__()
        self.activation = activation
        self.up = up
        self.down = down
        self.conv_clamp = conv_clamp
        self.register_buffer("resample_filter", setup_filter(resample_filter))
        self.padding = kernel_size // 2
        self.weight_gain = 1 / math.sqrt(in_channels * kernel_size ** 2)
        self.act_gain = activation_spec(activation).def_gain
        memory_format = torch.channels_last if channels_last else torch.contiguous_format
        self.weight = torch.nn.Parameter(torch.empty(
            [out_channels, in_channels, kernel_size, kernel_size]).to(memory_format=memory_format))
        self.bias = torch.nn.Parameter(torch.empty([out_channels])) if bias else None

    def forward(self, x: torch.Tensor, gain: float = 1.0) -> torch.Tensor:
        w = self.weight * self.weight_gain
        b = self.bias.to(x.dtype) if self.bias is not None else None
        x = conv2d_resample(x, w.to(x.dtype), f=self.resample_filter, up=self.up,
                            down=self.down, padding=self.padding, flip_weight=(self.up == 1))
        clamp = self.conv_clamp * gain if self.conv_clamp is not None else None
        return bias_act(x, b, act=self.activation, gain=self.act_gain * gain, clamp=clamp)


class MappingNetwork(torch.nn.Module):
    """z (and label c) -> w: normalise z, then ``num_layers`` fully connected layers."""

    def __init__(self,
                 z_dim: int,                          # Input latent (Z) size, 0 = no latent.
                 c_dim: int,                          # Conditioning label (C) size, 0 = none.
                 w_dim: int,                          # Intermediate latent (W) size.
                 num_ws: int | None,                  # W copies to output; None = no broadcast.
                 num_layers: int = 8,                 # Number of mapping layers.
                 embed_features: int | None = None,   # Label embedding size; None = w_dim.
                 layer_features: int | None = None,   # Hidden layer size; None = w_dim.
                 activation: str = "lrelu",           # Activation function.
                 lr_multiplier: float = 0.01,         # Learning-rate multiplier of the layers.
                 w_avg_beta: float | None = 0.995,    # Decay of the tracked mean W; None = none.
                 ) -> None:
        super().__init__()
        self.z_dim = z_dim
        self.c_dim = c_dim
        self.w_dim = w_dim
        self.num_ws = num_ws
        self.num_layers = num_layers
        self.w_avg_beta = w_avg_beta
        if embed_features is None:
            embed_features = w_dim
        if c_dim == 0:
            embed_features = 0
        if layer_features is None:
            layer_features = w_dim
        features = [z_dim + embed_features] + [layer_features] * (num_layers - 1) + [w_dim]
        if c_dim > 0:
            self.embed = FullyConnectedLayer(c_dim, embed_features)
        for idx in range(num_layers):
            setattr(self, f"fc{idx}", FullyConnectedLayer(
                features[idx], features[idx + 1], activation=activation,
                lr_multiplier=lr_multiplier))
        if num_ws is not None and w_avg_beta is not None:
            self.register_buffer("w_avg", torch.zeros([w_dim]))

    def forward(self, z: torch.Tensor | None, c: torch.Tensor | None = None,
                truncation_psi: float = 1.0,
                truncation_cutoff: int | None = None) -> torch.Tensor:
        """``[N, z_dim]`` -> ``[N, num_ws, w_dim]``; truncation pulls the first
        ``truncation_cutoff`` ws (all when None) toward ``w_avg`` by ``1 - truncation_psi``."""
        x = None
        if self.z_dim > 0:
            assert z is not None and z.ndim == 2 and z.shape[1] == self.z_dim, \
                (None if z is None else z.shape, self.z_dim)
            x = normalize_2nd_moment(z.to(torch.float32))
        if self.c_dim > 0:
            if c is None or c.ndim != 2 or c.shape[1] != self.c_dim:
                raise ValueError(f"this network is conditional: pass c of shape "
                                 f"[N, {self.c_dim}]")
            y = normalize_2nd_moment(self.embed(c.to(torch.float32)))
            x = torch.cat([x, y], dim=1) if x is not None else y
        for idx in range(self.num_layers):
            x = getattr(self, f"fc{idx}")(x)
        if self.num_ws is not None:
            x = x.unsqueeze(1).repeat([1, self.num_ws, 1])
        if truncation_psi != 1:
            assert self.w_avg_beta is not None, "truncation needs w_avg"
            if self.num_ws is None or truncation_cutoff is None:
                x = self.w_avg.lerp(x, truncation_psi)
            else:
                x[:, :truncation_cutoff] = self.w_avg.lerp(x[:, :truncation_cutoff],
                                                           truncation_psi)
        return x


class SynthesisLayer(torch.nn.Module):
    """Modulated 3x3 conv (optionally 2x upsampling), per-pixel noise, bias + lrelu, clamp."""

    def __init__(self,
                 in_channels: int,                          # Number of input channels.
                 out_channels: int,                         # Number of output channels.
                 w_dim: int,                                # Intermediate latent (W) size.
                 resolution: int,                           # Output resolution of this layer.
                 kernel_size: int = 3,                      # Convolution kernel size.
                 up: int = 1,                               # Integer upsampling factor.
                 use_noise: bool = True,                    # Add per-pixel noise?
                 activation: str = "lrelu",                 # Activation function.
                 resample_filter: Sequence[float] = (1, 3, 3, 1),  # Low-pass resampling FIR.
                 conv_clamp: float | None = None,           # Clamp outputs to +-X; None = off.
                 channels_last: bool = False,               # Weights in channels_last layout?
                 ) -> None:
        super().__init__()
        self.in_channels = in_channels
        self.resolution = resolution
        self.up = up
        self.use_noise = use_noise
        self.activation = activation
        self.conv_clamp = conv_clamp
        self.register_buffer("resample_filter", setup_filter(resample_filter))
        self.padding = kernel_size // 2
        self.act_gain = activation_spec(activation).def_gain
        # Styles start at 1 (bias_init) so a fresh network passes activations through.
        self.affine = FullyConnectedLayer(w_dim, in_channels, bias_init=1)
        memory_format = torch.channels_last if channels_last else torch.contiguous_format
        self.weight = torch.nn.Parameter(torch.empty(
            [out_channels, in_channels, kernel_size, kernel_size]).to(memory_format=memory_format))
        if use_noise:
            self.register_buffer("noise_const", torch.empty([resolution, resolution]))
            self.noise_strength = torch.nn.Parameter(torch.empty([]))
        self.bias = torch.nn.Parameter(torch.empty([out_channels]))

    def forward(self, x: torch.Tensor, w: torch.Tensor, noise_mode: str = "const",
                fused_modconv: bool = True, gain: float = 1.0) -> torch.Tensor:
        assert noise_mode in NOISE_MODES, noise_mode
        in_resolution = self.resolution // self.up
        assert x.shape[1:] == (self.in_channels, in_resolution, in_resolution), \
            (x.shape, self.in_channels, in_resolution)
        styles = self.affine(w)
        noise = None
        if self.use_noise and noise_mode == "random":
            noise = torch.randn([x.shape[0], 1, self.resolution, self.resolution],
                                device=x.device) * self.noise_strength
        if self.use_noise and noise_mode == "const":
            noise = self.noise_const * self.noise_strength
        # Upsampling layers use a true convolution (flip_weight False), as NVIDIA's do.
        x = modulated_conv2d(x, self.weight, styles, noise=noise, up=self.up,
                             padding=self.padding, resample_filter=self.resample_filter,
                             flip_weight=(self.up == 1), fused_modconv=fused_modconv)
        clamp = self.conv_clamp * gain if self.conv_clamp is not None else None
        return bias_act(x, self.bias.to(x.dtype), act=self.activation,
                        gain=self.act_gain * gain, clamp=clamp)


class ToRGBLayer(torch.nn.Module):
    """Modulated 1x1 conv to colour, without demodulation: the styles set the colour mix."""

    def __init__(self,
                 in_channels: int,                  # Number of input channels.
                 out_channels: int,                 # Number of colour channels.
                 w_dim: int,                        # Intermediate latent (W) size.
                 kernel_size: int = 1,              # Convolution kernel size.
                 conv_clamp: float | None = None,   # Clamp outputs to +-X; None = off.
                 channels_last: bool = False,       # Weights in channels_last layout?
                 ) -> None:
        super().__init__()
        self.conv_clamp = conv_clamp
        self.affine = FullyConnectedLayer(w_dim, in_channels, bias_init=1)
        memory_format = torch.channels_last if channels_last else torch.contiguous_format
        self.weight = torch.nn.Parameter(torch.empty(
            [out_channels, in_channels, kernel_size, kernel_size]).to(memory_format=memory_format))
        self.bias = torch.nn.Parameter(torch.empty([out_channels]))
        self.weight_gain = 1 / math.sqrt(in_channels * kernel_size ** 2)

    def forward(self, x: torch.Tensor, w: torch.Tensor, fused_modconv: bool = True) -> torch.Tensor:
        styles = self.affine(w) * self.weight_gain
        x = modulated_conv2d(x, self.weight, styles, demodulate=False,
                             fused_modconv=fused_modconv)
        return bias_act(x, self.bias.to(x.dtype), clamp=self.conv_clamp)


class SynthesisBlock(torch.nn.Module):
    """One resolution: (const input | 2x upsampling conv0), conv1, toRGB / skip, per the
    architecture: ``skip`` sums upsampled toRGB outputs of every block, ``orig`` has toRGB
    only on the last block, ``resnet`` adds a 1x1 upsampling shortcut around the convs."""

    def __init__(self,
                 in_channels: int,                          # Input channels, 0 = first block.
                 out_channels: int,                         # Output channels.
                 w_dim: int,                                # Intermediate latent (W) size.
                 resolution: int,                           # Resolution of this block.
                 img_channels: int,                         # Number of colour channels.
                 is_last: bool,                             # Is this the last block?
                 architecture: str = "skip",                # "orig", "skip" or "resnet".
                 resample_filter: Sequence[float] = (1, 3, 3, 1),  # Low-pass resampling FIR.
                 conv_clamp: float | None = None,           # Clamp conv outputs to +-X.
                 use_fp16: bool = False,                    # Compute this block in fp16?
                 fp16_channels_last: bool = False,          # channels_last layout with fp16?
                 fused_modconv_default: bool | str | None = None,  # See below.
                 **layer_kwargs: Any,                       # Passed to SynthesisLayer.
                 ) -> None:
        """``fused_modconv_default``: None is stylegan2-ada-pytorch's rule (fuse in eval mode
        unless a batch runs in fp16); stylegan3's generators store True (always fuse) or
        "inference_only" (fuse in eval mode)."""
        if architecture not in ARCHITECTURES:
            raise ValueError(f"unknown architecture '{architecture}' "
                             f"(known: {', '.join(ARCHITECTURES)})")
        super().__init__()
        self.in_channels = in_channels
        self.w_dim = w_dim
        self.resolution = resolution
        self.img_channels = img_channels
        self.is_last = is_last
        self.architecture = architecture
        self.use_fp16 = use_fp16
        self.channels_last = use_fp16 and fp16_channels_last
        self.fused_modconv_default = fused_modconv_default
        self.register_buffer("resample_filter", setup_filter(resample_filter))
        self.num_conv = 0
        self.num_torgb = 0
        if in_channels == 0:
            self.const = torch.nn.Parameter(torch.empty([out_channels, resolution, resolution]))
        else:
            self.conv0 = SynthesisLayer(in_channels, out_channels, w_dim=w_dim,
                                        resolution=resolution, up=2,
                                        resample_filter=resample_filter, conv_clamp=conv_clamp,
                                        channels_last=self.channels_last, **layer_kwargs)
            self.num_conv += 1
        self.conv1 = SynthesisLayer(out_channels, out_channels, w_dim=w_dim, resolution=resolution,
                                    conv_clamp=conv_clamp, channels_last=self.channels_last,
                                    **layer_kwargs)
        self.num_conv += 1
        if is_last or architecture == "skip":
            self.torgb = ToRGBLayer(out_channels, img_channels, w_dim=w_dim,
                                    conv_clamp=conv_clamp, channels_last=self.channels_last)
            self.num_torgb += 1
        if in_channels != 0 and architecture == "resnet":
            self.skip = Conv2dLayer(in_channels, out_channels, kernel_size=1, bias=False, up=2,
                                    resample_filter=resample_filter,
                                    channels_last=self.channels_last)

    def forward(self, x: torch.Tensor | None, img: torch.Tensor | None, ws: torch.Tensor,
                force_fp32: bool = False, fused_modconv: bool | None = None,
                noise_mode: str = "const") -> tuple[torch.Tensor, torch.Tensor | None]:
        assert ws.shape[1:] == (self.num_conv + self.num_torgb, self.w_dim), ws.shape
        w_iter = iter(ws.unbind(dim=1))
        # fp16 is a GPU speed-up; CPUs compute it slowly or not at all (stylegan3 does the same).
        if ws.device.type != "cuda":
            force_fp32 = True
        dtype = torch.float16 if self.use_fp16 and not force_fp32 else torch.float32
        memory_format = (torch.channels_last if self.channels_last and not force_fp32
                         else torch.contiguous_format)
        if fused_modconv is None:
            fused_modconv = self.fused_modconv_default
        if fused_modconv is None:
            # stylegan2-ada fuses in eval mode unless a batch of fp16 could overflow.
            fused_modconv = (not self.training) and (dtype == torch.float32
                                                     or int(ws.shape[0]) == 1)
        elif fused_modconv == "inference_only":
            fused_modconv = not self.training
        if self.in_channels == 0:
            x = self.const.to(dtype=dtype, memory_format=memory_format)
            x = x.unsqueeze(0).repeat([ws.shape[0], 1, 1, 1])
        else:
            assert x is not None and x.shape[1:] == (self.in_channels, self.resolution // 2,
                                                     self.resolution // 2), x
            x = x.to(dtype=dtype, memory_format=memory_format)

        if self.in_channels == 0:
            x = self.conv1(x, next(w_iter), fused_modconv=fused_modconv, noise_mode=noise_mode)
        elif self.architecture == "resnet":
            # sqrt(0.5) on both branches keeps the sum at unit variance.
            y = self.skip(x, gain=math.sqrt(0.5))
            x = self.conv0(x, next(w_iter), fused_modconv=fused_modconv, noise_mode=noise_mode)
            x = self.conv1(x, next(w_iter), fused_modconv=fused_modconv, noise_mode=noise_mode,
                           gain=math.sqrt(0.5))
            x = y.add_(x)
        else:
            x = self.conv0(x, next(w_iter), fused_modconv=fused_modconv, noise_mode=noise_mode)
            x = self.conv1(x, next(w_iter), fused_modconv=fused_modconv, noise_mode=noise_mode)

        if img is not None:
            assert img.shape[1:] == (self.img_channels, self.resolution // 2,
                                     self.resolution // 2), img.shape
            img = upsample2d(img, self.resample_filter)
        if self.is_last or self.architecture == "skip":
            y = self.torgb(x, next(w_iter), fused_modconv=fused_modconv)
            y = y.to(dtype=torch.float32, memory_format=torch.contiguous_format)
            img = img.add_(y) if img is not None else y
        assert x.dtype == dtype
        assert img is None or img.dtype == torch.float32
        return x, img


class SynthesisNetwork(torch.nn.Module):
    """W+ ``[N, num_ws, w_dim]`` -> image ``[N, img_channels, R, R]``: one block per
    resolution 4, 8, ..., R, with ``min(channel_base // res, channel_max)`` channels."""

    def __init__(self,
                 w_dim: int,                  # Intermediate latent (W) size.
                 img_resolution: int,         # Output resolution (a power of two >= 4).
                 img_channels: int,           # Number of colour channels.
                 channel_base: int = 32768,   # Channels at resolution r: channel_base // r ...
                 channel_max: int = 512,      # ... but at most this many.
                 num_fp16_res: int = 0,       # Compute the N highest resolutions in fp16.
                 **block_kwargs: Any,         # Passed to SynthesisBlock.
                 ) -> None:
        if img_resolution < 4 or img_resolution & (img_resolution - 1):
            raise ValueError(f"img_resolution must be a power of two >= 4, got {img_resolution}")
        super().__init__()
        self.w_dim = w_dim
        self.img_resolution = img_resolution
        self.img_resolution_log2 = int(math.log2(img_resolution))
        self.img_channels = img_channels
        self.num_fp16_res = num_fp16_res
        self.block_resolutions = [2 ** i for i in range(2, self.img_resolution_log2 + 1)]
        channels = {res: min(channel_base // res, channel_max) for res in self.block_resolutions}
        fp16_resolution = max(2 ** (self.img_resolution_log2 + 1 - num_fp16_res), 8)
        self.num_ws = 0
        for res in self.block_resolutions:
            block = SynthesisBlock(channels[res // 2] if res > 4 else 0, channels[res],
                                   w_dim=w_dim, resolution=res, img_channels=img_channels,
                                   is_last=(res == img_resolution),
                                   use_fp16=(res >= fp16_resolution), **block_kwargs)
            self.num_ws += block.num_conv
            if block.is_last:
                self.num_ws += block.num_torgb
            setattr(self, f"b{res}", block)

    def blocks(self) -> list[SynthesisBlock]:
        """The blocks from 4x4 up."""
        return [getattr(self, f"b{res}") for res in self.block_resolutions]

    def forward(self, ws: torch.Tensor, noise_mode: str = "const", force_fp32: bool = False,
                fused_modconv: bool | None = None) -> torch.Tensor:
        """``noise_mode``: "const" (the stored noise: deterministic; the default here, where
        NVIDIA's is "random", because a show must render the same W the same way), "random"
        (fresh noise every call) or "none"; ``force_fp32`` overrides the network's fp16
        blocks (which run in fp32 anyway off CUDA)."""
        assert ws.ndim == 3 and ws.shape[1:] == (self.num_ws, self.w_dim), \
            (ws.shape, self.num_ws, self.w_dim)
        ws = ws.to(torch.float32)
        x = img = None
        w_idx = 0
        for block in self.blocks():
            # Consecutive blocks share one w: a block's toRGB uses the next block's first w.
            block_ws = ws.narrow(1, w_idx, block.num_conv + block.num_torgb)
            w_idx += block.num_conv
            x, img = block(x, img, block_ws, force_fp32=force_fp32,
                           fused_modconv=fused_modconv, noise_mode=noise_mode)
        return img


class Generator(torch.nn.Module):
    """Mapping + synthesis, constructed from NVIDIA's keyword arguments.

    ``synthesis_kwargs`` may be given as a dict (stylegan2-ada-pytorch) or flat as extra
    keywords (stylegan3's ``networks_stylegan2``); ``init_kwargs`` keeps the normalised
    form, which is what the safetensors cache stores to rebuild the network.
    """

    def __init__(self,
                 z_dim: int,                                   # Input latent (Z) size.
                 c_dim: int,                                   # Conditioning label (C) size.
                 w_dim: int,                                   # Intermediate latent (W) size.
                 img_resolution: int,                          # Output resolution.
                 img_channels: int,                            # Number of colour channels.
                 mapping_kwargs: dict[str, Any] | None = None,    # Passed to MappingNetwork.
                 synthesis_kwargs: dict[str, Any] | None = None,  # Passed to SynthesisNetwork.
                 **flat_synthesis_kwargs: Any,                 # stylegan3-style synthesis args.
                 ) -> None:
        super().__init__()
        mapping_kwargs = dict(mapping_kwargs or {})
        synthesis_kwargs = {**dict(synthesis_kwargs or {}), **flat_synthesis_kwargs}
        self.init_kwargs = copy.deepcopy(dict(
            z_dim=z_dim, c_dim=c_dim, w_dim=w_dim, img_resolution=img_resolution,
            img_channels=img_channels, mapping_kwargs=mapping_kwargs,
            synthesis_kwargs=synthesis_kwargs))
        self.z_dim = z_dim
        self.c_dim = c_dim
        self.w_dim = w_dim
        self.img_resolution = img_resolution
        self.img_channels = img_channels
        self.synthesis = SynthesisNetwork(w_dim=w_dim, img_resolution=img_resolution,
                                          img_channels=img_channels, **synthesis_kwargs)
        self.num_ws = self.synthesis.num_ws
        self.mapping = MappingNetwork(z_dim=z_dim, c_dim=c_dim, w_dim=w_dim, num_ws=self.num_ws,
                                      **mapping_kwargs)

    def forward(self, z: torch.Tensor, c: torch.Tensor | None = None,
                truncation_psi: float = 1.0, truncation_cutoff: int | None = None,
                noise_mode: str = "const", force_fp32: bool = False) -> torch.Tensor:
        ws = self.mapping(z, c, truncation_psi=truncation_psi,
                          truncation_cutoff=truncation_cutoff)
        return self.synthesis(ws, noise_mode=noise_mode, force_fp32=force_fp32)


@torch.no_grad()
def randomize_(G: Generator, seed: int) -> Generator:
    """Fill ``G`` in place with NVIDIA's initialisation, drawn from ``seed``.

    Weights ~ N(0, 1) (divided by the layer's lr multiplier), biases at their ``bias_init``
    (1 for style affines, 0 elsewhere), noise strengths 0, constant input and stored noise
    ~ N(0, 1), ``w_avg`` 0. The order of draws is the module order, so a seed always gives
    the same network.
    """
    rng = torch.Generator().manual_seed(seed)
    for module in G.modules():
        if isinstance(module, FullyConnectedLayer):
            module.weight.copy_(torch.randn(module.weight.shape, generator=rng)
                                / module.lr_multiplier)
            if module.bias is not None:
                module.bias.fill_(module.bias_init)
        elif isinstance(module, (SynthesisLayer, ToRGBLayer, Conv2dLayer)):
            module.weight.copy_(torch.randn(module.weight.shape, generator=rng))
            if module.bias is not None:
                module.bias.zero_()
            if isinstance(module, SynthesisLayer) and module.use_noise:
                module.noise_const.copy_(torch.randn(module.noise_const.shape, generator=rng))
                module.noise_strength.zero_()
        elif isinstance(module, SynthesisBlock) and module.in_channels == 0:
            module.const.copy_(torch.randn(module.const.shape, generator=rng))
        elif isinstance(module, MappingNetwork) and hasattr(module, "w_avg"):
            module.w_avg.zero_()
    return G


def build_generator(init_kwargs: dict[str, Any]) -> Generator:
    """A :class:`Generator` in eval mode without gradients, from its ``init_kwargs``."""
    return Generator(**copy.deepcopy(init_kwargs)).eval().requires_grad_(False)


FP16_RESOLUTIONS = 4    # NVIDIA's fp16 configs compute the 4 highest resolutions in fp16 ...
FP16_CONV_CLAMP = 256   # ... and clamp every conv output to +-256 so fp16 stays finite.


@torch.no_grad()
def enable_fp16(G: Generator, num_res: int = FP16_RESOLUTIONS,
                conv_clamp: float = FP16_CONV_CLAMP, channels_last: bool = True) -> Generator:
    """Run the top ``num_res`` resolutions of ``G`` in fp16 (on CUDA), in place.

    A network trained with fp16 (``num_fp16_res > 0``) keeps its own blocks and clamping; one
    trained in fp32 (TensorFlow StyleGAN2 config-e/f) gets what NVIDIA's ``--force-fp16``
    conversion gives it: fp16 on the top resolutions and ``conv_clamp`` on layers that had
    none (clamping changes only activations beyond +-256, which trained networks rarely
    reach). ``channels_last`` stores those blocks' conv weights NHWC for tensor cores.
    """
    synthesis = G.synthesis
    if synthesis.num_fp16_res == 0:
        fp16_resolution = max(2 ** (synthesis.img_resolution_log2 + 1 - num_res), 8)
        for block in synthesis.blocks():
            block.use_fp16 = block.resolution >= fp16_resolution
        for module in synthesis.modules():
            if isinstance(module, (SynthesisLayer, ToRGBLayer)) and module.conv_clamp is None:
                module.conv_clamp = conv_clamp
        synthesis.num_fp16_res = num_res
    for block in synthesis.blocks():
        block.channels_last = block.use_fp16 and channels_last
        if block.channels_last:
            for module in block.modules():
                if isinstance(module, (SynthesisLayer, ToRGBLayer, Conv2dLayer)):
                    module.weight.data = module.weight.data.to(memory_format=torch.channels_last)
    return G
