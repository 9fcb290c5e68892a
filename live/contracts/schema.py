"""Declaring configuration keys: each concern's config section is a dataclass of ``param``s."""

from __future__ import annotations

import typing
from dataclasses import field
from typing import Any


def param(default: Any, help: str, *, range: tuple[float, float] | None = None,
          choices: typing.Sequence[Any] | None = None, length: int | None = None,
          expected: str | None = None) -> Any:
    """Declare one configuration key.

    ``help`` is shown by ``--help``-style listings and in errors; ``range`` bounds numbers
    (inclusive), ``choices`` lists the accepted values, ``length`` fixes a list's length;
    ``expected`` says what a bad value should have been where the generic wording would
    say it badly (``"a channel from 1 to 16"``).
    """
    meta = {"help": help, "range": range, "choices": tuple(choices) if choices else None,
            "length": length, "expected": expected}
    if isinstance(default, (list, dict)):
        return field(default_factory=lambda: type(default)(default), metadata=meta)
    return field(default=default, metadata=meta)
