"""``[hardware]``: the show box's own devices; ``[hardware.cooler]``, the GPU cooler."""

from __future__ import annotations

from dataclasses import dataclass, field

from live.contracts.schema import param

DEFAULT_PORT = "MicroPython"   # what a Pico running MicroPython calls itself over USB


@dataclass
class CoolerConfig:
    """``[hardware.cooler]``: the Pico that drives the GPU fans (hardware/README.md)."""

    enabled: bool = param(False, "talk to the cooler: show it in the HUD, send it hints")
    port: str = param(DEFAULT_PORT, "its serial port: a substring of the port's name, "
                                    "maker or serial number as `gance-live cooler --list` "
                                    "shows them, or a device path such as /dev/ttyACM0")
    baud: int = param(115200, "serial speed (a USB serial port ignores it)",
                      range=(9600, 4000000))
    quiet_ceiling_c: int = param(70, "between songs the fans stay quiet until a GPU "
                                     "reaches this temperature", range=(30, 100))
    starting_s: float = param(60.0, "seconds from the start of a show the fans run ahead "
                                    "of the heat", range=(0.0, 600.0))


@dataclass
class HardwareConfig:
    cooler: CoolerConfig = field(default_factory=CoolerConfig)
