"""Locating and loading ``../shared`` data for the benchmark scripts."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import platform
import subprocess
import sys
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


def require_shared() -> Path:
    if not (SHARED / "corpora").is_dir():
        sys.exit(f"benchmarks need the shared data at {SHARED}")
    return SHARED


def read_jsonl(path: Path, limit: int | None = None) -> Iterator[dict]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:
        for i, line in enumerate(f):
            if limit is not None and i >= limit:
                return
            yield json.loads(line)


def read_tsv(path: Path) -> list[list[str]]:
    """Rows of a tab-separated file; a first row starting with ``qid`` is a header
    (the known-item and TREC files have one, XQuAD-R's queries do not)."""
    rows = [r.split("\t") for r in path.read_text("utf-8").splitlines() if r.strip()]
    return rows[1:] if rows and rows[0][0] == "qid" else rows


def read_qrels(path: Path) -> dict[str, set[str]]:
    qrels: dict[str, set[str]] = {}
    for line in path.read_text("utf-8").splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[3] != "0":
            qrels.setdefault(parts[0], set()).add(parts[2])
    return qrels


def run_label() -> dict:
    """What a result was measured on: the commit (and whether the tree had changes),
    the machine, the date, the command and the versions that matter to speed."""

    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return ""

    versions = {}
    for name in ("whoosh-reloaded", "numpy", "python-crfsuite", "zstandard"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return {
        "commit": git("rev-parse", "--short", "HEAD"),
        "uncommitted_changes": bool(git("status", "--porcelain", "--untracked-files=no")),
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "versions": versions,
        "command": " ".join([_program(), *sys.argv[1:]]),
    }


def _program() -> str:
    """How this script was started: ``python -m benchmarks.x`` for a module of this tree."""
    path = Path(sys.argv[0]).resolve()
    if path.suffix == ".py" and path.is_relative_to(ROOT):
        return "python -m " + ".".join(path.relative_to(ROOT).with_suffix("").parts)
    return sys.argv[0]


def write_result(path: Path, result: dict | list) -> None:
    """Write a benchmark's result as JSON, labelled with :func:`run_label`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    labelled = {"run": run_label(), **(result if isinstance(result, dict) else {"rows": result})}
    path.write_text(json.dumps(labelled, indent=1, ensure_ascii=False), "utf-8")
