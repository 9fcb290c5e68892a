"""A three-song set with real files, for the set's show and render tests and its benchmark.

Songs 1 and 2 play GANce projection files that hold one W for every frame (so each song's
picture is known: that W drawn by the song's network), song 3 a noise loop. Each song has
its own audio (a tone with a little noise, ``SONG_SECONDS`` long unless asked otherwise, at a
rate where a frame is a whole number of hops, so song boundaries fall exactly on frames).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tests.latents.conftest import write_gance_file

FPS = 10
SONG_SECONDS = 2.0
RATE = 10000          # 1000 samples a frame at 10 fps: two hops of 500
HOP = 500
NUM_WS = 12           # the demo networks' W+ rows
SONG_NETWORKS = ([0], [1], [0])   # the network each song plays

SET_SHOW = """\
[show]
name = "set"
fps = {fps}
seed = 3

[networks]
files = ["demo:0", "demo:1"]

[audio]
source = "file"
output_device = "none"   # analysed silently, paced by the clock: no sound card needed
hop = {hop}
loop = false

[latents]
source = "noise_loop"
stops = 3
seconds_per_stop = 0.5
gain = 0.0               # no audio blend: a projection song's picture is its W alone

[output]
width = 128
height = 128

[control.osc]
enabled = false

[[songs]]
name = "first light"
audio = "one.wav"
networks = [0]
[songs.latents]
source = "projection"
projection.file = "one.hdf5"

[[songs]]
name = "second"
audio = "two.wav"
networks = [1]
transition = "cut"
[songs.latents]
source = "projection"
projection.file = "two.hdf5"

[[songs]]
name = "noise"
audio = "three.wav"
networks = [0]
transition = "cut"
"""


def song_w(song: int) -> np.ndarray:
    """The one W [512] projection song ``song`` (0 or 1) plays."""
    return np.random.default_rng(100 + song).standard_normal(512).astype(np.float32) * 0.5


def make_set(folder: Path, seconds: tuple[float, float, float] = (SONG_SECONDS,) * 3,
             frames_per_projection: int = 40) -> Path:
    """show.toml and its files in ``folder``, each song's audio ``seconds`` long; returns the
    show file (vary it with --set)."""
    import soundfile

    for number, name in enumerate(("one", "two", "three")):
        t = np.arange(int(seconds[number] * RATE)) / RATE
        tone = 0.2 * np.sin(2 * np.pi * (220 * (number + 1)) * t)
        # Seeded noise makes every moment of the set's audio unlike any other, so a recording's
        # audio can be placed in it (tests/support/heard.py).
        noise = 0.05 * np.random.default_rng(10 + number).standard_normal(len(t))
        soundfile.write(folder / f"{name}.wav", (tone + noise).astype(np.float32), RATE)
    for song, name in enumerate(("one", "two")):
        latents = np.broadcast_to(song_w(song), (frames_per_projection, NUM_WS, 512))
        write_gance_file(folder / f"{name}.hdf5", np.ascontiguousarray(latents), FPS)
    show = folder / "show.toml"
    show.write_text(SET_SHOW.format(fps=FPS, hop=HOP))
    return show


def song_picture_mean(song: int) -> float:
    """The mean RGB value of projection song ``song``'s picture, drawn here as a worker does."""
    import torch

    from live.synth import load_network

    network = load_network(f"demo:{SONG_NETWORKS[song][0]}", device="cpu")
    ws = torch.from_numpy(np.broadcast_to(song_w(song), (1, NUM_WS, 512)).copy())
    with torch.no_grad():
        image = network.synthesis(ws, noise_mode="const")
    pixels = (image.clamp(-1, 1) + 1) * 127.5
    return float(pixels.mean())
