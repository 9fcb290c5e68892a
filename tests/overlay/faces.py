"""A real face for the eye-overlay tests: scikit-image ships NASA's astronaut portrait."""

from __future__ import annotations

import numpy as np
from skimage import data

ASTRONAUT = data.astronaut()         # [512, 512, 3] uint8, Eileen Collins facing the camera
# Her eyes as OpenCV's cascades find them (face first): the box around both, in pixels.
ASTRONAUT_EYES = (187, 86, 76, 31)   # x, y, w, h


def face_frame(size: int, dx: int = 0, dy: int = 0, face_size: int = 512) -> np.ndarray:
    """A ``size`` x ``size`` RGB frame on grey holding the astronaut scaled to ``face_size``,
    its top-left corner at (``dx``, ``dy``) (it may run off the frame)."""
    import cv2

    face = ASTRONAUT if face_size == 512 else cv2.resize(ASTRONAUT, (face_size, face_size),
                                                         interpolation=cv2.INTER_AREA)
    frame = np.full((size, size, 3), 96, np.uint8)
    x0, y0 = max(dx, 0), max(dy, 0)
    x1, y1 = min(dx + face_size, size), min(dy + face_size, size)
    frame[y0:y1, x0:x1] = face[y0 - dy:y1 - dy, x0 - dx:x1 - dx]
    return frame
