"""The cooler's logic: thermistors to temperatures, temperatures to fan duty, the fail-safes,
and the conversation with the host. No pins here: :func:`run` is given a board (``board.py``
on the Pico; a stand-in in the tests), so the same code runs under MicroPython on the Pico
and in the tests' MicroPython VM.

Thermistor divider (per GPU): 3V3 -- R_FIXED -- ADC pin -- NTC -- GND, so the ADC reads
``NTC / (R_FIXED + NTC)`` of full scale. The NTC's resistance gives the temperature by the
beta equation, or by Steinhart-Hart when its three coefficients are known.

Fan duty: a curve of temperature (quiet at idle, full near the GPU's slowdown), plus a term
for how fast the temperature climbs, so a sudden load spins the fans up before the heat has
soaked in; duty rises at once and falls slowly (no audible hunting). Hints from the host:
SHOW_STARTING holds the fans high for a while (ahead of the heat); QUIET caps them, until a
GPU passes the ceiling the host sent. Fail-safe: a thermistor that reads open or short runs
its fan full; a host silent for HOST_TIMEOUT_S runs every fan full.
"""

import math

import protocol

R_FIXED = 10000.0          # ohm, the divider's fixed resistor
NTC_R25 = 10000.0          # ohm at 25 C
NTC_BETA = 3950.0
KELVIN = 273.15
ADC_FULL = 65535           # read_u16() full scale
OPEN_OR_SHORT = 0.02       # a divider ratio this near 0 or 1 is a lost sensor

CURVE = ((35.0, 0.25), (55.0, 0.45), (70.0, 0.75), (80.0, 1.0))   # (C, duty)
MIN_DUTY = 0.25            # 40 mm fans stall below about this
RISE_GAIN = 0.15           # extra duty per C/s of climb
RISE_SMOOTHING = 0.3       # weight of the newest climb rate
FALL_PER_S = 0.05          # duty falls at most this much per second
STARTING_DUTY = 0.85       # SHOW_STARTING: this much for STARTING_S
STARTING_S = 60.0
QUIET_DUTY = 0.35          # QUIET: at most this, below the ceiling
HOST_TIMEOUT_S = 5.0
STALL_DUTY = 0.5           # a fan driven at least this hard must turn...
STALL_S = 2.0              # ... within this long (spinning up takes a moment)
TACH_PULSES_PER_REV = 2
STATUS_EVERY_S = 0.5
TICK_S = 0.1


def ntc_resistance(raw):
    """The thermistor's resistance from a 16-bit ADC reading; None for an open or short."""
    ratio = raw / ADC_FULL
    if ratio <= OPEN_OR_SHORT or ratio >= 1.0 - OPEN_OR_SHORT:
        return None
    return R_FIXED * ratio / (1.0 - ratio)


def beta_celsius(resistance, r25=NTC_R25, beta=NTC_BETA):
    return 1.0 / (1.0 / (25.0 + KELVIN) + math.log(resistance / r25) / beta) - KELVIN


def steinhart_hart_celsius(resistance, a, b, c):
    ln_r = math.log(resistance)
    return 1.0 / (a + b * ln_r + c * ln_r ** 3) - KELVIN


def celsius(raw, coefficients=None):
    """Temperature from an ADC reading (Steinhart-Hart if ``coefficients`` (a, b, c) are
    given, else the beta equation); None for a lost sensor."""
    resistance = ntc_resistance(raw)
    if resistance is None:
        return None
    if coefficients:
        return steinhart_hart_celsius(resistance, *coefficients)
    return beta_celsius(resistance)


def curve_duty(temperature):
    """The fan curve, linear between its points, flat beyond them."""
    if temperature <= CURVE[0][0]:
        return CURVE[0][1]
    for (t0, d0), (t1, d1) in zip(CURVE, CURVE[1:]):
        if temperature <= t1:
            return d0 + (d1 - d0) * (temperature - t0) / (t1 - t0)
    return CURVE[-1][1]


def rpm(pulses, seconds):
    return pulses * 60.0 / (TACH_PULSES_PER_REV * seconds) if seconds > 0 else 0.0


