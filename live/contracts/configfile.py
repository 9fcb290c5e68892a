"""Reading a TOML file and checking it against dataclasses declared with :func:`param`.

A config section (or a MIDI map's top level and its ``[[bind]]`` tables) is a dataclass
whose fields are made with :func:`~live.contracts.schema.param`. :func:`build_section`
checks a parsed table against it and turns the first problem into a :class:`ConfigError`
whose one-line message names the file, the key and what is expected (:func:`bad_value`
words rules that span keys alike); :func:`describe` lists every key for documentation.
"""

from __future__ import annotations

import dataclasses
import math
import tomllib
import types
import typing
from pathlib import Path
from typing import Any

from live.contracts.errors import ConfigError
from live.contracts.paths import check_input_file


def read_toml(path: Path, what: str, fix: str) -> dict[str, Any]:
    """Parse a TOML file; a missing, non-UTF-8 or malformed file (or a folder, a device...) is
    a one-line ConfigError. ``what`` names the file (``"MIDI map"``); ``fix`` says what to do
    when it is not there."""
    check_input_file(path, what, fix=fix)
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not a UTF-8 text file") from None


def build_section(cls: type, raw: Any, source: str, prefix: str, skip: set[str] = frozenset(),
                  table: str | None = None) -> Any:
    """``raw`` checked against ``cls``. Errors name a key as ``[prefix] key``, or as
    ``TABLE: key`` when ``table`` names the table (``"[[bind]] #2"``, ``"top level"``)."""
    where = table or (f"[{prefix}]" if prefix else "top level")
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: {where}: expected a table, got {_show(raw)}")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.name not in skip}
    unknown = sorted(set(raw) - set(fields))
    if unknown:
        known = ", ".join(fields) or "(none)"
        raise ConfigError(f"{source}: {where} unknown key '{unknown[0]}' (known keys: {known})")
    values = {}
    for name, value in raw.items():
        f, hint = fields[name], hints[name]
        key = f"{prefix}.{name}" if prefix else name
        if dataclasses.is_dataclass(hint):
            values[name] = build_section(hint, value, source, key)
        else:
            values[name] = _check_value(value, hint, f.metadata, source, key, table)
    return cls(**values)


def bad_value(source: str, label: str, expected: str, got: Any) -> ConfigError:
    """The one line for a bad value: ``SOURCE: LABEL: expected EXPECTED, got GOT``."""
    return ConfigError(f"{source}: {label}: expected {expected}, got {_show(got)}")


def _check_value(value: Any, hint: Any, meta: typing.Mapping[str, Any], source: str,
                 key: str, table: str | None = None) -> Any:
    section, _, name = key.rpartition(".")
    label = f"{table}: {name}" if table else f"[{section}] {name}" if section else name

    def fail(expected: str) -> typing.NoReturn:
        raise bad_value(source, label, meta.get("expected") or expected, value)

    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(hint) if a is not type(None)]
        # A key of either kind ("auto" or a bool) is checked as the kind it was given.
        hint = next((option for option in options if type(value) is option), options[0])
        origin = typing.get_origin(hint)
    if origin is list:
        (item,) = typing.get_args(hint)
        if not isinstance(value, list):
            fail(f"a list of {_type_name(item)}")
        if meta.get("length") is not None and len(value) != meta["length"]:
            fail(f"a list of {meta['length']} {_type_name(item)} values")
        checked = [_check_scalar(v, item, fail, meta) for v in value]
        return checked
    return _check_scalar(value, hint, fail, meta)


def _check_scalar(value: Any, hint: type, fail: Any, meta: typing.Mapping[str, Any]) -> Any:
    if hint is bool:
        if not isinstance(value, bool):
            fail("true or false")
    elif hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            fail("an integer" + _range_text(meta))
    elif hint is float:
        # TOML writes nan and inf; no key of a show means anything by them.
        if isinstance(value, bool) or not isinstance(value, (int, float)) \
                or not math.isfinite(value):
            fail("a finite number" + _range_text(meta))
        value = float(value)
    elif hint is str:
        if not isinstance(value, str):
            fail(_choice_text(meta) or "a string")
    rng = meta.get("range")
    if rng is not None and not rng[0] <= value <= rng[1]:
        fail(f"a value{_range_text(meta)}")
    choices = meta.get("choices")
    if choices is not None and value not in choices:
        fail(_choice_text(meta))
    return value


def _range_text(meta: typing.Mapping[str, Any]) -> str:
    rng = meta.get("range")
    return f" from {rng[0]} to {rng[1]}" if rng else ""


def _choice_text(meta: typing.Mapping[str, Any]) -> str:
    choices = meta.get("choices")
    return "one of " + ", ".join(repr(c) for c in choices) if choices else ""


def _type_name(t: type) -> str:
    return {int: "integers", float: "numbers", str: "strings", bool: "booleans"}.get(t, str(t))


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def describe(cls: type, prefix: str = "") -> list[tuple[str, Any, str]]:
    """Every key with its default and help text, for documentation and ``gance-live keys``."""
    rows = []
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        if f.name == "path":
            continue
        key = f"{prefix}.{f.name}" if prefix else f.name
        hint = hints[f.name]
        if typing.get_origin(hint) is list and dataclasses.is_dataclass(typing.get_args(hint)[0]):
            hint = typing.get_args(hint)[0]   # an array of tables ([[songs]]): its keys
        if dataclasses.is_dataclass(hint):
            rows.extend(describe(hint, key))
        else:
            default = f.default if f.default is not dataclasses.MISSING else f.default_factory()
            rows.append((key, default, f.metadata.get("help", "")))
    return rows
