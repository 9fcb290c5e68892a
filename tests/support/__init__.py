"""Helpers that run real test servers and shows (Xvfb, sway with two outputs, JACK,
PulseAudio, NDI and Link peers, show runs and chaos runs), shared by the tests of every concern and by the benchmarks."""
