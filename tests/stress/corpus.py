"""Synthetic Arabic news for the stress tests: seeded, so runs are comparable."""

from __future__ import annotations

import json
import random
from pathlib import Path

WORDS = (
    "الحكومة الوزير المدينة الأمطار الانتخابات البرلمان الاقتصاد النفط الأسعار المحكمة الشرطة الجيش "
    "المفاوضات الهدنة اللاجئين المستشفى الجامعة الطلاب المزارعين القمح الكهرباء المياه الطرق الميناء "
    "السفينة الطائرة المطار الرئيس الشعب المعارضة الصحفيين المؤتمر الاتفاق المساعدات الحدود"
).split()
VERBS = "أعلن قال أكد نفى زار افتتح ناقش رفض وقع طالب".split()


def article(rng: random.Random, id_: str, marker: str) -> dict:
    """One article; ``marker`` is a word only this batch of articles contains."""
    sentences = [
        f"{rng.choice(VERBS)} {rng.choice(WORDS)} {rng.choice(WORDS)} في {rng.choice(WORDS)} {marker}."
        for _ in range(rng.randint(5, 15))
    ]
    return {
        "id": id_,
        "title": f"{rng.choice(WORDS)} {rng.choice(WORDS)} {marker}",
        "body": "\n".join(sentences),
        "date": f"2020-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        "source": rng.choice(["BBC Arabic", "AlArabiya", "France24"]),
    }


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path
