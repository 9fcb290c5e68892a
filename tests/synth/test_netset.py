"""NetworkSet: resident networks drawing RGBA8 into real shared-memory frame slots."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from live.contracts.frames import FrameRing
from live.synth import NetworkError, NetworkSet, NonFinitePicture, load_network
from live.synth.cache import save_safetensors
from live.synth.netset import image_to_rgb8
from tests.synth.conftest import small_generator


@pytest.fixture(scope="module")
def demo_set():
    return NetworkSet(["demo:0", "demo:1", "demo:2", "demo:3"], device="cpu")


def demo_ws(seed: int) -> np.ndarray:
    G = load_network("demo:0")
    z = torch.randn(1, 512, generator=torch.Generator().manual_seed(seed))
    return G.mapping(z)[0].numpy()


def expected_rgba(G, ws: np.ndarray) -> np.ndarray:
    img = G.synthesis(torch.from_numpy(ws)[None])
    rgba = np.full((G.img_resolution, G.img_resolution, 4), 255, np.uint8)
    rgba[..., :3] = image_to_rgb8(img[0]).numpy()
    return rgba


def test_attributes(demo_set):
    assert len(demo_set) == 4
    assert (demo_set.num_ws, demo_set.w_dim, demo_set.img_resolution) == (12, 512, 128)


def test_render_into_a_shared_memory_slot(demo_set):
    ws = demo_ws(1)
    with FrameRing.create(slots=3, height=128, width=128, purpose="synth-test") as ring:
        slot = ring.pixels(1)
        slot[:] = 7
        result = demo_set.render_rgba(ws, network=2, out=slot)
        assert result is slot
        np.testing.assert_array_equal(slot, expected_rgba(load_network("demo:2"), ws))
        assert (ring.pixels(0) == 0).all()  # neighbours untouched
    fresh = demo_set.render_rgba(ws, network=2)
    assert fresh.shape == (128, 128, 4) and fresh.dtype == np.uint8
    assert (fresh[..., 3] == 255).all()


def test_switching_networks_changes_the_picture(demo_set):
    ws = demo_ws(2)
    pictures = [demo_set.render_rgba(ws, network=i).astype(int) for i in range(4)]
    assert all(np.abs(pictures[0] - p).mean() > 10 for p in pictures[1:])


def test_crossfade_interpolates_weights_and_caches_the_blend(demo_set):
    ws = demo_ws(3)
    a = demo_set.render_rgba(ws, network=0)
    b = demo_set.render_rgba(ws, network=1)
    np.testing.assert_array_equal(demo_set.render_rgba(ws, 0, crossfade_to=1, crossfade=0.0), a)
    np.testing.assert_array_equal(demo_set.render_rgba(ws, 0, crossfade_to=1, crossfade=1.0), b)

    mid = demo_set.render_rgba(ws, 0, crossfade_to=1, crossfade=0.4)
    G0, G1 = load_network("demo:0"), load_network("demo:1")
    s0, s1 = G0.state_dict(), G1.state_dict()
    G0.load_state_dict({k: torch.lerp(s0[k], s1[k], 0.4) for k in s0})
    np.testing.assert_array_equal(mid, expected_rgba(G0, ws))

    blend = demo_set.generator(0, 1, 0.4)
    weight = blend.synthesis.b8.conv0.weight.clone()
    assert demo_set.generator(0, 1, 0.4) is blend
    assert torch.equal(blend.synthesis.b8.conv0.weight, weight)  # same key: not recomputed
    demo_set.generator(2, 3, 0.4)
    assert not torch.equal(blend.synthesis.b8.conv0.weight, weight)  # new pair: recomputed


def test_bad_network_index(demo_set):
    with pytest.raises(IndexError, match="network 4 out of range"):
        demo_set.render_rgba(demo_ws(4), network=4)


def test_mismatched_networks_are_named(tmp_path):
    small = save_safetensors(small_generator(seed=30), tmp_path / "small.safetensors")
    with pytest.raises(NetworkError, match=r"small.safetensors: num_ws is 8 but demo:0 has 12"):
        NetworkSet(["demo:0", str(small)], device="cpu")
    bigger = save_safetensors(small_generator(seed=31, mapping_layers=3),
                              tmp_path / "b.safetensors")
    other = save_safetensors(small_generator(seed=32, architecture="resnet"),
                             tmp_path / "resnet.safetensors")
    nets = NetworkSet([str(small), str(bigger), str(other)], device="cpu")
    ws = np.zeros((nets.num_ws, nets.w_dim), np.float32)
    with pytest.raises(NetworkError, match="cannot crossfade .*small.safetensors and .*resnet"):
        nets.render_rgba(ws, 0, crossfade_to=2, crossfade=0.5)


def test_a_picture_holding_nan_raises_and_leaves_the_slot_untouched(tmp_path):
    damaged = small_generator(seed=4)
    with torch.no_grad():
        damaged.synthesis.b4.conv1.weight[0, 0, 0, 0] = float("inf")  # inf - inf is NaN
    path = save_safetensors(damaged, tmp_path / "damaged.safetensors")
    healthy = save_safetensors(small_generator(seed=5), tmp_path / "healthy.safetensors")
    nets = NetworkSet([str(healthy), str(path)], device="cpu")
    ws = np.zeros((nets.num_ws, nets.w_dim), np.float32)
    slot = np.full((nets.img_resolution, nets.img_resolution, 4), 7, np.uint8)
    with pytest.raises(NonFinitePicture, match=r"network 2 \(.*damaged.safetensors\) drew NaN"):
        nets.render_rgba(ws, network=1, out=slot)
    assert (slot == 7).all()
    with pytest.raises(NonFinitePicture, match="network 1 .* crossfaded 0.50 to 2"):
        nets.render_rgba(ws, network=0, crossfade_to=1, crossfade=0.5, out=slot)
    assert (nets.render_rgba(ws, network=0, out=slot)[..., 3] == 255).all()
