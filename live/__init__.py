"""gance-live: real-time StyleGAN2 visuals for the stage."""

__version__ = "0.1.0"
