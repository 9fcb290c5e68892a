"""How far a drawn batch is from its targets, per frame: what the projector minimises.

- :class:`VGGDistance`: StyleGAN2's perceptual distance, the VGG16 feature file its projector
  uses (a TorchScript module called as ``vgg16(img, resize_images=False, return_lpips=True)``
  on ``[0, 255]`` images, giving LPIPS-weighted features whose squared difference is the
  distance). Nothing is downloaded: the user passes the file they have (``--vgg``).
- :class:`PixelSSIMDistance`: mean squared pixel error plus multi-scale SSIM, needing no file.

Images come in as ``[N, 3, H, W]`` float in about ``[-1, 1]`` (the network's range); a distance
returns ``[N]`` so each frame of a batch is optimised on its own.
"""

from __future__ import annotations

import functools
import hashlib
import warnings
from pathlib import Path
from typing import Protocol

import torch
import torch.nn.functional as F

from live.contracts.paths import check_input_file
from live.projector.errors import ProjectorError

VGG_URL = "https://nvlabs-fi-cdn.nvidia.com/stylegan2-ada-pytorch/pretrained/metrics/vgg16.pt"
VGG_ARGUMENTS = ("resize_images", "return_lpips")  # the keywords of its forward besides img
VGG_RESOLUTION = 256   # StyleGAN2's projector shrinks larger images to 256 before VGG
NO_VGG_NOTE = (f"no --vgg file: using the pixel + multi-scale SSIM distance; for StyleGAN2's "
               f"perceptual distance pass --vgg vgg16.pt (StyleGAN2-ADA's VGG16 feature file, "
               f"{VGG_URL})")

SSIM_WINDOW = 11        # Gaussian window of SSIM (Wang et al.), in pixels
SSIM_SIGMA = 1.5
SSIM_C1 = 0.01 ** 2     # stabilisers for images in [0, 1]
SSIM_C2 = 0.03 ** 2
# Weights of the five scales of MS-SSIM (Wang, Simoncelli, Bovik 2003); a small image uses
# the first scales that fit a window, renormalised.
MS_SSIM_WEIGHTS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)
# The SSIM term's weight against the squared error (images in [-1, 1]): squared error pulls
# colours in place, SSIM sharpens structure the squared error forgives.
SSIM_WEIGHT = 0.1


class Distance(Protocol):
    name: str

    def prepare(self, targets: torch.Tensor) -> torch.Tensor:
        """What the distance compares against (computed once per target batch)."""

    def __call__(self, images: torch.Tensor, prepared: torch.Tensor) -> torch.Tensor:
        """``[N]`` distances of ``images`` from the prepared targets."""


class PixelSSIMDistance:
    """``mean((img - target)^2) + SSIM_WEIGHT * (1 - MS-SSIM)``, per frame."""

    name = "pixel+ms-ssim"

    def prepare(self, targets: torch.Tensor) -> torch.Tensor:
        return targets

    def __call__(self, images: torch.Tensor, prepared: torch.Tensor) -> torch.Tensor:
        squared = (images - prepared).square().mean(dim=(1, 2, 3))
        similarity = ms_ssim((images + 1) / 2, (prepared + 1) / 2)
        return squared + SSIM_WEIGHT * (1 - similarity)


