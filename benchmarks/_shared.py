"""Locating and loading ``../shared`` data for the benchmark scripts."""

from __future__ import annotations

import gzip
import json
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
RESULTS = ROOT / "benchmarks" / "results"


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
