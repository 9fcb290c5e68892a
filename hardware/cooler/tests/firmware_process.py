"""The cooler's firmware loop on the stand-in board: a firmware process for the host to
talk to over a pseudo-terminal (micropython.mjs --serial-fd)."""

import cooler
from standin_board import StandInBoard

cooler.run(StandInBoard())
