"""The web page of ``akhbar serve``: HTML views rendered on the server, each a link one
can share (``/search?q=…``, ``/articles/{id}``).

Jinja2 templates (``templates/``) with autoescaping: every piece of article text and
metadata reaches the page escaped, and the marks around matched words, entities and
dates are built here from offsets, never from the text's own markup.  The page runs
one script of its own (``static/app.js``: keyboard and the sort menu) and works
without it; the Content-Security-Policy (:mod:`akhbar.search.server`) forbids inline
scripts and anything fetched from elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from akhbar.analyzers.gazetteer import display_name
from akhbar.indexer.errors import AkhbarError, ArticleNotFound
from akhbar.search.engine import SORTS, Doc, Engine, fill_periods
from akhbar.search.facets import NONE
from akhbar.search.http_problems import check_id, problem_of
from akhbar.search.query import SYNTAX

__all__ = ["add_routes", "error_page", "unauthorized"]

PAGE_SIZE = 10
FACET_FIELDS = {"source": "source", "person": "person", "place": "place", "organization": "org"}
FACET_TITLES = {"source": "المصدر", "person": "أشخاص", "place": "أماكن", "organization": "منظمات"}
ENTITY_TITLES = {"person": "أشخاص", "place": "أماكن", "organization": "منظمات"}
SORT_TITLES = {"relevance": "الأقرب صلة", "newest": "الأحدث", "oldest": "الأقدم"}
LINK_SCHEMES = ("http", "https")

_templates = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def marked(text: str, spans: Iterable[tuple[int, int]]) -> Markup:
    """``text`` escaped, with each span in ``<mark>``.

    >>> str(marked("<b>حلب</b>", [(3, 6)]))
    '&lt;b&gt;<mark>حلب</mark>&lt;/b&gt;'
    """
    out, last = [], 0
    for start, end in sorted(spans):
        if start < last:
            continue
        out += [escape(text[last:start]), Markup("<mark>"), escape(text[start:end]), Markup("</mark>")]
        last = end
    out.append(escape(text[last:]))
    return Markup("").join(out)


def annotated(text: str, matches: Iterable[tuple[int, int]], entities: list[dict], dates: list[dict]) -> Markup:
    """An article's text escaped, with the query's words in ``<mark>`` and each entity
    and date mention in a ``<span>`` of its kind (marks that overlap are cut at each
    other's edges, so the tags always nest).

    >>> str(annotated("زار ترامب حلب", [(4, 9)], [{"type": "person", "start": 4, "end": 13}], []))
    'زار <span class="e person" title="person"><mark>ترامب</mark></span><span class="e person" title="person"> حلب</span>'
    """
    edges = {0, len(text)}
    kinds: list[tuple[int, int, str]] = []
    for start, end in matches:
        kinds.append((start, end, "match"))
    for e in entities:
        kinds.append((e["start"], e["end"], e["type"]))
    for d in dates:
        kinds.append((d["start"], d["end"], "date"))
    for start, end, _ in kinds:
        edges.update((max(0, min(start, len(text))), max(0, min(end, len(text)))))
    points = sorted(edges)
    out = []
    for a, b in zip(points, points[1:], strict=False):
        piece = escape(text[a:b])
        inside = {kind for start, end, kind in kinds if start <= a and b <= end}
        if "match" in inside:  # innermost, so that its colour shows over the entity's
            piece = Markup("<mark>{}</mark>").format(piece)
        for kind in sorted(inside - {"match"}):
            piece = Markup('<span class="e {0}" title="{0}">{1}</span>').format(kind, piece)
        out.append(piece)
    return Markup("").join(out)


def safe_url(url: str | None) -> str | None:
    """The article's url if it may be a link (http or https); None for anything else,
    ``javascript:`` and ``data:`` among them."""
    if not url:
        return None
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return None
    return url.strip() if scheme in LINK_SCHEMES else None


def article_link(id: str, q: str = "") -> str:
    return f"/articles/{quote(id, safe='')}" + (f"?{urlencode({'q': q})}" if q else "")


@dataclass(frozen=True)
class SearchForm:
    """The search view's parameters, as its address gives them."""

    q: str = ""
    page: int = 1
    sort: str = "relevance"
    any: bool = False
    date_from: str = ""
    date_to: str = ""

    @classmethod
    def of(cls, request: Request) -> SearchForm:
        p = request.query_params
        try:
            page = max(1, min(int(p.get("page", "1")), 10_000))
        except ValueError:
            page = 1
        sort = p.get("sort", "relevance")
        return cls(
            q=p.get("q", "").strip(),
            page=page,
            sort=sort if sort in SORTS else "relevance",
            any=p.get("any") in ("1", "true", "on"),
            date_from=p.get("from", "").strip(),
            date_to=p.get("to", "").strip(),
        )

    def link(self, **changes) -> str:
        """The address of this search with ``changes`` (page 1 unless a page is given)."""
        values = {
            "q": self.q,
            "sort": self.sort,
            "any": self.any,
            "from": self.date_from,
            "to": self.date_to,
            "page": 1,
        }
        values.update({("from" if k == "date_from" else "to" if k == "date_to" else k): v for k, v in changes.items()})
        kept = {
            k: ("1" if v is True else v)
            for k, v in values.items()
            if v not in ("", None, False) and not (k == "page" and v == 1) and not (k == "sort" and v == "relevance")
        }
        return "/search?" + urlencode(kept)

    def export_link(self, fmt: str) -> str:
        """Every hit of this search, from the API, as ``fmt`` (csv or jsonl)."""
        values = {"q": self.q, "format": fmt, "sort": self.sort, "from": self.date_from, "to": self.date_to}
        if self.any:
            values["any"] = "true"
        return "/api/export?" + urlencode({k: v for k, v in values.items() if v})

    def narrowed(self, field: str, value: str) -> str:
        """This search with ``field:"value"`` added (a facet's link)."""
        clause = f'{field}:"{value.replace(chr(34), "")}"'
        return self.link(q=self.q if clause in self.q else f"{self.q} {clause}".strip())


@dataclass(frozen=True)
class Bar:
    label: str
    count: int
    x: float
    height: float
    link: str


def chart(form: SearchForm, months: dict[str, int], *, width: float = 600, height: float = 80) -> list[Bar]:
    """The bars of hits per month, each narrowing the search to its month."""
    dated = {m: n for m, n in months.items() if m != NONE}
    if not dated:
        return []
    filled = fill_periods(dated, "month")  # the months between, with no hits, too
    top = max(n for _, n in filled) or 1
    step = width / len(filled)
    return [
        Bar(label, n, i * step, max(1.0, n / top * height) if n else 0.0, form.link(date_from=label, date_to=label))
        for i, (label, n) in enumerate(filled)
    ]


def _render(name: str, code: int = 200, **context) -> HTMLResponse:
    html = _templates.get_template(name).render(syntax=SYNTAX, **context)
    return HTMLResponse(html, status_code=code)


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    return _render("error.html", status, form=SearchForm.of(request), status=status, message=message)


def unauthorized() -> HTMLResponse:
    return _render(
        "error.html",
        401,
        form=SearchForm(),
        status=401,
        message="هذا الأرشيف يتطلب رمز دخول: افتح الرابط الذي أعطاك إياه المسؤول (…?token=…).",
    )


def add_routes(app: FastAPI, engine: Engine) -> None:
    @app.get("/", include_in_schema=False)
    def home(request: Request):
        form = SearchForm.of(request)
        if form.q:
            return RedirectResponse(form.link(page=form.page), status_code=303)
        return _render("search.html", form=form, results=None, articles=len(engine), sources=engine.values("source"))

    @app.get("/search", include_in_schema=False)
    def search(request: Request):
        form = SearchForm.of(request)
        if not form.q:
            return RedirectResponse("/", status_code=303)
        try:
            results = engine.search(
                form.q,
                page=form.page,
                limit=PAGE_SIZE,
                sort=form.sort,
                match="any" if form.any else "all",
                date_from=form.date_from or None,
                date_to=form.date_to or None,
                facets=True,
            )
        except AkhbarError as e:
            problem = problem_of(e)
            return _render("search.html", problem.status, form=form, results=None, error=str(problem))
        return _render(
            "search.html",
            form=form,
            results=results,
            page=min(results.page, results.pages),
            bars=chart(form, results.facets.get("month", {})),
            facets={k: results.facets.get(k, {}) for k in FACET_FIELDS},
            facet_fields=FACET_FIELDS,
            facet_titles=FACET_TITLES,
            sort_titles=SORT_TITLES,
            article_link=article_link,
            marked=marked,
        )

    @app.get("/articles/{id:path}", include_in_schema=False)
    def article(request: Request, id: str):
        # an unknown id or a bad query raises: the application answers it with an error page
        q = request.query_params.get("q", "").strip()
        doc = engine.doc(check_id(id), query=q or None)
        if doc is None:
            raise ArticleNotFound(f"no article with id '{id}' in this index")
        similar = engine.similar(id, limit=6).hits
        return _render(
            "article.html",
            form=SearchForm(q=q),
            doc=doc,
            title=marked(doc.title, doc.title_spans),
            body=annotated(doc.body, doc.matches, [e for e in doc.entities if e["in"] == "body"], doc.mentioned),
            url=safe_url(doc.url),
            entities=_entity_list(doc),
            entity_titles=ENTITY_TITLES,
            facet_fields=FACET_FIELDS,
            similar=[h for h in similar if h.id != doc.id][:5],
            article_link=article_link,
            back=SearchForm(q=q).link() if q else None,
            search_link=lambda field, value: SearchForm().narrowed(field, value),
            date_link=lambda d: SearchForm().link(q=f"mentioned:{d['from']}..{d['to']}"),
        )


def _entity_list(doc: Doc) -> dict[str, list[tuple[str, int]]]:
    """Each type's entities in the article, most mentioned first: (readable name, mentions) —
    the gazetteer's name, else the spelling the article uses most."""
    found: dict[str, dict[str, dict[str, int]]] = {}
    for e in doc.entities:
        written = found.setdefault(e["type"], {}).setdefault(e["key"], {})
        written[e["text"]] = written.get(e["text"], 0) + 1
    return {
        kind: sorted(
            (
                (display_name(key) or max(written, key=written.__getitem__), sum(written.values()))
                for key, written in by_key.items()
            ),
            key=lambda named: -named[1],
        )
        for kind, by_key in found.items()
    }