class VGGDistance:
    """StyleGAN2's perceptual distance with the user's VGG16 TorchScript file."""

    name = "vgg16"

    def __init__(self, path: str | Path, device: torch.device) -> None:
        self.path = check_input_file(path, "VGG16 feature file", fix=f"StyleGAN2-ADA's "
                                     f"vgg16.pt, from {VGG_URL}", error=ProjectorError)
        self.md5 = file_md5(self.path)
        try:
            with warnings.catch_warnings():  # TorchScript is deprecated, but it is the format
                warnings.simplefilter("ignore", DeprecationWarning)
                self.module = torch.jit.load(str(self.path), map_location=device).eval()
        except (RuntimeError, ValueError) as exc:
            raise ProjectorError(f"{self.path}: not a TorchScript file ({_first_line(exc)}); "
                                 f"--vgg takes StyleGAN2-ADA's vgg16.pt ({VGG_URL})") from None
        forward = getattr(self.module, "forward", None)
        names = [a.name for a in forward.schema.arguments] if forward is not None else []
        if any(name not in names for name in VGG_ARGUMENTS):
            raise ProjectorError(f"{self.path}: its forward takes ({', '.join(names[1:])}), not "
                                 f"(img, resize_images, return_lpips) like StyleGAN2-ADA's "
                                 f"vgg16.pt ({VGG_URL})")
        for parameter in self.module.parameters():
            parameter.requires_grad_(False)

    def features(self, images: torch.Tensor) -> torch.Tensor:
        pixels = (images + 1) * (255 / 2)
        if pixels.shape[2] > VGG_RESOLUTION:
            pixels = F.interpolate(pixels, size=(VGG_RESOLUTION, VGG_RESOLUTION), mode="area")
        features = self.module(pixels, resize_images=False, return_lpips=True)
        if features.ndim != 2 or features.shape[0] != images.shape[0]:
            raise ProjectorError(f"{self.path}: gave features of shape {tuple(features.shape)}, "
                                 f"not [N, F] like StyleGAN2-ADA's vgg16.pt ({VGG_URL})")
        return features

    def prepare(self, targets: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            return self.features(targets)

    def __call__(self, images: torch.Tensor, prepared: torch.Tensor) -> torch.Tensor:
        return (self.features(images) - prepared).square().sum(dim=1)


def file_md5(path: Path) -> str:
    """Hex MD5 of a file (GANce records inputs by MD5)."""
    digest = hashlib.md5()
    with open(path, "rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


@functools.lru_cache(maxsize=8)
def _gaussian_window(channels: int, device: torch.device) -> torch.Tensor:
    """``[channels, 1, 1, SSIM_WINDOW]`` normalised 1-D Gaussian for a separable blur."""
    x = torch.arange(SSIM_WINDOW, dtype=torch.float32, device=device) - SSIM_WINDOW // 2
    g = torch.exp(-x.square() / (2 * SSIM_SIGMA ** 2))
    return (g / g.sum()).reshape(1, 1, 1, -1).repeat(channels, 1, 1, 1)


def _blur(x: torch.Tensor) -> torch.Tensor:
    window = _gaussian_window(x.shape[1], x.device)
    x = F.conv2d(x, window, groups=x.shape[1])
    return F.conv2d(x, window.transpose(2, 3), groups=x.shape[1])


def _ssim_and_contrast(x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-image mean SSIM and its contrast-structure part, over valid windows."""
    mu_x, mu_y = _blur(x), _blur(y)
    var_x = _blur(x * x) - mu_x.square()
    var_y = _blur(y * y) - mu_y.square()
    cov = _blur(x * y) - mu_x * mu_y
    contrast = (2 * cov + SSIM_C2) / (var_x + var_y + SSIM_C2)
    luminance = (2 * mu_x * mu_y + SSIM_C1) / (mu_x.square() + mu_y.square() + SSIM_C1)
    return (luminance * contrast).mean(dim=(1, 2, 3)), contrast.mean(dim=(1, 2, 3))


def ms_ssim(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Multi-scale SSIM ``[N]`` of images in ``[0, 1]``, on as many of the five scales as the
    image size fits an SSIM window (three at 64 px)."""
    size = min(x.shape[2:])
    if size < SSIM_WINDOW:
        raise ValueError(f"MS-SSIM needs images of at least {SSIM_WINDOW} px, got {size}")
    scales = 1
    while scales < len(MS_SSIM_WEIGHTS) and size >> scales >= SSIM_WINDOW:
        scales += 1
    weights = torch.tensor(MS_SSIM_WEIGHTS[:scales], device=x.device)
    weights = weights / weights.sum()
    result = torch.ones(x.shape[0], device=x.device)
    for scale in range(scales):
        ssim, contrast = _ssim_and_contrast(x, y)
        value = ssim if scale == scales - 1 else contrast
        # Negative similarities (anti-correlated images) would make the power undefined.
        result = result * value.clamp(min=1e-6) ** weights[scale]
        if scale < scales - 1:
            x, y = F.avg_pool2d(x, 2), F.avg_pool2d(y, 2)
    return result
