"""The projector's distances: StyleGAN2's VGG16 TorchScript file (a stand-in of the same
interface, random weights, built here) and pixel + multi-scale SSIM."""

from __future__ import annotations

import json
import warnings

import h5py
import pytest
import torch
import torch.nn.functional as F

from live.cli import main
from live.projector.distance import VGGDistance, ms_ssim
from live.projector.errors import ProjectorError
from live.projector.optimise import ProjectorSettings, project_batch, to_rgb8, w_statistics
from live.latents.projection import SETTINGS_ATTRIBUTE
from tests.projector.conftest import moving_latents, projectable_generator, write_video


class StandInVGG16(torch.nn.Module):
    """The interface of StyleGAN2-ADA's vgg16.pt: ``[N, 3, H, W]`` images in [0, 255] in,
    LPIPS-style features out (unit-normalised per position, flattened, scaled so the squared
    difference averages over positions)."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.convs = torch.nn.ModuleList([torch.nn.Conv2d(3, 8, 3, padding=1),
                                          torch.nn.Conv2d(8, 16, 3, padding=1, stride=2)])

    def forward(self, img: torch.Tensor, resize_images: bool = True,
                return_features: bool = False, return_lpips: bool = False) -> torch.Tensor:
        x = img / 127.5 - 1
        if resize_images:
            x = F.interpolate(x, size=(224, 224), mode="area")
        parts = []
        for conv in self.convs:
            x = torch.relu(conv(x))
            unit = x / (x.square().sum(dim=1, keepdim=True) + 1e-10).sqrt()
            parts.append(unit.flatten(1) / (unit.shape[2] * unit.shape[3]) ** 0.5)
        return torch.cat(parts, dim=1) if return_lpips else x.flatten(1)


class NotVGG(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x


def save_torchscript(module: torch.nn.Module, path):
    with warnings.catch_warnings():  # deprecated, but the format StyleGAN2's file is in
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.jit.save(torch.jit.script(module), str(path))
    return path


@pytest.fixture
def vgg_file(tmp_path):
    return save_torchscript(StandInVGG16(), tmp_path / "vgg16.pt")


def test_vgg_file_drives_a_projection(vgg_file):
    G = projectable_generator()
    distance = VGGDistance(vgg_file, torch.device("cpu"))
    with torch.no_grad():
        target_latent = moving_latents(G, 1)
        target = to_rgb8(G.synthesis(target_latent))
        start_latent = G.mapping.w_avg.expand(1, G.num_ws, -1)
        prepared = distance.prepare(G.synthesis(target_latent))
        before = distance(G.synthesis(start_latent), prepared).item()
    _, w_std = w_statistics(G)
    result = project_batch(G, target, start_latent.numpy(), [0], ProjectorSettings(steps=20),
                           distance, w_std)
    with torch.no_grad():
        after = distance(G.synthesis(torch.from_numpy(result.latents)), prepared).item()
    assert after < before / 4, (before, after)


def test_project_command_uses_the_vgg_file(tmp_path, vgg_file, network_file, capsys):
    G = projectable_generator()
    with torch.no_grad():
        frames = to_rgb8(G.synthesis(moving_latents(G, 2)))
    video = write_video(tmp_path / "clip.avi", frames, 5.0)
    out = tmp_path / "p.hdf5"
    assert main(["project", str(video), str(network_file), "--out", str(out), "--steps", "2",
                 "--vgg", str(vgg_file), "--device", "cpu", "--no-progress"]) == 0
    assert "no --vgg file" not in capsys.readouterr().err
    with h5py.File(out, "r") as f:
        assert json.loads(f.attrs[SETTINGS_ATTRIBUTE])["distance"] == "vgg16"
        assert bool(f.attrs["complete"])


def test_files_that_are_not_the_vgg_file_get_one_line(tmp_path):
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"not a model")
    with pytest.raises(ProjectorError, match="not a TorchScript file.*vgg16.pt"):
        VGGDistance(junk, torch.device("cpu"))
    other = tmp_path / "other.pt"
    save_torchscript(NotVGG(), other)
    with pytest.raises(ProjectorError, match=r"forward takes \(x\), not \(img, resize_images"):
        VGGDistance(other, torch.device("cpu"))
    with pytest.raises(ProjectorError, match="no such VGG16 feature file.*vgg16.pt"):
        VGGDistance(tmp_path / "missing.pt", torch.device("cpu"))


def test_ms_ssim_is_one_for_the_same_image_and_falls_with_noise():
    rng = torch.Generator().manual_seed(0)
    image = torch.rand(1, 3, 64, 64, generator=rng)
    noisy = (image + 0.1 * torch.randn(image.shape, generator=rng)).clamp(0, 1)
    noisier = (image + 0.3 * torch.randn(image.shape, generator=rng)).clamp(0, 1)
    same, slight, strong = (ms_ssim(image, x).item() for x in (image, noisy, noisier))
    assert same == pytest.approx(1.0, abs=1e-5)
    assert 1.0 > slight > strong > 0
