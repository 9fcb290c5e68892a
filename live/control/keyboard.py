"""Keys in the output window, as intents (pure: the compositor sends them on).

Every key comes from a declaration in ``live.contracts.parameters``: a float parameter's
``"raise/lower"`` keys move it one step, a bool parameter's key toggles it, a network
parameter's ``"1-9"`` keys pick one of the first nine networks, an action's key fires it.
Keys say what they want, not the value it gives: the conductor resolves an intent against
the true show state, so a key never acts on a stale copy of it.
"""

from __future__ import annotations

import re

from live.contracts.parameters import ACTIONS, PARAMETERS

QUIT = "quit"  # Esc asks for a confirmation in the window first (compositor/keys.py)


def _key_intents() -> dict[str, tuple[str, str, float]]:
    """Every key name and its ``(name, action, value)``."""
    keys: dict[str, tuple[str, str, float]] = {}
    for declared in PARAMETERS:
        if not declared.key:
            continue
        if declared.kind == "float":
            raise_key, lower_key = declared.key.split("/")
            keys[raise_key] = (declared.name, "up", 1.0)
            keys[lower_key] = (declared.name, "down", 1.0)
        elif declared.kind in ("bool", "choice"):   # a choice's key steps through them
            keys[declared.key] = (declared.name, "toggle", 1.0)
        else:
            first, last = (int(k) for k in declared.key.split("-"))
            keys.update({str(k): (declared.name, "set", float(k - first))
                         for k in range(first, last + 1)})
    for declared_action in ACTIONS:
        if not declared_action.key or declared_action.name == QUIT:
            continue
        if "-" in declared_action.key:   # "f1-f8": F3 fires the action with 3 (scene 3)
            keys.update({key: (declared_action.name, "fire", float(number))
                         for key, number in numbered_keys(declared_action.key)})
        else:   # a key picks the first of an action's choices (C: the first cue)
            value = 0.0 if declared_action.argument == "index" else 1.0
            keys[declared_action.key] = (declared_action.name, "fire", value)
    return keys


def numbered_keys(span: str) -> list[tuple[str, int]]:
    """The keys of a declared span such as ``"shift+f1-f8"`` and the number each carries:
    ``[("shift+f1", 1), ..., ("shift+f8", 8)]``."""
    first, last = span.split("-")
    prefix, start = re.fullmatch(r"(.*?)(\d+)", first).groups()
    end = re.fullmatch(r"\D*(\d+)", last).group(1)
    return [(f"{prefix}{number}", number) for number in range(int(start), int(end) + 1)]


KEY_INTENTS = _key_intents()


def intent_for_key(key: str) -> tuple[str, str, float] | None:
    """The ``(name, action, value)`` one key press asks for, or None for an unbound key.

    ``key`` is a lower-case key name as the window reports it (``"up"``, ``"b"``, ``"3"``).
    """
    return KEY_INTENTS.get(key)


def key_rows() -> list[tuple[str, str]]:
    """``(keys, what they do)`` for every declared key, for ``gance-live parameters`` and the
    README's table."""
    rows = []
    for declared in PARAMETERS:
        if declared.kind == "float" and declared.key:
            raise_key, lower_key = declared.key.split("/")
            rows.append((f"{raise_key} / {lower_key}", f"{declared.name} one step "
                         f"({declared.step:g}) up / down: {declared.help}"))
        elif declared.kind == "bool" and declared.key:
            rows.append((f"`{declared.key.upper()}`", f"toggle {declared.name}: {declared.help}"))
        elif declared.kind == "choice" and declared.key:
            rows.append((f"`{declared.key.upper()}`", f"next {declared.name} "
                         f"({', '.join(declared.choices)}): {declared.help}"))
        elif declared.key:
            first, last = declared.key.split("-")
            rows.append((f"`{first}`-`{last}`", f"{declared.name} {first}-{last} (1 = the "
                                                 f"first of [networks] files)"))
    for declared_action in ACTIONS:
        if declared_action.name == QUIT:
            rows.append(("`Esc`, then `Y`", declared_action.help))
        elif declared_action.key and "-" in declared_action.key:
            keys = numbered_keys(declared_action.key)
            rows.append((f"`{keys[0][0].upper()}`-`{keys[-1][0].upper()}`",
                         f"{declared_action.help} (N = {keys[0][1]}-{keys[-1][1]})"))
        elif declared_action.key:
            key = declared_action.key
            label = f"`{key.upper()}`" if len(key) == 1 else key
            first = " (the first)" if declared_action.argument == "index" else ""
            rows.append((label, declared_action.help + first))
    return rows
