# The two commands of the README:  make demo  and  make test.
# Both install what they need first: Debian packages (as root or through sudo), then a
# virtual environment in .venv/ with torch==2.13.0 and this project.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
TORCH := torch==2.13.0
# Debian packages: Xvfb + Mesa (OpenGL without a GPU or display), ffmpeg (mp4), PortAudio
# (sounddevice, and headers to build PyAudio), PulseAudio and JACK (real audio and MIDI
# devices in tests), ImageMagick and xdotool (screenshots and key presses under Xvfb), node
# (MicroPython's WebAssembly VM runs the cooler firmware in tests; npm comes with
# NodeSource's nodejs, else from Debian's npm package, installed below when missing).
# sway (headless), grim, Xwayland and xhost: a laptop screen and a projector in tests.
APT_PACKAGES := xvfb xauth x11-utils xdotool imagemagick ffmpeg libegl1 libgl1 libgles2 \
	libgl1-mesa-dri libegl-mesa0 portaudio19-dev libportaudio2 libasound2-dev libsndfile1 \
	pulseaudio pulseaudio-utils libasound2-plugins jackd2 libjack-jackd2-dev nodejs \
	sway grim xwayland x11-xserver-utils
COOLER_TESTS := hardware/cooler/tests

.PHONY: demo test bench system-deps venv clean

demo: venv
	$(BIN)/gance-live demo

test: venv $(COOLER_TESTS)/node_modules/.installed
	$(BIN)/python -m pytest -q

bench: venv
	for b in benchmarks/bench_*.py; do $(BIN)/python -m benchmarks.$$(basename $$b .py) || exit 1; done

system-deps:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -z "$$missing" ]; then exit 0; fi; \
	echo "installing Debian packages: $$missing"; \
	if [ "$$(id -u)" = 0 ]; then SUDO=; elif command -v sudo >/dev/null; then SUDO=sudo; \
	else echo "need root (or sudo) to install: $$missing" >&2; exit 1; fi; \
	$$SUDO apt-get update -qq && \
	DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml | system-deps
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q $(TORCH)
	$(BIN)/pip install -q -e ".[test]"
	touch $@

# MicroPython's WebAssembly port (pinned in package-lock.json), for the firmware tests.
$(COOLER_TESTS)/node_modules/.installed: $(COOLER_TESTS)/package-lock.json | system-deps
	command -v npm >/dev/null || { if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq npm; }
	npm ci --prefix $(COOLER_TESTS) --no-audit --no-fund
	touch $@

clean:
	rm -rf $(VENV) out build *.egg-info $(COOLER_TESTS)/node_modules