class Channel:
    """One GPU: its thermistor, its fan, and what it remembers between ticks."""

    def __init__(self):
        self.temperature = None
        self.rise = 0.0        # smoothed C/s
        self.duty = 1.0        # full until the first reading
        self.rpm = 0.0
        self.still_for = 0.0   # seconds driven hard without a tach pulse

    def read(self, temperature, dt):
        if temperature is not None and self.temperature is not None and dt > 0:
            climb = (temperature - self.temperature) / dt
            self.rise += RISE_SMOOTHING * (climb - self.rise)
        self.temperature = temperature

    def wanted(self):
        """Duty from this channel's own temperature (before hints and fail-safes)."""
        return min(1.0, curve_duty(self.temperature) + RISE_GAIN * max(0.0, self.rise))


class Cooler:
    """Everything but the pins: feed it each tick's readings, it says what to drive and send."""

    def __init__(self, channels):
        self.channels = [Channel() for _ in range(channels)]
        self.reader = protocol.FrameReader()
        self.hint = protocol.NORMAL
        self.ceiling = 255
        self.hint_at = None         # when the host last spoke
        self.started_at = None      # SHOW_STARTING began
        self.status_at = None
        self.flags = 0

    def heard(self, data, now):
        for kind, payload in self.reader.feed(data):
            if kind != protocol.HINT:
                continue
            try:
                hint, ceiling = protocol.decode_hint(payload)
            except ValueError:
                continue
            if hint == protocol.SHOW_STARTING and self.hint != protocol.SHOW_STARTING:
                self.started_at = now
            self.hint, self.ceiling, self.hint_at = hint, ceiling, now

    def tick(self, now, dt, raw_adc, tach_pulses):
        """One control step: ``raw_adc`` and ``tach_pulses`` (since the last tick) per
        channel. Returns the duty of every fan, and sets :attr:`flags`."""
        flags = 0
        host_silent = self.hint_at is None or now - self.hint_at > HOST_TIMEOUT_S
        if host_silent:
            flags |= protocol.FLAG_HOST_SILENT
        for channel, raw, pulses in zip(self.channels, raw_adc, tach_pulses):
            channel.read(celsius(raw), dt)
            channel.rpm = rpm(pulses, dt)
        hottest = max([c.temperature for c in self.channels if c.temperature is not None] or [0])
        for channel in self.channels:
            if channel.temperature is None:
                flags |= protocol.FLAG_SENSOR_LOST
                target = 1.0
            elif host_silent:
                target = 1.0
            else:
                target = self._hinted(channel.wanted(), now, hottest)
            if target >= channel.duty:
                channel.duty = target          # up at once
            else:
                channel.duty = max(target, channel.duty - FALL_PER_S * dt)
            hard_but_still = channel.duty >= STALL_DUTY and channel.rpm == 0
            channel.still_for = channel.still_for + dt if hard_but_still else 0.0
            if channel.still_for >= STALL_S:
                flags |= protocol.FLAG_FAN_STALLED
        self.flags = flags
        return [c.duty for c in self.channels]

    def _hinted(self, duty, now, hottest):
        if self.hint == protocol.SHOW_STARTING and self.started_at is not None \
                and now - self.started_at < STARTING_S:
            duty = max(duty, STARTING_DUTY)
        elif self.hint == protocol.QUIET and hottest < self.ceiling:
            duty = min(duty, QUIET_DUTY)
        return max(MIN_DUTY, duty)

    def status(self, now):
        """A STATUS frame when one is due, else None."""
        if self.status_at is not None and now - self.status_at < STATUS_EVERY_S:
            return None
        self.status_at = now
        return protocol.encode_status(self.hint, self.flags, [
            (c.temperature, c.duty, c.rpm) for c in self.channels])


def run(board, ticks=None):
    """The firmware's loop: read, decide, drive, talk; ``ticks`` None runs for ever."""
    cooler = Cooler(board.CHANNELS)
    last = board.seconds()
    count = 0
    while ticks is None or count < ticks:
        board.sleep(TICK_S)
        now = board.seconds()
        cooler.heard(board.read_serial(), now)
        duties = cooler.tick(now, now - last, board.read_adc(), board.take_pulses())
        last = now
        board.drive(duties)
        message = cooler.status(now)
        if message is not None:
            board.write_serial(message)
        count += 1
    return cooler
