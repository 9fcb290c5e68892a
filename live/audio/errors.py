"""The one error type of the audio concern: input the performer has to fix."""

from __future__ import annotations

from live.contracts.errors import ConfigError


class AudioInputError(ConfigError):
    """An audio device, file or sample rate that cannot be used.

    It is a :class:`~live.contracts.errors.ConfigError` because every cause is fixed in the show file
    (``[audio]``) or on the command line, and the CLI reports it the same way: one line, exit
    status 2. The message names the device or file and lists what would work instead.
    """
