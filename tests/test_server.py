"""``akhbar serve``: the JSON API and the page, through an HTTP test client (the browser
walks the page in tests/test_browser.py)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import threading
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")

from fastapi.testclient import TestClient  # noqa: E402

from akhbar import Engine, read_corpus  # noqa: E402
from akhbar.indexer import Article  # noqa: E402
from akhbar.search import server  # noqa: E402
from akhbar.search.locations import sample_corpus  # noqa: E402
from tests.conftest import MINI  # noqa: E402

HOSTILE = Article(
    "evil<1>",
    "<script>window.pwned=1</script> خبر عن حلب",
    'هدنة في حلب <img src=x onerror="window.pwned=2"> و<a href="javascript:alert(1)">رابط</a> {{ 7*7 }} {% raw %}',
    dt.date(2019, 1, 2),
    '<b onmouseover="window.pwned=3">BBC</b>',
    url="javascript:alert(document.cookie)",
)
ALEPPO = [
    Article(
        f"a{i:02d}",
        f"تقرير رقم {i} عن حلب",
        f"قال دونالد ترامب إن الوضع في حلب يتحسن، وأكد فلاديمير بوتين ذلك في موسكو. التقرير {i}.",
        dt.date(2018, 1 + i % 6, 1 + i),
        "Sky News Arabia" if i % 2 else "BBC Arabic",
        url=f"https://example.org/{i}",
    )
    for i in range(25)
]


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    path = tmp_path_factory.mktemp("served") / "ix"
    engine = Engine.create(path)
    engine.add([*read_corpus([sample_corpus()]), *MINI, *ALEPPO, HOSTILE])
    return engine


@pytest.fixture(scope="module")
def client(engine: Engine) -> TestClient:
    return TestClient(server.create_app(engine), raise_server_exceptions=False)


def api(client: TestClient, path: str, status: int = 200, **params) -> dict:
    response = client.get(path, params=params)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    return response.json()


# --- the API -------------------------------------------------------------------------


def test_search_answers_with_the_fields_of_json_hits(client: TestClient, engine: Engine) -> None:
    found = api(client, "/api/search", q="حلب", limit=5, page=2, facets="true")
    expected = engine.search("حلب", limit=5, page=2, facets=True)
    assert found["total"] == expected.total > 10 and found["page"] == 2 and found["pages"] == expected.pages
    assert [h["id"] for h in found["hits"]] == [h.id for h in expected.hits]
    assert found["hits"][0] == json.loads(json.dumps(expected.hits[0].to_json()))
    people = {e.name: e.articles for e in engine.entities("حلب", type="person", top=10)}
    assert found["facets"]["person"] == people and people["دونالد ترامب"] >= 25
    assert set(found["facets"]) == {"source", "month", "person", "place", "organization"}
    assert found["suggestion"] is None and found["dropped"] == []


def test_search_options_narrow_as_the_cli_does(client: TestClient) -> None:
    newest = api(client, "/api/search", q="حلب", sort="newest", limit=3)["hits"]
    assert [h["date"] for h in newest] == sorted((h["date"] for h in newest), reverse=True)
    window = api(client, "/api/search", q="حلب", **{"from": "2018-03", "to": "2018-03"})
    assert window["total"] > 0 and all(h["date"].startswith("2018-03") for h in window["hits"])
    assert (
        api(client, "/api/search", q="حلب موسكو", any="true")["total"] >= api(client, "/api/search", q="حلب")["total"]
    )


@pytest.mark.parametrize(
    "params, status, said",
    [
        ({"q": "حلب AND ("}, 400, "parenthesis"),
        ({"q": "date:2018-99"}, 400, "no month 99"),
        ({"q": "حلب", "from": "2019", "to": "2018"}, 400, "from (2019-01-01) is after to"),
        ({"q": "حلب", "page": "x"}, 400, "page"),
        ({"q": "حلب", "limit": "0"}, 400, "limit"),
        ({"q": "حلب", "sort": "random"}, 400, "sort"),
        ({"q": "x" * 2000}, 400, "shorten"),
        ({}, 400, "q"),
    ],
)
def test_a_request_that_cannot_be_answered_says_why_in_one_line(
    client: TestClient, params: dict, status: int, said: str
) -> None:
    error = api(client, "/api/search", status, **params)["error"]
    assert said in error and "\n" not in error and "Traceback" not in error


def test_a_query_error_points_at_its_position(client: TestClient) -> None:
    assert api(client, "/api/search", 400, q="حلب AND (")["position"] == 8


def test_articles_whole_with_entities_dates_and_the_query_marked(client: TestClient) -> None:
    doc = api(client, "/api/articles/a03", q="حلب")
    assert doc["title"] == "تقرير رقم 3 عن حلب" and doc["body"].startswith("قال دونالد ترامب")
    assert [doc["body"][s:e] for s, e in doc["matches"]] == ["حلب"]
    assert [doc["title"][s:e] for s, e in doc["title_spans"]] == ["حلب"]
    people = {e["text"] for e in doc["entities"] if e["type"] == "person"}
    assert {"دونالد ترامب", "فلاديمير بوتين"} <= people
    for e in doc["entities"]:
        assert (doc["title"] if e["in"] == "title" else doc["body"])[e["start"] : e["end"]] == e["text"]
    assert api(client, "/api/articles/a03")["matches"] == []
    assert "a03" in api(client, "/api/articles/a03").get("id")


@pytest.mark.parametrize(
    "path, status",
    [
        ("/api/articles/nope", 404),
        ("/api/articles/..%2F..%2Fetc%2Fpasswd", 404),
        ("/api/articles/a%00b", 400),
        ("/api/articles/" + "x" * 400, 400),
        ("/api/similar/nope", 404),
        ("/api/nothing-here", 404),
    ],
)
def test_unknown_articles_and_odd_ids_are_refused_plainly(client: TestClient, path: str, status: int) -> None:
    response = client.get(path)
    assert response.status_code == status
    assert set(response.json()) == {"error"} and "root:" not in response.text


def test_the_article_with_a_path_like_id_is_found(client: TestClient) -> None:
    assert api(client, "/api/articles/evil<1>")["id"] == "evil<1>"


def test_similar_timeline_entities_analyze(client: TestClient) -> None:
    similar = api(client, "/api/similar/a03", limit=5)
    assert similar["id"] == "a03" and similar["hits"] and all(h["id"] != "a03" for h in similar["hits"])
    timeline = api(client, "/api/timeline", q="حلب")
    assert (
        timeline["by"] == "month"
        and sum(p["count"] for p in timeline["periods"]) == api(client, "/api/search", q="حلب")["total"]
    )
    people = api(client, "/api/entities", q="حلب", type="person")["entities"]
    assert people[0]["name"] == "دونالد ترامب" and people[0]["articles"] >= 25
    assert api(client, "/api/entities", 400, type="animal")["error"].startswith("type")
    tokens = api(client, "/api/analyze", text="والهدنة")["tokens"]
    assert tokens[0]["original"] == "والهدنة" and tokens[0]["stem"]
    assert "text" in api(client, "/api/analyze", 400, text="x" * 11_000)["error"]


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_export_streams_every_hit(client: TestClient, engine: Engine, fmt: str) -> None:
    response = client.get("/api/export", params={"q": "حلب", "format": fmt})
    assert response.status_code == 200 and "attachment" in response.headers["content-disposition"]
    total = engine.search("حلب").total
    assert response.headers["x-total-count"] == str(total)
    if fmt == "jsonl":
        ids = [json.loads(line)["id"] for line in response.text.splitlines()]
    else:
        rows = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))
        assert rows[0] == ["id", "date", "source", "title", "url", "score", "snippet"]
        ids = [row[0] for row in rows[1:]]
    with engine.iter_hits("حلب") as hits:
        assert ids == [hit.id for hit in hits] and len(ids) == total


def test_export_of_a_bad_query_is_refused_before_streaming(client: TestClient) -> None:
    assert "parenthesis" in api(client, "/api/export", 400, q="حلب AND (")["error"]


def test_the_api_is_described_by_its_openapi_schema(client: TestClient) -> None:
    schema = api(client, "/openapi.json")
    assert {
        "/api/search",
        "/api/articles/{id}",
        "/api/similar/{id}",
        "/api/timeline",
        "/api/entities",
        "/api/analyze",
        "/api/export",
    } <= set(schema["paths"])
    params = {p["name"] for p in schema["paths"]["/api/search"]["get"]["parameters"]}
    assert {"q", "page", "limit", "sort", "any", "from", "to", "since", "facets"} <= params


def test_a_failure_is_one_line_never_a_traceback(client: TestClient, engine: Engine, monkeypatch) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("secret internals at /home/someone")

    monkeypatch.setattr(engine, "search", broken)
    for path in ("/api/search?q=x", "/search?q=x"):
        response = client.get(path)
        assert response.status_code == 500
        assert "secret" not in response.text and "Traceback" not in response.text


def test_requests_from_many_threads_get_their_own_answers(client: TestClient, engine: Engine) -> None:
    queries = ["حلب", "ترامب", "موسكو", "هدنة", "الأمطار", "person:بوتين"]
    expected = {q: engine.search(q).total for q in queries}
    wrong: list = []

    def ask(q: str) -> None:
        for _ in range(5):
            got = client.get("/api/search", params={"q": q}).json()["total"]
            if got != expected[q]:
                wrong.append((q, got))

    threads = [threading.Thread(target=ask, args=(q,)) for q in queries * 2]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert wrong == []


def test_no_endpoint_changes_the_index(client: TestClient, engine: Engine) -> None:
    before = len(engine)
    for method in ("post", "put", "delete", "patch"):
        assert getattr(client, method)("/api/search?q=x").status_code == 405
    assert len(engine) == before


# --- safety ----------------------------------------------------------------------------


def test_hostile_article_text_is_shown_as_text(client: TestClient) -> None:
    for path in ("/search?q=هدنة+حلب+خبر", "/articles/evil%3C1%3E", "/articles/evil%3C1%3E?q=حلب"):
        html = client.get(path).text
        assert "window.pwned" in html  # the text is there…
        assert "<script>window" not in html and "<img src=x" not in html and "<b onmouseover" not in html
        assert "&lt;script&gt;" in html or "&lt;img" in html  # …as text
        assert 'href="javascript:' not in html
        if path.startswith("/articles/"):
            assert "{{ 7*7 }}" in html and "{% raw %}" in html  # never run as a template


def test_every_page_forbids_inline_and_outside_scripts(client: TestClient) -> None:
    for path in ("/", "/search?q=حلب", "/articles/a01", "/api/search?q=حلب", "/nope"):
        policy = client.get(path).headers["content-security-policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "default-src 'none'" in policy
    html = client.get("/search?q=حلب").text
    assert not re.search(r"<script(?![^>]*\bsrc=\"/static/)", html)
    assert not re.search(r"<[^>]*\son\w+=", html)  # no inline event handlers
    assert not re.search(r"(src|href)=\"(https?:)?//", html)  # nothing from elsewhere


def test_a_token_guards_every_request(engine: Engine) -> None:
    token = "s3cret-token-of-enough-length"
    guarded = TestClient(server.create_app(engine, token=token), follow_redirects=False)
    assert guarded.get("/api/search", params={"q": "حلب"}).status_code == 401
    assert guarded.get("/openapi.json").status_code == 401
    assert guarded.get("/search?q=حلب").status_code == 401
    assert guarded.get("/static/style.css").status_code == 401
    wrong = {"Authorization": "Bearer " + token[:-1] + "x"}
    assert guarded.get("/api/search", params={"q": "حلب"}, headers=wrong).status_code == 401
    ok = {"Authorization": f"Bearer {token}"}
    assert guarded.get("/api/search", params={"q": "حلب"}, headers=ok).json()["total"] > 0
    # a shared link: the token goes into a cookie and out of the address
    opened = guarded.get("/search", params={"q": "حلب", "token": token})
    assert opened.status_code == 303 and "token" not in opened.headers["location"]
    assert guarded.get(opened.headers["location"]).status_code == 200  # the cookie is kept


@pytest.mark.parametrize(
    "host, loopback", [("127.0.0.1", True), ("localhost", True), ("::1", True), ("0.0.0.0", False), ("10.0.0.5", False)]
)
def test_other_addresses_than_loopback_are_announced(host: str, loopback: bool) -> None:
    assert server.is_loopback(host) is loopback


# --- the page --------------------------------------------------------------------------


def test_the_page_is_arabic_right_to_left_with_a_search_box(client: TestClient) -> None:
    html = client.get("/").text
    assert '<html lang="ar" dir="rtl">' in html and 'name="q"' in html and "طريقة البحث" in html


def test_results_page_links_narrow_the_search(client: TestClient) -> None:
    html = client.get("/search", params={"q": "حلب"}).text
    assert "<mark>حلب</mark>" in html
    assert "person%3A%22%D8%AF%D9%88%D9%86%D8%A7%D9%84%D8%AF" in html  # person:"دونالد …" facet link
    assert re.search(r'href="/search\?q=[^"]*&amp;from=2018-0\d&amp;to=2018-0\d"', html)  # a month's bar
    assert 'rel="next"' in html and "/articles/a" in html


def test_a_bad_query_on_the_page_says_so(client: TestClient) -> None:
    response = client.get("/search", params={"q": "حلب AND ("})
    assert response.status_code == 400 and "parenthesis" in response.text and 'value="حلب AND ("' in response.text


def test_unknown_article_page_is_a_404_page(client: TestClient) -> None:
    response = client.get("/articles/nope")
    assert response.status_code == 404 and 'dir="rtl"' in response.text


def test_serve_without_the_extra_says_what_to_install(monkeypatch, tmp_path: Path) -> None:
    import builtins

    from typer.testing import CliRunner

    from akhbar.search.cli import app

    real_import = builtins.__import__

    def no_server(name, *args, **kwargs):
        if name == "akhbar.search.server":
            raise ImportError("No module named 'fastapi'", name="fastapi")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_server)
    result = CliRunner().invoke(app, ["serve", "--index", str(tmp_path)])
    assert result.exit_code == 2 and "pip install 'akhbar[serve]'" in result.output


def test_a_port_in_use_is_one_line(tmp_index: Path) -> None:
    import socket

    from typer.testing import CliRunner

    from akhbar.search.cli import app

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(app, ["serve", "--index", str(tmp_index), "--port", str(port)])
    assert result.exit_code == 2 and f"cannot listen on 127.0.0.1:{port}" in result.output


def test_empty_optional_parameters_are_not_given(client: TestClient) -> None:
    """A form sends its empty fields: from= to= since= mean no date window."""
    plain = api(client, "/api/search", q="حلب")["total"]
    assert api(client, "/api/search", q="حلب", **{"from": "", "to": "", "since": ""})["total"] == plain
    assert api(client, "/api/timeline", q="حلب", **{"from": "", "to": ""})["periods"]


def test_the_schema_documents_the_errors_it_gives(client: TestClient) -> None:
    schema = api(client, "/openapi.json")
    search = schema["paths"]["/api/search"]["get"]["responses"]
    assert {"200", "400", "401", "404"} <= set(search) and "422" not in search
    assert {"text/csv", "application/x-ndjson"} <= set(
        schema["paths"]["/api/export"]["get"]["responses"]["200"]["content"]
    )
    response = client.post("/api/search?q=x")
    assert response.status_code == 405 and "GET" in response.headers["allow"]


def test_the_results_page_narrows_by_dates_typed_in(client: TestClient) -> None:
    html = client.get("/search", params={"q": "حلب", "from": "2018-03", "to": ""}).text
    assert 'name="from" value="2018-03"' in html and 'name="to" value=""' in html
    assert "من 2018-03 إلى النهاية" in html
    bad = client.get("/search", params={"q": "حلب", "from": "2018-13"})
    assert bad.status_code == 400 and "no month 13" in bad.text


def test_partial_results_are_marked_in_the_api_and_on_the_page(
    client: TestClient, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Hits of only some shards (allow_partial, a shard with no live copy) say so."""
    whole = api(client, "/api/search", q="حلب")
    assert whole["partial"] is False and whole["missing_shards"] == []
    search = engine.search

    def without_shard_2(*args, **kwargs):
        results = search(*args, **kwargs)
        results.missing_shards = [2]
        return results

    monkeypatch.setattr(engine, "search", without_shard_2)
    found = api(client, "/api/search", q="حلب")
    assert found["partial"] is True and found["missing_shards"] == [2]
    page = client.get("/", params={"q": "حلب"}).text
    assert 'class="partial"' in page and "نتائج ناقصة" in page and "2" in page.split('class="partial"')[1][:200]


def test_a_name_whose_spellings_were_cut_short_is_marked_in_the_api_and_on_the_page(
    client: TestClient, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A name query that ran out of time looking for spellings may miss articles: it says so."""
    whole = api(client, "/api/search", q="person:بوتين")
    assert [n["stopped"] for n in whole["names"]] == [False]
    search = engine.search

    def out_of_time(*args, **kwargs):
        results = search(*args, **kwargs)
        for name in results.names:
            name.stopped = True
        return results

    monkeypatch.setattr(engine, "search", out_of_time)
    found = api(client, "/api/search", q="person:بوتين")
    assert [n["stopped"] for n in found["names"]] == [True]
    page = client.get("/", params={"q": "person:بوتين"}).text
    assert "person:بوتين" in page.split("توقف البحث")[0].rsplit('class="partial"', 1)[1]
    assert "توقف البحث" not in client.get("/", params={"q": "حلب"}).text
