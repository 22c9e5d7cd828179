"""Where akhbar keeps things by default: the index named by ``$AKHBAR_INDEX``, else the
sample index in the user's cache, built from the sample corpus shipped with akhbar."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["default_index_path", "sample_corpus"]


def default_index_path() -> Path:
    """``$AKHBAR_INDEX``, else the user's cache directory (``$XDG_CACHE_HOME/akhbar/sample``)."""
    if env := os.environ.get("AKHBAR_INDEX"):
        return Path(env).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "akhbar" / "sample"


def sample_corpus() -> Path:
    """The sample corpus shipped with akhbar (the five founding articles)."""
    from importlib import resources

    return Path(str(resources.files("akhbar.sample")))
