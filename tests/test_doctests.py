"""Every example written in a docstring of live/ runs and shows what it says (doctest):
an example that cannot run is written as plain usage, without ``>>>``."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import live


def test_docstring_examples_run() -> None:
    tried = 0
    failures = []
    for module_info in pkgutil.walk_packages(live.__path__, "live."):
        if module_info.name == "live.__main__":
            continue
        module = importlib.import_module(module_info.name)
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        tried += result.attempted
        if result.failed:
            failures.append(module_info.name)
    assert not failures, f"docstring examples fail in {failures} (run python -m doctest -v)"
    assert tried > 0, "no docstring example found: did the walk miss live/?"
