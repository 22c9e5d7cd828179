"""Retrieval quality: MRR@10 and Recall@10 of akhbar against plain Whoosh, in one run.

Sets (from ../shared/eval):
  xquad  — XQuAD-R Arabic: 240 paragraphs, 400 questions, human judgments;
  known  — 300 ANT v2.1 headlines as queries against the 30,337 articles with titles blanked.
Both use ranked "any word" matching; query-syntax punctuation is stripped from the queries.

    python -m benchmarks.eval_retrieval                   # both sets, akhbar + baseline
    python -m benchmarks.eval_retrieval --ablation        # every rule/stemmer option off in turn
    python -m benchmarks.eval_retrieval --sets xquad --json results.json
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from whoosh import fields, index, qparser, scoring
from whoosh.analysis import StandardAnalyzer

from akhbar.analyzers import AnalysisSettings
from akhbar.analyzers.normalization import DEFAULT_RULES
from akhbar.indexer import Article
from akhbar.search import Engine, QueryError
from benchmarks._shared import read_jsonl, read_qrels, read_tsv, require_shared, write_result

SYNTAX = re.compile(r"[\"()*~:+\-=|&^\[\]{}!?؟«»“”'،؛.,]")
OPERATORS = {"OR", "AND", "NOT", "أو"}


def clean(query: str) -> str:
    words = SYNTAX.sub(" ", query).split()
    return " ".join(w for w in words if w not in OPERATORS)


def load_set(name: str, shared: Path) -> tuple[list[Article], list[tuple[str, str]], dict[str, set[str]]]:
    if name == "xquad":
        base = shared / "eval" / "xquad_r_ar"
        docs = [Article(d["id"], d.get("title") or "", d["body"]) for d in read_jsonl(base / "docs.jsonl")]
        queries = [(r[0], r[1]) for r in read_tsv(base / "queries.tsv")]
        return docs, queries, read_qrels(base / "qrels.txt")
    base = shared / "eval" / "known_item"
    docs = [Article(d["id"], "", d["body"]) for d in read_jsonl(shared / "corpora" / "ant_multisource_v2.1.jsonl.gz")]
    queries = [(r[0], r[1]) for r in read_tsv(base / "queries.tsv")]
    return docs, queries, read_qrels(base / "qrels.txt")


def score(ranked: dict[str, list[str]], qrels: dict[str, set[str]]) -> tuple[float, float]:
    mrr = recall = 0.0
    for qid, relevant in qrels.items():
        top = ranked.get(qid, [])[:10]
        for rank, doc in enumerate(top, 1):
            if doc in relevant:
                mrr += 1 / rank
                break
        recall += len(relevant & set(top)) / len(relevant)
    n = len(qrels)
    return mrr / n, recall / n


def build_akhbar(docs, settings: AnalysisSettings, path: Path) -> float:
    shutil.rmtree(path, ignore_errors=True)
    started = time.perf_counter()
    Engine.at(path).add(docs) if settings == AnalysisSettings() else Engine.create(path, settings=settings).add(docs)
    return time.perf_counter() - started


def run_akhbar(path: Path, queries, **engine_options) -> dict:
    engine = Engine.open(path, **{"time_limit": None, **engine_options})
    ranked = {}
    for qid, text in queries:
        try:
            found = engine.search(clean(text), limit=10, match="any", snippet_width=0, suggest=False)
            ranked[qid] = [h.id for h in found]
        except QueryError:
            ranked[qid] = []
    engine.close()
    return ranked


def run_whoosh(docs, queries, workdir: Path) -> tuple[dict, float]:
    path = workdir / "whoosh"
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir()
    started = time.perf_counter()
    schema = fields.Schema(
        id=fields.ID(stored=True, unique=True),
        title=fields.TEXT(analyzer=StandardAnalyzer()),
        body=fields.TEXT(analyzer=StandardAnalyzer()),
    )
    ix = index.create_in(str(path), schema)
    writer = ix.writer(limitmb=256)
    for d in docs:
        writer.add_document(id=d.id, title=d.title, body=d.body)
    writer.commit()
    built = time.perf_counter() - started
    parser = qparser.MultifieldParser(["title", "body"], schema, group=qparser.OrGroup)
    ranked = {}
    with ix.searcher(weighting=scoring.BM25F()) as searcher:
        for qid, text in queries:
            ranked[qid] = [h["id"] for h in searcher.search(parser.parse(clean(text)), limit=10)]
    return ranked, built


LIGHT10 = {
    "waw_guard": False,
    "compound_prefixes": False,
    "pronoun_suffixes": False,
    "feminine_t": False,
    "protect": False,
    "min_stem": 2,
}
# (label, analysis settings changed, Engine options changed)
ABLATIONS: list[tuple[str, dict, dict]] = [
    ("akhbar (all on)", {}, {}),
    *[
        (f"normalize: -{rule}", {"rules": tuple(r for r in DEFAULT_RULES if r != rule)}, {})
        for rule in (
            "strip_diacritics",
            "strip_tatweel",
            "fold_alef",
            "fold_alef_maksura",
            "fold_teh_marbuta",
            "fold_hamza_carriers",
            "fold_digits",
        )
    ],
    ("stem: -waw guard", {"stemmer": {"waw_guard": False}}, {}),
    ("stem: -compound prefixes", {"stemmer": {"compound_prefixes": False}}, {}),
    ("stem: -pronoun suffixes", {"stemmer": {"pronoun_suffixes": False}}, {}),
    ("stem: -feminine t", {"stemmer": {"feminine_t": False}}, {}),
    ("stem: -protected names", {"stemmer": {"protect": False}}, {}),
    ("stem: min stem 2 (light10's)", {"stemmer": {"min_stem": 2}}, {}),
    ("stem: light10 only", {"stemmer": LIGHT10}, {}),
    ("stop words: off", {"stopwords": False}, {}),
    ("query: -proclitic expansion", {}, {"proclitics": False}),
    ("rank: -exact-form bonus", {}, {"exact_boost": 0.0}),
    ("rank: -lead bonus", {}, {"lead_boost": 0.0}),
    ("rank: -root bonus", {}, {"root_boost": 0.0}),
    ("rank: root bonus 1.0", {}, {"root_boost": 1.0}),
    ("rank: root bonus 3.0", {}, {"root_boost": 3.0}),
    ("rank: BM25 k1=0.9 b=0.4", {}, {"k1": 0.9, "b": 0.4}),
    ("rank: +proximity 0.25", {}, {"proximity": 0.25}),
]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sets", nargs="+", default=["xquad", "known"], choices=["xquad", "known"])
    ap.add_argument("--ablation", action="store_true", help="also run every option off in turn")
    ap.add_argument("--no-baseline", action="store_true")
    ap.add_argument(
        "--only", nargs="+", metavar="TEXT", help="with --ablation: only configurations whose label contains TEXT"
    )
    ap.add_argument("--title-boost", type=float, default=None)
    ap.add_argument("--json", type=Path, help="write the figures here")
    args = ap.parse_args(argv)
    shared = require_shared()
    configs = ABLATIONS if args.ablation else ABLATIONS[:1]
    if args.only:
        configs = [c for c in configs if c is ABLATIONS[0] or any(t in c[0] for t in args.only)]
    # configurations that share the index of the first run first, then one build each
    configs = sorted(configs, key=lambda c: bool(c[1]))
    base_options = {} if args.title_boost is None else {"title_boost": args.title_boost}
    table: dict[str, dict[str, tuple[float, float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for name in args.sets:
            docs, queries, qrels = load_set(name, shared)
            print(f"# {name}: {len(docs)} documents, {len(queries)} queries", file=sys.stderr)
            if not args.no_baseline:
                ranked, built = run_whoosh(docs, queries, work)
                table.setdefault("whoosh StandardAnalyzer", {})[name] = score(ranked, qrels)
                print(
                    f"  whoosh baseline: MRR@10 {table['whoosh StandardAnalyzer'][name][0]:.3f} (built in {built:.0f} s)",
                    file=sys.stderr,
                )
            built: dict[str, Path] = {}
            for label, change, options in configs:
                settings = replace(
                    AnalysisSettings(),
                    **{k: v for k, v in change.items() if k != "stemmer"},
                    stemmer=change.get("stemmer", {}),
                )
                key = json.dumps(settings.to_json(), sort_keys=True)
                if key not in built:
                    for old in built.values():  # one index at a time on disk
                        shutil.rmtree(old, ignore_errors=True)
                    built.clear()
                    path = work / f"akhbar-{len(table)}"
                    seconds = build_akhbar(docs, settings, path)
                    built[key] = path
                    print(f"  built {label} in {seconds:.0f} s", file=sys.stderr)
                ranked = run_akhbar(built[key], queries, **(base_options | options))
                table.setdefault(label, {})[name] = score(ranked, qrels)
                print(f"  {label}: MRR@10 {table[label][name][0]:.3f}", file=sys.stderr)
    header = "| configuration | " + " | ".join(f"{s} MRR@10 | {s} R@10" for s in args.sets) + " |"
    print(header)
    print("|" + "---|" * (1 + 2 * len(args.sets)))
    for label, figures in table.items():
        cells = " | ".join(f"{figures[s][0]:.3f} | {figures[s][1]:.3f}" for s in args.sets if s in figures)
        print(f"| {label} | {cells} |")
    if args.json:
        write_result(args.json, table)


if __name__ == "__main__":
    main()
