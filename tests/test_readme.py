"""The README's Python example runs as written (in a folder with an ``archive/`` of articles)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import ROOT


def test_the_python_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    example = re.search(r"## From Python\n+```python\n(.*?)```", readme, re.S)
    assert example, "the README has a '## From Python' section with a python block"
    shutil.copytree(ROOT / "corpus", tmp_path / "archive")  # the sample articles stand in for an archive
    monkeypatch.chdir(tmp_path)
    exec(compile(example[1], "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert "added 5" in out
    assert "000_72398f9b931f1d63" in out  # the Aleppo truce article is found
