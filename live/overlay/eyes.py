"""Where the eyes are in a frame, and what that region looks like, as GANce compared them.

GANce drew the eye region of the projection's source video over the synthesized frame when
the two lined up. Per frame it found the eyes' bounding box in both frames, compared the two
regions' perceptual hashes (imagehash's phash) and the boxes' distance, and called the frame
a pass when the hash distance was within a threshold (30) and the boxes' centres were closer
than a distance (50 px). This module is that per-frame part, pure apart from the cascades.

Eyes are found with OpenCV's Haar cascades (shipped with opencv-python under ``cv2.data``):
the largest frontal face first, then eyes only in its upper part, because the eye cascade
alone finds "eyes" in hair, fabric and backgrounds all over a frame.

    finder = EyeFinder()
    sample = finder.sample(rgb)            # None: no face with eyes in this frame
    frame_passes(sample, other, hash_threshold=30, distance_threshold=50.0)
"""

from __future__ import annotations

import math
from typing import NamedTuple

import cv2
import imagehash
import numpy as np
from PIL import Image

from live.contracts.errors import LiveError

FACE_CASCADE = "haarcascade_frontalface_default.xml"
EYE_CASCADE = "haarcascade_eye.xml"
SCALE_STEP = 1.1           # detectMultiScale's scale factor: 10 % per pyramid level
MIN_NEIGHBOURS = 5         # overlapping detections needed to keep a face (fewer false ones)
MIN_FACE_FRACTION = 0.08   # a face smaller than this part of the frame's short side is ignored
FACE_SEARCH_SIZE = 320     # faces are searched on a copy whose short side is at most this
EYE_BAND = 0.6             # the eyes are looked for in this upper part of the face
# Inside a face band false eyes are rare, and eyes are small: a finer, more lenient search
# (the band is a small image, so it costs little).
EYE_SCALE_STEP = 1.05
EYE_MIN_NEIGHBOURS = 3
MIN_EYE_FRACTION = 0.125   # of the face's width
MAX_EYES = 2
# What imagehash's phash yields: an 8x8 bit matrix, kept as one 64-bit integer.
HASH_SIZE = 8


class Box(NamedTuple):
    """A region of a frame in pixels: left, top, width, height."""

    x: int
    y: int
    w: int
    h: int

    @property
    def centre(self) -> tuple[float, float]:
        return self.x + self.w / 2.0, self.y + self.h / 2.0

    def scaled(self, from_size: tuple[int, int], to_size: tuple[int, int]) -> Box:
        """The same region in a frame of ``to_size`` (width, height) instead of ``from_size``."""
        sx, sy = to_size[0] / from_size[0], to_size[1] / from_size[1]
        return Box(round(self.x * sx), round(self.y * sy), max(1, round(self.w * sx)),
                   max(1, round(self.h * sy)))


class EyeSample(NamedTuple):
    """One frame's eyes: their bounding box and the phash of that region."""

    box: Box
    phash: int     # 64 bits, imagehash's phash of the region, row-major


class CascadeError(LiveError):
    """OpenCV's Haar cascade files are missing (an opencv build without ``cv2.data``)."""


class EyeFinder:
    """The two cascades, loaded once (a few ms each); one finder per thread that uses it."""

    def __init__(self) -> None:
        self.face = _cascade(FACE_CASCADE)
        self.eye = _cascade(EYE_CASCADE)

    def eyes(self, rgb: np.ndarray) -> Box | None:
        """The bounding box of the eyes of the largest face in ``rgb`` ([H, W, 3|4] uint8);
        None when there is no face, or no eye in it."""
        gray = cv2.cvtColor(np.ascontiguousarray(rgb[:, :, :3]), cv2.COLOR_RGB2GRAY)
        # Faces are big: found on a small copy (most of the search's cost), eyes at full size.
        shrink = min(1.0, FACE_SEARCH_SIZE / min(gray.shape))
        small = gray if shrink == 1.0 else cv2.resize(gray, None, fx=shrink, fy=shrink,
                                                      interpolation=cv2.INTER_AREA)
        smallest = max(1, round(min(small.shape) * MIN_FACE_FRACTION))
        found = self.face.detectMultiScale(small, SCALE_STEP, MIN_NEIGHBOURS,
                                           minSize=(smallest, smallest))
        faces = np.round(np.asarray(found, float).reshape(-1, 4) / shrink).astype(int)
        # The cascade also takes a shadow or a fold for a face now and then; the largest
        # face that has eyes is the one.
        for fx, fy, fw, fh in sorted(faces, key=lambda f: f[2] * f[3], reverse=True):
            band = gray[fy:fy + round(fh * EYE_BAND), fx:fx + fw]
            smallest_eye = max(1, round(fw * MIN_EYE_FRACTION))
            eyes = self.eye.detectMultiScale(band, EYE_SCALE_STEP, EYE_MIN_NEIGHBOURS,
                                             minSize=(smallest_eye, smallest_eye))
            if len(eyes) > 0:
                return _around(eyes[np.argsort(-eyes[:, 2] * eyes[:, 3])[:MAX_EYES]], fx, fy)
        return None

    def sample(self, rgb: np.ndarray) -> EyeSample | None:
        """The eyes' box and its region's phash; None without eyes."""
        box = self.eyes(rgb)
        return None if box is None else EyeSample(box, region_phash(rgb, box))


def _around(eyes: np.ndarray, x: int, y: int) -> Box:
    """The box around ``eyes`` (rows x, y, w, h in a face at ``x``, ``y``), in the frame."""
    left, top = eyes[:, 0].min(), eyes[:, 1].min()
    right, bottom = (eyes[:, 0] + eyes[:, 2]).max(), (eyes[:, 1] + eyes[:, 3]).max()
    return Box(int(x + left), int(y + top), int(right - left), int(bottom - top))


def _cascade(name: str) -> cv2.CascadeClassifier:
    path = cv2.data.haarcascades + name
    cascade = cv2.CascadeClassifier(path)
    if cascade.empty():
        raise CascadeError(f"{path}: OpenCV's Haar cascade is missing; install "
                           f"opencv-python<5 (5.x ships no cascades)")
    return cascade


def region_phash(rgb: np.ndarray, box: Box) -> int:
    """imagehash's phash of ``box`` in ``rgb``, as a 64-bit integer."""
    region = np.ascontiguousarray(rgb[box.y:box.y + box.h, box.x:box.x + box.w, :3])
    bits = imagehash.phash(Image.fromarray(region), hash_size=HASH_SIZE).hash
    return int.from_bytes(np.packbits(bits.ravel()).tobytes(), "big")


def hash_distance(a: int, b: int) -> int:
    """Hamming distance of two phashes (what imagehash's ``a - b`` gives)."""
    return (a ^ b).bit_count()


def box_distance(a: Box, b: Box) -> float:
    """Distance in pixels between the two boxes' centres."""
    (ax, ay), (bx, by) = a.centre, b.centre
    return math.hypot(ax - bx, ay - by)


def frame_passes(source: EyeSample | None, synthesized: EyeSample | None,
                 hash_threshold: float, distance_threshold: float) -> bool:
    """GANce's per-frame test: eyes in both frames, region hashes within ``hash_threshold``
    and box centres closer than ``distance_threshold`` pixels (both boxes in the same
    frame size)."""
    if source is None or synthesized is None:
        return False
    return (hash_distance(source.phash, synthesized.phash) <= hash_threshold
            and box_distance(source.box, synthesized.box) < distance_threshold)
