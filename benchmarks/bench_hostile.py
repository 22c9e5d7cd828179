"""Hostile queries against a real index: each must be answered or refused quickly.

Families of costly shapes at growing sizes — long words, repetition, nesting, long
OR chains, many phrases of common words, short prefixes, fuzzy words, entity scans,
misspellings for "did you mean", control characters, mixtures — run in both match
modes on one warm Engine with its default limits.  Prints the slowest, what each got
(hits, or the one-line refusal) and a summary; the target is every query within
0.5 s on the 30k ANT index.

    akhbar index ../shared/corpora/ant_multisource_v2.1.jsonl.gz --index /tmp/ant30k
    python -m benchmarks.bench_hostile --index /tmp/ant30k
    python -m benchmarks.bench_hostile --index /tmp/ant30k --json hostile.json --top 30
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path

from akhbar.search import Engine, QueryError, QueryTimeout
from benchmarks._shared import write_result

COMMON = (
    "قال الرئيس وزير الحكومة دولة العالم مصر سوريا روسيا أمريكا الأمن القوات الخارجية المتحدة الأمم العام "
    "يوم بعد أكثر جديد رئيس مجلس الشعب الحرب السلام اتفاق المفاوضات النفط الاقتصاد السوق المدينة الشرطة "
    "الجيش القتلى الهجوم الانتخابات البرلمان الحزب المعارضة الإعلام المحكمة القانون الشركة الأسعار الدولار"
).split()
PHRASES = [
    "الأمم المتحدة", "وزير الخارجية", "الرئيس الأمريكي", "مجلس الأمن", "الولايات المتحدة", "كوريا الشمالية",
    "الشرق الأوسط", "الحكومة السورية", "رئيس الوزراء", "وكالة الأنباء", "الاتحاد الأوروبي", "دونالد ترامب",
    "فلاديمير بوتين", "قوات النظام", "حقوق الإنسان", "قال الرئيس",
]  # fmt: skip
MISSPELT = ["هدنتة", "سورييا", "بوتيين", "الانتخبات", "المفاوضت", "الحكومه السوريه", "ترامبب", "موسكوو"]


def hostile(seed: int = 7) -> list[tuple[str, str]]:
    """(family, query) pairs."""
    rng = random.Random(seed)
    out: list[tuple[str, str]] = []
    for n in (10, 60, 300, 3000, 100_000):
        out += [("long word", "حلب" * (n // 3)), ("long latin word", "a" * n), ("digits", "9" * n)]
    for n in (10, 63, 64, 65, 300, 3000):
        out += [("repeated word", " ".join(["حلب"] * n)), ("repeated phrase", " ".join(['"الأمم المتحدة"'] * n))]
        out += [("distinct words", " ".join(rng.sample(COMMON * 3, min(n, 3 * len(COMMON)))))]
        out += [("OR chain", " OR ".join(rng.sample(COMMON * 3, min(n, 3 * len(COMMON)))))]
    for depth in (5, 31, 32, 33, 5000):
        out += [("nesting", "(" * depth + "حلب" + ")" * depth), ("NOT chain", "NOT " * depth + "حلب")]
        out += [("nested ORs", "(حلب OR " * depth + "حمص" + ")" * depth)]
    for k in (1, 2, 3, 4, 6, 8, 16, 32):
        chosen = [f'"{p}"' for p in (PHRASES * 2)[:k]]
        out += [("phrases AND", " ".join(chosen)), ("phrases OR", " OR ".join(chosen))]
        out += [("slop phrases OR", " OR ".join(f"{p}~5" for p in chosen))]
        out += [("prefixes", " OR ".join(w[:3] + "*" for w in COMMON[:k]))]
        out += [
            ("fuzzy ~2", " OR ".join(w + "~2" for w in COMMON[:k])),
            ("fuzzy ~1", " ".join(w + "~" for w in COMMON[:k])),
        ]
        out += [("person scans", " OR ".join(f"person:{w}" for w in COMMON[:k]))]
        out += [("entity scans", " OR ".join(f'entity:"{p}"' for p in PHRASES[:k]))]
        out += [("misspellings", " ".join((MISSPELT * 4)[:k]))]
        out += [("OR of ANDs", " OR ".join(f"({a} {b})" for a, b in zip(COMMON[:k], COMMON[k : 2 * k], strict=False)))]
        out += [("exact words", " OR ".join("=" + w for w in COMMON[:k]))]
    for letters in ("ا", "ال", "و", "ب", "a", "1"):
        out += [("short prefix", letters + "*"), ("short fuzzy", letters + "~2")]
    out += [
        ("mixture", '"وزير الخارجية" OR ترامب~2 OR الرئ* OR person:بوتين OR (مصر -سوريا) date:2018'),
        ("mixture", " ".join(f'("{p}" OR {w}~2 OR {w[:3]}*)' for p, w in zip(PHRASES[:8], COMMON, strict=False))),
        ("dates", " OR ".join(f"date:{y}" for y in range(1900, 1960))),
        ("dates", "date:0001..9999 mentioned:0001..9999"),
        ("garbage dates", 'date:99999-99-99 OR date:"من أكتوبر إلى" OR mentioned:x'),
        ("control characters", "\x00\x01\u200f\u202e حلب \ufeff\u0640\u0640\u0640" * 20),
        ("diacritics only", "\u064e\u064f\u0650\u0651" * 200),
        ("emoji", "😀🇸🇾 " * 200),
        ("quotes", '"' * 999),
        ("colons", "title:body:date:source:" * 30),
        ("operators", "OR AND NOT - + | & " * 40),
        ("unknown words", " ".join(f"كلمة{i}غريبة" for i in range(60))),
    ]
    return out


def run(engine: Engine, queries: list[tuple[str, str]]) -> list[dict]:
    rows = []
    for family, q in queries:
        for match in ("all", "any"):
            started = time.perf_counter()
            try:
                got = f"{engine.search(q, match=match).total} hits"
                outcome = "answered"
            except QueryTimeout as e:
                got, outcome = str(e), "stopped"
            except QueryError as e:
                got, outcome = str(e), "refused"
            rows.append(
                {
                    "family": family,
                    "match": match,
                    "chars": len(q),
                    "query": q[:80],
                    "seconds": time.perf_counter() - started,
                    "outcome": outcome,
                    "result": got[:140],
                }
            )
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", type=Path, required=True, help="an akhbar index (e.g. 30k ANT)")
    ap.add_argument("--top", type=int, default=15, help="how many of the slowest to print")
    ap.add_argument("--json", type=Path, help="write every row here")
    args = ap.parse_args()
    engine = Engine.open(args.index)
    engine.search("حلب")  # warm: the searcher and its caches, as on a running server
    queries = hostile()
    rows = run(engine, queries)
    rows.sort(key=lambda r: -r["seconds"])
    print(f"{len(rows)} queries ({len(queries)} shapes × 2 match modes) on {len(engine):,} articles")
    for r in rows[: args.top]:
        print(
            f"{r['seconds']:7.3f} s  {r['family']:<16} {r['match']:<4} {r['chars']:>6} chars  {r['outcome']:<8} {r['result']}"
        )
    counts = {k: sum(1 for r in rows if r["outcome"] == k) for k in ("answered", "refused", "stopped")}
    median = sorted(r["seconds"] for r in rows)[len(rows) // 2]
    print(f"answered {counts['answered']}, refused {counts['refused']}, stopped at the time limit {counts['stopped']}; "
          f"slowest {rows[0]['seconds']:.3f} s, median {median * 1000:.1f} ms")  # fmt: skip
    if args.json:
        write_result(args.json, rows)


if __name__ == "__main__":
    main()
