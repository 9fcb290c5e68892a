"""The projector: a source video into a GANce projection file, frame by frame, in PyTorch.

    gance-live project clip.mp4 network.pkl --out clip.hdf5 --fps 15 --steps 300

Each frame of the video (resampled to the projection fps, fitted to the network's square) is
optimised into W the way StyleGAN2's projector does it (start from the mean W, a decaying
perturbation of W, a learning-rate ramp, a perceptual or pixel distance), each frame starting
from the previous frame's result. Frames are written as they finish, ``complete`` false until
the last, so an interrupted projection resumes where it stopped and ends identical.

- ``video.py``: reading and fitting the frames (OpenCV); the fps resampling is pure.
- ``distance.py``: StyleGAN2's VGG16 TorchScript distance, or pixel + multi-scale SSIM.
- ``optimise.py``: the optimisation of a batch of frames (pure torch, no files).
- ``store.py``: the GANce file, written frame by frame, read back to resume.
- ``run.py``: shards, rounds, devices, progress: the whole projection of a video.
"""
