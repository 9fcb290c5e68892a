"""Reading recordings back in tests: stream facts with ffprobe, pixels with ffmpeg."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np


def probe(path: Path) -> dict[str, dict]:
    """``{"video": {...}, "audio": {...}}``: each stream's ffprobe fields (frames counted)."""
    result = subprocess.run(
        ["ffprobe", "-v", "error", "-count_frames", "-show_entries",
         "stream=codec_type,codec_name,width,height,nb_read_frames,duration,r_frame_rate,avg_frame_rate,pix_fmt",
         "-of", "json", str(path)], capture_output=True, text=True, check=True)
    return {s["codec_type"]: s for s in json.loads(result.stdout)["streams"]}


def decode(path: Path, width: int, height: int) -> np.ndarray:
    """Every video frame as ``[n, height, width, 3]`` uint8 RGB."""
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), "-f", "rawvideo",
                          "-pix_fmt", "rgb24", "-"], capture_output=True, check=True).stdout
    return np.frombuffer(raw, np.uint8).reshape(-1, height, width, 3)
