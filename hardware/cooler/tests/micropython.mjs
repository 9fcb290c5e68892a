// Runs a Python script in MicroPython's real VM (the WebAssembly port) with the cooler's
// firmware importable, and stand-ins for the Pico's pins as the JS module `pins`:
//
//   node micropython.mjs SCRIPT.py FILE.py... [--serial-fd N] [--pins PINS.json]
//
// Every FILE.py is importable by its base name (the firmware, protocol.py). --serial-fd is a
// pseudo-terminal's master side (non-blocking) standing in for the Pico's USB serial port;
// --pins names a JSON file the test rewrites at will: {"adc": [raw per channel],
// "max_rpm": [per fan]}; each fan's tachometer pulses follow its duty.
import fs from "node:fs";
import path from "node:path";
import { loadMicroPython } from "@micropython/micropython-webassembly-pyscript/micropython.mjs";

const args = process.argv.slice(2);
const option = (name) => {
  const at = args.indexOf(name);
  if (at < 0) return null;
  const [, value] = args.splice(at, 2);
  return value;
};
const serialFd = option("--serial-fd");
const pinsFile = option("--pins");
const [script, ...modules] = args;

const sleeper = new Int32Array(new SharedArrayBuffer(4));
const started = performance.now();
let duties = [];
let lastPulses = performance.now();
const fractions = [];

function pinsState() {
  try {
    return JSON.parse(fs.readFileSync(pinsFile, "utf8"));
  } catch {
    return { adc: [], max_rpm: [] };   // mid-rewrite: the next tick reads it again
  }
}

const pins = {
  seconds: () => (performance.now() - started) / 1000,
  sleep: (seconds) => { Atomics.wait(sleeper, 0, 0, seconds * 1000); },
  read_adc: () => JSON.stringify(pinsState().adc),
  take_pulses: () => {
    // A fan turns at duty * max_rpm; its tachometer gives 2 pulses per revolution.
    const now = performance.now();
    const seconds = (now - lastPulses) / 1000;
    lastPulses = now;
    const maxRpm = pinsState().max_rpm;
    return JSON.stringify(maxRpm.map((fanRpm, i) => {
      const exact = (fractions[i] || 0) + (duties[i] || 0) * fanRpm / 60 * 2 * seconds;
      const whole = Math.floor(exact);
      fractions[i] = exact - whole;
      return whole;
    }));
  },
  drive: (json) => { duties = JSON.parse(json); },
  read_serial: () => {
    if (serialFd === null) return "";
    const buffer = Buffer.alloc(512);
    try {
      const count = fs.readSync(Number(serialFd), buffer, 0, buffer.length, null);
      return buffer.subarray(0, count).toString("hex");
    } catch (error) {
      if (error.code === "EAGAIN" || error.code === "EIO") return "";  // nothing, or no host
      throw error;
    }
  },
  write_serial: (hex) => {
    if (serialFd === null) return;
    try {
      fs.writeSync(Number(serialFd), Buffer.from(hex, "hex"));
    } catch (error) {
      if (error.code !== "EAGAIN" && error.code !== "EIO") throw error;  // nobody listening
    }
  },
};

const mp = await loadMicroPython({
  stdout: (line) => process.stdout.write(line + "\n"),
  stderr: (line) => process.stderr.write(line + "\n"),
  heapsize: 4 * 1024 * 1024,
});
mp.FS.mkdir("/firmware");
for (const file of modules) {
  mp.FS.writeFile("/firmware/" + path.basename(file), fs.readFileSync(file, "utf8"));
}
mp.registerJsModule("pins", pins);
try {
  mp.runPython("import sys\nsys.path.append('/firmware')\n" + fs.readFileSync(script, "utf8"));
} catch (error) {
  if (error.name !== "PythonError") throw error;
  process.stderr.write(error.message + "\n");
  process.exit(1);
}
