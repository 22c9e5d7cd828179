"""The ``>>>`` examples in akhbar's docstrings, run against the installed package."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

PARTS = [importlib.import_module(f"akhbar.{part}") for part in ("analyzers", "indexer", "search")]
MODULES = sorted(
    m.name
    for part in PARTS  # each part on its own: an editable install maps them from their folders
    for m in pkgutil.walk_packages(part.__path__, part.__name__ + ".")
    if not m.name.endswith(("train_clusters", "train_entities"))  # need the [train] extra
)


@pytest.mark.parametrize("name", ["akhbar", *(p.__name__ for p in PARTS), *MODULES])
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"


def test_every_part_is_found() -> None:
    assert {"akhbar.search.engine", "akhbar.indexer.whoosh_internals.codec", "akhbar.analyzers.normalization"} <= set(
        MODULES
    )
