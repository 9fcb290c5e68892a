"""The cooler's logic through a scripted evening, on simulated time: prints one JSON line
per step. Run by the tests in MicroPython's VM and in CPython, which must agree."""

import json

import cooler
import protocol

TICK = 0.1


def raw_for(celsius):
    """The ADC reading of the divider at ``celsius`` (inverse of the beta equation)."""
    import math
    kelvin = celsius + cooler.KELVIN
    resistance = cooler.NTC_R25 * math.exp(cooler.NTC_BETA * (1 / kelvin - 1 / (25 + cooler.KELVIN)))
    return round(cooler.ADC_FULL * resistance / (cooler.R_FIXED + resistance))


def evening():
    box = cooler.Cooler(2)
    now = 0.0
    temperatures = [40.0, 40.0]
    spinning = [True, True]
    host = True
    hint = protocol.NORMAL
    ceiling = 70

    def step(label):
        nonlocal now
        now += TICK
        if host:
            box.heard(protocol.encode_hint(hint, ceiling), now)
        raws = [0 if t is None else raw_for(t) for t in temperatures]
        pulses = [int(d * 4000 / 60 * 2 * TICK) if s else 0
                  for d, s in zip([c.duty for c in box.channels], spinning)]
        duties = box.tick(now, TICK, raws, pulses)
        print(json.dumps({"label": label, "t": round(now, 3), "duties": duties,
                          "temperatures": [c.temperature for c in box.channels],
                          "flags": box.flags, "hint": box.hint}))

    for _ in range(30):
        step("idle")                         # 40 C: the curve's quiet end
    temperatures = [75.0, 40.0]
    for _ in range(5):
        step("load")                         # GPU0 jumps: fans up at once (and the climb)
    for _ in range(50):
        step("hot")                          # it stays hot: the climb term fades
    temperatures = [60.0, 40.0]
    for _ in range(20):
        step("cooling")                      # duty falls slowly
    hint = protocol.QUIET
    for _ in range(100):
        step("quiet")                        # capped
    temperatures = [72.0, 40.0]
    for _ in range(10):
        step("quiet over ceiling")           # the ceiling overrides quiet
    temperatures = [45.0, 40.0]
    hint = protocol.SHOW_STARTING
    for _ in range(10):
        step("show starting")                # ahead of the heat
    hint = protocol.NORMAL
    temperatures = [45.0, None]
    for _ in range(5):
        step("sensor lost")                  # GPU1's thermistor unplugged
    temperatures = [45.0, 40.0]
    spinning = [True, False]
    for _ in range(80):
        step("stalled")                      # fan 1 stops while driven hard at first
    spinning = [True, True]
    host = False
    for _ in range(60):
        step("host silent")                  # 6 s without a hint: every fan full


print(json.dumps({"label": "constants", "curve_40": cooler.curve_duty(40.0),
                  "curve_75": cooler.curve_duty(75.0), "fall_per_s": cooler.FALL_PER_S,
                  "quiet": cooler.QUIET_DUTY, "starting": cooler.STARTING_DUTY,
                  "flags": 0, "duties": []}))
evening()
