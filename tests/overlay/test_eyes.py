"""Eyes found by OpenCV's cascades on a real face, region hashes, and GANce's per-frame test."""

from __future__ import annotations

import numpy as np
import pytest
from skimage import data

from live.overlay.eyes import (Box, EyeFinder, EyeSample, box_distance, frame_passes,
                               hash_distance, region_phash)
from tests.overlay.faces import ASTRONAUT, ASTRONAUT_EYES, face_frame

HASH_THRESHOLD = 30       # GANce's production values
DISTANCE_THRESHOLD = 50.0


@pytest.fixture(scope="module")
def finder() -> EyeFinder:
    return EyeFinder()


def test_the_cascades_find_the_astronauts_eyes(finder):
    box = finder.eyes(ASTRONAUT)
    assert box is not None
    # Both eyes, not one: as wide as the face's eye line, and where her eyes are.
    assert box_distance(box, Box(*ASTRONAUT_EYES)) < 4
    assert abs(box.w - ASTRONAUT_EYES[2]) <= 4 and abs(box.h - ASTRONAUT_EYES[3]) <= 4


def test_eyes_follow_the_face_when_it_moves_and_grows(finder):
    moved = finder.eyes(face_frame(1024, dx=200, dy=300))
    assert box_distance(moved, Box(ASTRONAUT_EYES[0] + 200, ASTRONAUT_EYES[1] + 300,
                                   *ASTRONAUT_EYES[2:])) < 4
    grown = finder.eyes(face_frame(1024, face_size=1024))
    assert grown.w == pytest.approx(2 * ASTRONAUT_EYES[2], rel=0.1)


def test_no_face_no_eyes(finder):
    assert finder.eyes(data.chelsea()) is None            # a cat: no frontal human face
    assert finder.sample(np.full((256, 256, 3), 128, np.uint8)) is None


def test_the_same_eyes_hash_close_and_other_regions_far(finder):
    still = finder.sample(face_frame(1024))
    shifted = finder.sample(face_frame(1024, dx=30))
    assert hash_distance(still.phash, shifted.phash) <= 12   # boxes a pixel apart in size
    elsewhere = region_phash(face_frame(1024), Box(300, 300, *ASTRONAUT_EYES[2:]))
    assert hash_distance(still.phash, elsewhere) > 20
    assert 0 <= still.phash < 2 ** 64


def test_region_phash_is_imagehash_phash():
    import imagehash
    from PIL import Image

    box = Box(*ASTRONAUT_EYES)
    region = ASTRONAUT[box.y:box.y + box.h, box.x:box.x + box.w]
    theirs = imagehash.phash(Image.fromarray(region))
    other = imagehash.phash(Image.fromarray(ASTRONAUT[:31, :76]))
    assert hash_distance(region_phash(ASTRONAUT, box), region_phash(ASTRONAUT, Box(0, 0, 76, 31))) \
        == theirs - other


def test_frame_passes_within_both_thresholds_only():
    here = EyeSample(Box(100, 100, 80, 30), 0)
    near = EyeSample(Box(130, 100, 80, 30), 0b1111)             # 30 px, 4 bits apart
    far = EyeSample(Box(150, 100, 80, 30), 0)                   # 50 px: not closer than 50
    unlike = EyeSample(Box(100, 100, 80, 30), (1 << 31) - 1)    # 31 bits apart
    def passes(a, b):
        return frame_passes(a, b, HASH_THRESHOLD, DISTANCE_THRESHOLD)
    assert passes(here, near)
    assert not passes(here, far)
    assert not passes(here, unlike)
    assert passes(here, EyeSample(here.box, (1 << 30) - 1))    # 30 bits: within
    assert not passes(None, here) and not passes(here, None)


def test_boxes_scale_between_frame_sizes():
    assert Box(100, 50, 40, 20).scaled((512, 512), (1024, 1024)) == Box(200, 100, 80, 40)
    assert Box(10, 10, 1, 1).scaled((1024, 1024), (256, 256)).w == 1
