"""Shared fixtures: a tiny hand-written news corpus, engines over it, and the
location of ``../shared`` (tests needing it skip when it is absent)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from akhbar.indexer import Article
from akhbar.search import Engine

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"

needs_shared = pytest.mark.skipif(not (SHARED / "corpora").is_dir(), reason="../shared is not present")

MINI = [
    Article(
        "m01",
        "هدنة إنسانية في حلب",
        "أعلنت روسيا الهدنةَ الإنسانية في حلب لمدة ثلاثة أيام.",
        dt.date(2016, 10, 18),
        "BBC Arabic",
    ),
    Article(
        "m02",
        "قصف على ريف حمص",
        "تعرضت قرى ريف حمص الشمالي لقصف عنيف، والهدنة لم تصمد بحلب.",
        dt.date(2016, 10, 20),
        "AlArabiya",
    ),
    Article(
        "m03",
        "وزارة الخارجية تعلق",
        "قالت وزارة الخارجية إن المحادثات في جنيف مستمرة.",
        dt.date(2017, 3, 1),
        "BBC Arabic",
    ),
    Article(
        "m04", "الرئيس زار المدينة", "زار الرئيس المدينة القديمة وتفقد الأسواق.", dt.date(2017, 3, 5), "CNN Arabic"
    ),
    Article(
        "m05",
        "شاهد عيان يروي",
        "قال الشاهد إن الشهود رأوا كل شيء، وأدلى بشهادته أمام المحكمة.",
        dt.date(2018, 5, 2),
        "France24",
    ),
    Article(
        "m06",
        "أخبار الاقتصاد",
        "ارتفعت أسعار النفط، وأخبارها تتصدر الصحف. الأخبار الاقتصادية مهمة.",
        dt.date(2018, 5, 10),
        "Sky News Arabia",
    ),
    Article(
        "m07",
        "مؤتمر صحفي",
        "عقد المتحدث باسم الوزارة مؤتمرا صحفيا في ٢٠١٨ للحديث عن الميزانية.",
        dt.date(2018, 6, 1),
        "AlArabiya",
    ),
    Article("m08", "الأمطار في القاهرة", "هطلت الأمطار الغزيرة على القاهرة اليوم.", None, None),
]


@pytest.fixture(scope="session")
def mini_engine() -> Engine:
    engine = Engine.in_memory()
    engine.add(MINI)
    return engine


@pytest.fixture
def tmp_index(tmp_path: Path) -> Path:
    path = tmp_path / "ix"
    Engine.create(path).add(MINI)
    return path


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="rewrite golden files from current output")
    parser.addoption(
        "--stress", action="store_true", help="tests/stress at full size (CI runs a reduced but real version)"
    )


@pytest.fixture
def stress(request: pytest.FixtureRequest) -> bool:
    """True when the stress tests should run at full size (``pytest --stress tests/stress``)."""
    return bool(request.config.getoption("--stress"))
