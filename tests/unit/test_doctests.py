"""The `>>>` examples in the engine's modules' docstrings run as part of the suite."""

import doctest
import importlib
import pkgutil

import pytest

import engine


def _modules_with_examples():
    finder = doctest.DocTestFinder()
    for info in pkgutil.walk_packages(engine.__path__, "engine."):
        if info.name == "engine.__main__":  # runs the CLI on import
            continue
        module = importlib.import_module(info.name)
        if any(test.examples for test in finder.find(module)):
            yield info.name


def test_some_modules_have_examples():
    assert "engine.words" in set(_modules_with_examples())


@pytest.mark.parametrize("name", sorted(_modules_with_examples()))
def test_module_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
