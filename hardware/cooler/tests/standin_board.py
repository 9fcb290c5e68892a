"""The Pico's pins stood in for by the JS module ``pins`` (micropython.mjs); everything
above the pins is the firmware's own code."""

import binascii
import json

import pins


class StandInBoard:
    CHANNELS = 2

    def seconds(self):
        return pins.seconds()

    def sleep(self, seconds):
        pins.sleep(seconds)

    def read_adc(self):
        return json.loads(pins.read_adc())

    def take_pulses(self):
        return json.loads(pins.take_pulses())

    def drive(self, duties):
        pins.drive(json.dumps(duties))

    def read_serial(self):
        return binascii.unhexlify(pins.read_serial())

    def write_serial(self, data):
        pins.write_serial(binascii.hexlify(data).decode())
