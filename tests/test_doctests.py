"""The examples in the public functions' docstrings run and give what they show."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["govgraph.core.formats", "govgraph.core.iris", "govgraph.analysis.metrics", "govgraph.analysis.timeline",
           "govgraph.store.embedded", "govgraph.store.results"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0, f"{name} has no example"
    assert result.failed == 0
