"""Runs at power-up on the Pico: the cooler's loop, unless the maintenance pin is held low
(then the REPL stays free for mpremote)."""

import board
import cooler

if not board.maintenance():
    cooler.run(board.PicoBoard())
