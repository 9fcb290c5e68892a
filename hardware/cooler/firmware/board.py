"""The Raspberry Pi Pico's pins for the cooler (see hardware/README.md for the wiring).

Per GPU channel: a thermistor divider on an ADC pin, a 4-pin 40 mm fan's PWM input on a PWM
pin (25 kHz, the fans' specified frequency), its tachometer on an input pin with a pull-up
(two pulses per revolution, counted in an interrupt). The host link is the USB serial port.
"""

import select
import sys
import time

import machine
import micropython
from machine import ADC, PWM, Pin

ADC_PINS = (26, 27, 28)          # GP26..GP28 = ADC0..ADC2
PWM_PINS = (2, 4, 6)
TACH_PINS = (3, 5, 7)
MAINTENANCE_PIN = 22             # held to GND at power-up: stay in the REPL (for mpremote)
PWM_HZ = 25000
CHANNELS = len(ADC_PINS)


def maintenance():
    return Pin(MAINTENANCE_PIN, Pin.IN, Pin.PULL_UP).value() == 0


class PicoBoard:
    CHANNELS = CHANNELS

    def __init__(self):
        self.adcs = [ADC(pin) for pin in ADC_PINS]
        self.fans = []
        for pin in PWM_PINS:
            fan = PWM(Pin(pin))
            fan.freq(PWM_HZ)
            fan.duty_u16(65535)      # full until the first decision
            self.fans.append(fan)
        self.pulses = [0] * CHANNELS
        self.tachs = []
        for index, pin in enumerate(TACH_PINS):
            tach = Pin(pin, Pin.IN, Pin.PULL_UP)
            tach.irq(trigger=Pin.IRQ_FALLING, handler=self._counter(index))
            self.tachs.append(tach)
        # Frames are binary: a 0x03 byte must not interrupt the program as Ctrl-C would.
        micropython.kbd_intr(-1)
        self.poll = select.poll()
        self.poll.register(sys.stdin, select.POLLIN)
        self.ticks = time.ticks_ms()
        self.elapsed_ms = 0   # summed tick by tick: ticks_ms() wraps after about 6 days

    def _counter(self, index):
        def count(pin):
            self.pulses[index] += 1
        return count

    def seconds(self):
        now = time.ticks_ms()
        self.elapsed_ms += time.ticks_diff(now, self.ticks)
        self.ticks = now
        return self.elapsed_ms / 1000.0

    def sleep(self, seconds):
        time.sleep_ms(int(seconds * 1000))

    def read_adc(self):
        return [adc.read_u16() for adc in self.adcs]

    def take_pulses(self):
        state = machine.disable_irq()     # the tach interrupts must not count mid-swap
        pulses, self.pulses = self.pulses, [0] * CHANNELS
        machine.enable_irq(state)
        return pulses

    def drive(self, duties):
        for fan, duty in zip(self.fans, duties):
            fan.duty_u16(int(duty * 65535))

    def read_serial(self):
        data = b""
        while self.poll.poll(0):
            data += sys.stdin.buffer.read(1)
        return data

    def write_serial(self, data):
        sys.stdout.buffer.write(data)

