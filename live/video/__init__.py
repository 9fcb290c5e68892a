"""The video layer under the GAN frame: a camera or a video file, in a process of its own."""
