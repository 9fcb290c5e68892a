"""The show box's own hardware, host side: the GPU cooler's serial link."""
