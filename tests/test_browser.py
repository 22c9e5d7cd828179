"""The page of ``akhbar serve`` in a real browser: Playwright driving Debian's Chromium
through a journalist's task, on the 30k ANT index when ../shared is present.

Skips when Playwright or Chromium is missing (CI installs both).  Screenshots are
written to ``$AKHBAR_SCREENSHOTS`` when it is set, to look at.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

pytest.importorskip("fastapi")
playwright = pytest.importorskip("playwright.sync_api")

from akhbar import Engine, read_corpus  # noqa: E402
from akhbar.indexer import Article  # noqa: E402
from akhbar.search import server  # noqa: E402
from tests.conftest import SHARED  # noqa: E402
from tests.test_server import HOSTILE  # noqa: E402

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="no chromium (apt-get install chromium)")

ANT = SHARED / "corpora" / "ant_multisource_v2.1.jsonl.gz"
TASK_QUERY = "ترامب"


def _stand_in() -> list[Article]:
    """Without ../shared: enough articles for the same task (a person, months, pages).
    Each names its own person, most of the others Trump too (a person facet narrows the
    search for him), over two months."""
    people = ["دونالد ترامب", "فلاديمير بوتين", "أنجيلا ميركل"]
    return [
        Article(
            f"s{i:03d}",
            f"{people[i % 3]} يتحدث عن حلب ({i})",
            f"قال الرئيس {people[i % 3]} إن المحادثات بشأن الوضع في حلب ودمشق ستستمر."
            + (" واتصل الرئيس دونالد ترامب هاتفيا." if i % 4 != 3 else ""),
            dt.date(2018, 1 + i % 2, 1 + i % 28),
            "BBC Arabic" if i % 2 else "Sky News Arabia",
        )
        for i in range(120)
    ]


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    import uvicorn

    path = tmp_path_factory.mktemp("browser") / "ix"
    engine = Engine.at(path)
    articles = read_corpus([ANT]) if ANT.is_file() else iter(_stand_in())
    engine.add(itertools.chain(articles, [HOSTILE]), rebuild=True)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(server.create_app(engine), host="127.0.0.1", port=port, log_level="warning")
    web = uvicorn.Server(config)
    thread = threading.Thread(target=web.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not web.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert web.started, "the server did not start"
    yield f"http://127.0.0.1:{port}"
    web.should_exit = True
    thread.join(10)


@pytest.fixture
def page(base_url: str) -> Iterator:
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ar")
        pg = context.new_page()
        pg.requests, pg.problems = [], []
        pg.on("request", lambda r: pg.requests.append(r.url))
        pg.on("console", lambda m: m.type == "error" and pg.problems.append(m.text))
        pg.on("pageerror", lambda e: pg.problems.append(str(e)))
        pg.on("dialog", lambda d: (pg.problems.append(f"dialog: {d.message}"), d.dismiss()))
        yield pg
        browser.close()


def shot(page, name: str) -> None:
    folder = os.environ.get("AKHBAR_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def total_of(page) -> int:
    text = page.locator("p.count").inner_text()
    return int(re.match(r"[\d,]+", text.strip())[0].replace(",", ""))


def query_of(page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def test_a_journalists_task(page, base_url: str) -> None:
    page.goto(base_url + "/")
    assert page.locator("html").get_attribute("dir") == "rtl" and page.locator("html").get_attribute("lang") == "ar"
    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("/")  # the keyboard way to the search box
    assert page.evaluate("document.activeElement.name") == "q"
    page.keyboard.type(TASK_QUERY)
    page.keyboard.press("Enter")
    page.wait_for_url("**/search?**")
    everything = total_of(page)
    assert everything > 10 and page.locator("ol.hits li mark").count() > 0
    shot(page, "1-results")

    # narrow by a person facet: the query gains person:"…" and the hits are fewer
    facet = page.locator('[data-facet="person"] li a').nth(1)
    name = facet.inner_text()
    facet.click()
    page.wait_for_load_state()
    assert f'person:"{name}"' in query_of(page)["q"][0]
    narrowed = total_of(page)
    assert 0 < narrowed < everything
    shot(page, "2-person")

    # click the month with the most hits in the chart: only that month's articles remain
    bars = page.locator("svg a.bar")
    counts = [int(bars.nth(i).get_attribute("data-count")) for i in range(bars.count())]
    busiest = bars.nth(counts.index(max(counts)))
    month = busiest.get_attribute("data-month")
    busiest.locator("rect.hitbox").click()
    page.wait_for_load_state()
    assert query_of(page)["from"] == [month] and query_of(page)["to"] == [month]
    assert total_of(page) == max(counts)
    dates = page.locator("ol.hits time").all_inner_texts()
    assert dates and all(d.startswith(month) for d in dates)
    results_url = page.url
    shot(page, "3-month")

    # open an article: the query's words are marked, and its people, places, dates
    first = page.locator("ol.hits li h2 a").first
    title = first.inner_text()
    first.click()
    page.wait_for_load_state()
    assert "/articles/" in page.url and page.locator("h1").inner_text() == title
    assert page.locator(".body mark").count() > 0 and page.locator(".body .e.person").count() > 0
    assert page.locator("aside .facet h3").count() >= 2
    shot(page, "4-article")

    page.go_back()
    page.wait_for_load_state()
    assert page.url == results_url and total_of(page) == max(counts)

    # the next page: hits 11 to 20 of the same search
    if max(counts) > 10:
        page.locator('a[rel="next"]').click()
        page.wait_for_load_state()
        assert query_of(page)["page"] == ["2"] and page.locator("ol.hits").get_attribute("start") == "11"
        assert "الصفحة 2" in page.locator("p.count").inner_text()
        shot(page, "5-page-2")
    else:  # pragma: no cover - the stand-in corpus has busier months than this
        pytest.fail(f"the busiest month has {max(counts)} hits: too few for a second page")

    assert page.problems == []
    outside = [u for u in page.requests if not (u.startswith(base_url) or u.startswith("data:"))]
    assert outside == [], "requests left the machine"


def test_the_hostile_article_runs_nothing(page, base_url: str) -> None:
    page.goto(base_url + "/search?q=" + "هدنة حلب خبر")
    page.goto(base_url + "/articles/" + "evil%3C1%3E?q=حلب")
    assert "<script>" in page.locator("h1").inner_text()  # shown as text
    assert page.evaluate("window.pwned") is None
    page.hover("span.source") if page.locator("span.source").count() else None
    assert page.evaluate("window.pwned") is None
    assert page.locator('a[href^="javascript:"]').count() == 0
    shot(page, "6-hostile")
    assert [p for p in page.problems if "Content Security Policy" not in p] == [] and page.evaluate(
        "window.pwned"
    ) is None


def test_the_page_fits_a_phone(page, base_url: str) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(base_url + "/search?q=" + TASK_QUERY)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert page.locator("ol.hits li").count() > 0 and page.locator('input[type="search"]').is_visible()
    shot(page, "7-phone")


def test_a_bad_query_shows_its_problem(page, base_url: str) -> None:
    page.goto(base_url + "/search?q=" + "ترامب AND (")
    assert "parenthesis" in page.locator("p.error").inner_text()
    assert unquote(page.locator('input[type="search"]').input_value()) == "ترامب AND ("


def test_dates_typed_in_narrow_the_search(page, base_url: str) -> None:
    page.goto(base_url + "/search?q=" + TASK_QUERY)
    everything = total_of(page)
    page.fill('form.sort input[name="from"]', "2018-02")
    page.fill('form.sort input[name="to"]', "2018-02")
    page.locator("form.sort button").click()
    page.wait_for_load_state()
    assert query_of(page)["from"] == ["2018-02"] and query_of(page)["to"] == ["2018-02"]
    assert 0 < total_of(page) < everything
    assert all(d.startswith("2018-02") for d in page.locator("ol.hits time").all_inner_texts())
    assert page.problems == []
