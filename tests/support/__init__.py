"""Helpers that run real test servers and shows (Xvfb, JACK, PulseAudio, NDI and Link peers,
show runs and chaos runs), shared by the tests of every concern and by the benchmarks."""
