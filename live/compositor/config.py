"""``[output]``: the window or projector, the upscale, placement, look and the recording."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from live.contracts.errors import ConfigError
from live.contracts.paths import check_input_file
from live.contracts.schema import param

NDI_CONFIG_FILE = "ndi-config.v1.json"   # the file NDI reads in the folder NDI_CONFIG_DIR names


@dataclass
class NdiConfig:
    """``[output.ndi]``: the output as NDI sources for Resolume, OBS, TouchDesigner (live
    shows; a render writes its mp4 only)."""

    enabled: bool = param(False, "send the output (what is recorded: no HUD) as an NDI source "
                                 "at the show's fps and output size")
    name: str = param("gance-live", "the NDI source's name; receivers list it as "
                                    "\"HOST (name)\"")
    frame: bool = param(False, "also send each network frame as it comes (its own size, RGBA "
                               "with alpha) as the source \"name frame\", for compositing in "
                               "the receiver")
    config_dir: str = param("", "folder (relative to the show file) holding the "
                                "ndi-config.v1.json the sources use instead of ~/.ndi's: "
                                "discovery servers, extra IPs, adapters, groups; empty = NDI's "
                                "own")

    @property
    def sends(self) -> bool:
        return self.enabled or self.frame


def check_ndi_config_dir(folder: Path, where: str) -> Path:
    """``folder`` when it holds an NDI settings file as NDI's documentation describes it: a
    JSON object with an ``"ndi"`` object.

    ``where`` names the key (``"show.toml: [output.ndi] config_dir"``) in the one-line error.
    """
    fix = (f"the folder must hold NDI's {NDI_CONFIG_FILE}, e.g. "
           '{"ndi": {"networks": {"ips": "127.0.0.1"}}}')
    path = check_input_file(folder / NDI_CONFIG_FILE, "NDI configuration file", where, fix)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"{where}: {path}: not JSON ({exc}); {fix}") from None
    if not isinstance(document, dict) or not isinstance(document.get("ndi"), dict):
        raise ConfigError(f"{where}: {path}: expected an object with an \"ndi\" object, as "
                          f"NDI's settings are; {fix}")
    return folder


@dataclass
class OutputConfig:
    width: int = param(1024, "output width in pixels (window or recording)", range=(16, 8192))
    height: int = param(1024, "output height in pixels", range=(16, 8192))
    fullscreen: bool = param(False, "fullscreen on the chosen monitor (show night)")
    monitor: str = param("", "monitor name substring or index for fullscreen; empty = primary")
    upscale: str = param("bicubic", "resampling from network size to output size",
                         choices=("bicubic", "linear", "nearest"))
    cpu_resample: str | bool = param(
        "auto", "renders resample the frame to the output size on the CPU (the same "
                "Catmull-Rom, within 1/255) instead of in the shader: \"auto\" where OpenGL is "
                "software (llvmpipe, softpipe, swrast); true or false to choose (live shows "
                "always resample in the shader)",
        choices=("auto", True, False), expected="\"auto\", true or false")
    vsync: bool = param(True, "wait for the display's vertical blank")
    record: str = param("", "also record the output to this mp4 (empty = no recording)")
    hud: bool = param(False, "show the heads-up display at start (H toggles it)")
    preview: bool = param(False, "also open a small window for the performer showing the output "
                                 "with the HUD, and taking the same keys (windowed shows only; "
                                 "ignored headless and when rendering)")
    preview_size: list[int] = param([480, 270], "[width, height] of the preview window",
                                    range=(64, 8192), length=2)
    preview_monitor: str = param("", "monitor name substring or index for the preview window; "
                                     "empty = primary")
    preview_position: list[int] = param([40, 40], "[x, y] of the preview window from the "
                                                  "top-left corner of its monitor",
                                        range=(0, 16384), length=2)
    placement: str = param("fit", "frame on the output: fit (all visible), fill (output covered, "
                                  "cropped), size (frame_size pixels) or stretch (aspect ignored)",
                           choices=("fit", "fill", "size", "stretch"))
    frame_size: list[int] = param([1024, 1024], "[width, height] in output pixels for "
                                                "placement = \"size\"", range=(1, 16384), length=2)
    position: list[float] = param([0.5, 0.5], "frame centre as [x, y] fractions of the output "
                                              "(0, 0 = top-left)", range=(-1.0, 2.0), length=2)
    mirror: str = param("none", "mirror the picture (rear projection, mirrors on stage)",
                        choices=("none", "horizontal", "vertical", "both"))
    rotation: int = param(0, "clockwise rotation in degrees (projector on its side)",
                          choices=(0, 90, 180, 270))
    background: list[float] = param([0.0, 0.0, 0.0], "[r, g, b] 0..1 around the frame",
                                    range=(0.0, 1.0), length=3)
    fade_time: float = param(1.0, "seconds the blackout takes to fade out or in",
                             range=(0.0, 60.0))
    brightness: float = param(0.0, "added to every colour after contrast", range=(-1.0, 1.0))
    contrast: float = param(1.0, "scales colours around mid grey; 1 = unchanged", range=(0.0, 4.0))
    gamma: float = param(1.0, "output gamma; above 1 brightens the mid-tones", range=(0.1, 5.0))
    record_crf: int = param(18, "x264 quality of the recording (lower = better, larger)",
                            range=(0, 51))
    record_preset: str = param("veryfast", "x264 speed preset of the recording",
                               choices=("ultrafast", "superfast", "veryfast", "faster", "fast",
                                        "medium", "slow"))
    ndi: NdiConfig = field(default_factory=NdiConfig)
