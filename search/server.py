"""``akhbar serve``: a JSON API and a web page over one :class:`~akhbar.search.engine.Engine`.

A FastAPI application (the ``serve`` extra) on uvicorn.  Every route reads the index;
none changes it.  The API's routes are under ``/api`` and described at
``/openapi.json``; the page's views (:mod:`akhbar.search.pages`) are links one can
share.  Errors are one line of JSON (``{"error": …}``) a person can act on: 400 for
a query or parameter that cannot be used (with the query's ``position`` when there is
one), 404 for an unknown article, 401 without the token when one is required; an
unexpected failure is logged on the server and answered with a line that says so,
never with a traceback.

Each worker process holds one Engine (its searcher, caches and per-generation state);
``--workers`` runs several processes, so that requests are answered side by side and
one slow request holds only its own process.  Every query is bounded by the Engine's
time limit (``--time-limit``).
"""

from __future__ import annotations

import functools
import hmac
import ipaddress
import json
import logging
import os
import re
import socket
import sys
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Annotated, Literal

from fastapi import FastAPI, Query, Request
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.staticfiles import StaticFiles

from akhbar.analyzers import analyze as analyze_text
from akhbar.indexer.errors import AkhbarError
from akhbar.search import pages
from akhbar.search.engine import SORTS, TIME_LIMIT, Engine
from akhbar.search.export import csv_lines, jsonl_lines
from akhbar.search.http_problems import MAX_ID, Problem, check_id, problem_of

__all__ = ["ServeSettings", "create_app", "run"]

log = logging.getLogger("akhbar.serve")

STATIC = Path(__file__).parent / "static"
MAX_ANALYZE = 10_000
"""Characters of text ``/api/analyze`` takes."""
TOKEN_COOKIE = "akhbar_token"
SECURITY_HEADERS = {
    # no inline scripts or styles, nothing from elsewhere: what the page needs ships in the package
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


@dataclass(frozen=True)
class ServeSettings:
    """What ``akhbar serve`` was asked for (passed to worker processes as JSON)."""

    index: str
    host: str = "127.0.0.1"
    port: int = 8700
    workers: int = 1
    token: str | None = None
    time_limit: float = TIME_LIMIT
    cluster: str | None = None  # a Dask scheduler whose workers score a sharded archive's shards
    replicas: int = 1  # workers scoring each shard on the cluster
    allow_partial: bool = False  # answer without the shards that have no live copy (marked partial)


class ErrorBody(BaseModel):
    """What every error answers: one line a person can act on."""

    error: str
    position: int | None = None  # in the query, 0-based, when the problem is at one place


ERROR_RESPONSES: dict = {
    400: {
        "model": ErrorBody,
        "description": "A query or parameter that cannot be used (or a query stopped at the time limit).",
    },
    401: {"model": ErrorBody, "description": "The server needs its token."},
    404: {"model": ErrorBody, "description": "No such article, or no such route."},
}


def _schema(app: FastAPI) -> dict:
    """FastAPI's OpenAPI schema without its 422 answers: a bad parameter is a 400 here."""
    if app.openapi_schema is None:
        from fastapi.openapi.utils import get_openapi

        schema = get_openapi(title=app.title, version=app.version, summary=app.summary, routes=app.routes)
        for path in schema.get("paths", {}).values():
            for operation in path.values():
                operation.get("responses", {}).pop("422", None)
        for name in ("HTTPValidationError", "ValidationError"):
            schema.get("components", {}).get("schemas", {}).pop(name, None)
        app.openapi_schema = schema
    return app.openapi_schema


def _json_error(status: int, message: str, headers: dict | None = None, **extra) -> JSONResponse:
    body = {"error": message, **{k: v for k, v in extra.items() if v is not None}}
    return JSONResponse(body, status_code=status, headers=headers)


def _validation_message(exc: RequestValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first.get("loc", ())[1:]) or "the request"
    given = first.get("input")
    shown = f" (got {given!r})" if isinstance(given, str | int | float) and len(str(given)) < 40 else ""
    return f"{where}: {first.get('msg', 'not valid').lower()}{shown}"


def _token_ok(request: Request, token: str) -> bool:
    offered = request.headers.get("authorization", "")
    offered = offered[7:] if offered.lower().startswith("bearer ") else ""
    offered = offered or request.cookies.get(TOKEN_COOKIE, "") or request.query_params.get("token", "")
    return hmac.compare_digest(offered.encode("utf-8"), token.encode("utf-8"))


def create_app(engine: Engine, *, token: str | None = None) -> FastAPI:
    """The application serving ``engine`` (the token, when given, is required on every request)."""
    app = FastAPI(
        responses=ERROR_RESPONSES,
        title="akhbar",
        summary="Search an Arabic news archive: the JSON API behind akhbar's web page.",
        version="1",
        docs_url=None,  # the interactive docs would fetch their scripts from a CDN
        redoc_url=None,
    )
    app.state.engine = engine

    @app.middleware("http")
    async def guard(request: Request, call_next):
        if token is not None and not _token_ok(request, token):
            if request.url.path.startswith("/api/") or request.url.path == "/openapi.json":
                response: Response = _json_error(401, "this server needs its token: send 'Authorization: Bearer …'")
            else:
                response = pages.unauthorized()
        elif token is not None and "token" in request.query_params and request.method == "GET":
            # a shared link with ?token=: keep it in a cookie and drop it from the address
            kept = [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
            from urllib.parse import urlencode

            response = Response(
                status_code=303, headers={"Location": request.url.path + ("?" + urlencode(kept) if kept else "")}
            )
            response.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="strict")
        else:
            response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    @app.exception_handler(Problem)
    async def on_problem(request: Request, exc: Problem):
        if request.url.path.startswith("/api/"):
            return _json_error(exc.status, str(exc), **exc.extra)
        return pages.error_page(request, exc.status, str(exc))

    @app.exception_handler(AkhbarError)
    async def on_engine_error(request: Request, exc: AkhbarError):
        return await on_problem(request, problem_of(exc))

    @app.exception_handler(RequestValidationError)
    async def on_invalid(request: Request, exc: RequestValidationError):
        message = _validation_message(exc)
        if request.url.path.startswith("/api/"):
            return _json_error(400, message)
        return pages.error_page(request, 400, message)

    @app.exception_handler(StarletteHTTPException)
    async def on_http(request: Request, exc: StarletteHTTPException):
        message = "no such page" if exc.status_code == 404 else str(exc.detail)
        if request.url.path.startswith("/api/") or not request.url.path.startswith("/"):
            return _json_error(exc.status_code, message, headers=exc.headers)  # a 405's Allow
        response = pages.error_page(request, exc.status_code, message)
        response.headers.update(exc.headers or {})
        return response

    @app.exception_handler(Exception)
    async def on_failure(request: Request, exc: Exception):
        log.exception("failed: %s %s", request.method, request.url.path)
        message = "the server failed to answer this request (the failure is in its log); try again or report it"
        if request.url.path.startswith("/api/"):
            return _json_error(500, message)
        return pages.error_page(request, 500, message)

    _api_routes(app, engine)
    pages.add_routes(app, engine)
    app.openapi = functools.partial(_schema, app)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app


# the API's parameters
Q = Annotated[str, Query(min_length=1, description="The query (the language of `akhbar help-query`).")]
Match = Annotated[bool, Query(description="Rank articles matching any word (default: all words).")]
DAY = r"^(\d{4}(-\d{2}(-\d{2})?)?)?$"  # YYYY, YYYY-MM or YYYY-MM-DD (or empty: not given)
From = Annotated[
    str | None, Query(alias="from", pattern=DAY, description="Published on or after (YYYY, YYYY-MM, YYYY-MM-DD).")
]
To = Annotated[str | None, Query(pattern=DAY, description="Published on or before (inclusive).")]
Id = Annotated[str, PathParam(min_length=1, max_length=MAX_ID, description="The article's id.")]
Since = Annotated[str | None, Query(description="Only the last 7d, 2w, 3m or 1y.")]
Sort = Annotated[Literal[SORTS], Query(description="relevance, newest or oldest.")]  # type: ignore[valid-type]


def _api_routes(app: FastAPI, engine: Engine) -> None:
    @app.get("/api/search", tags=["search"])
    def search(
        q: Q,
        page: Annotated[int, Query(ge=1, le=10_000)] = 1,
        limit: Annotated[int, Query(ge=1, le=100)] = 10,
        sort: Sort = "relevance",
        any: Match = False,
        date_from: From = None,
        to: To = None,
        since: Since = None,
        facets: Annotated[bool, Query(description="Counts by source, month, person, place, organization.")] = False,
    ) -> dict:
        """One page of ranked hits, each with the fields of `akhbar search --json`."""
        results = engine.search(
            q,
            page=page,
            limit=limit,
            sort=sort,
            match="any" if any else "all",
            date_from=date_from or None,
            date_to=to or None,
            since=since or None,
            facets=facets,
        )
        return {
            "query": results.query,
            "total": results.total,
            "page": min(results.page, results.pages),
            "pages": results.pages,
            "hits": [hit.to_json() for hit in results.hits],
            "facets": results.facets,
            "suggestion": results.suggestion,
            "dropped": results.dropped,
            "partial": results.partial,  # some shards had no live copy: their hits are missing
            "missing_shards": results.missing_shards,
            # stopped: its spellings in the text were looked for until the time ran out (more articles may name it)
            "names": [
                {"query": n.label, "keys": list(n.keys), "spellings": list(n.spellings), "stopped": n.stopped}
                for n in results.names
            ],
            "elapsed_ms": round(results.elapsed * 1000, 1),
        }

    @app.get("/api/articles/{id:path}", tags=["articles"])
    def article(
        id: str, q: Annotated[str | None, Query(description="Mark the words this query matches.")] = None
    ) -> dict:
        """The whole article, with its entities and mentioned dates and their spans."""
        doc = engine.doc(check_id(id), query=q or None)
        if doc is None:
            raise Problem(404, f"no article with id '{id}' in this index")
        return doc.to_json()

    @app.get("/api/similar/{id:path}", tags=["articles"])
    def similar(id: Id, limit: Annotated[int, Query(ge=1, le=100)] = 10) -> dict:
        """The articles most like this one."""
        results = engine.similar(check_id(id), limit=limit)
        return {"id": id, "hits": [hit.to_json() for hit in results.hits]}

    @app.get("/api/timeline", tags=["search"])
    def timeline(
        q: Q,
        by: Literal["month", "day"] = "month",
        any: Match = False,
        date_from: From = None,
        to: To = None,
    ) -> dict:
        """Hits per month (or day), oldest first, with the empty periods between."""
        periods = engine.timeline(
            q, by=by, match="any" if any else "all", date_from=date_from or None, date_to=to or None
        )
        return {"query": q, "by": by, "periods": [{"period": p, "count": n} for p, n in periods]}

    @app.get("/api/entities", tags=["search"])
    def entities(
        q: Annotated[str | None, Query(description="Among this query's hits (default: the whole archive).")] = None,
        type: Literal["person", "place", "org"] | None = None,
        top: Annotated[int, Query(ge=1, le=1000)] = 20,
    ) -> dict:
        """The most mentioned people, places and organizations, with the spellings seen."""
        found = engine.entities(q or None, type=type, top=top)
        return {"query": q, "type": type, "entities": [e.to_json() for e in found]}

    @app.get("/api/analyze", tags=["analysis"])
    def analyze(text: Annotated[str, Query(min_length=1, max_length=MAX_ANALYZE)]) -> dict:
        """What the analyzer does to each word: normalized form, stem, offsets."""
        return {"tokens": [asdict(t) for t in analyze_text(text)]}

    @app.get(
        "/api/export",
        tags=["search"],
        response_class=StreamingResponse,
        responses={
            200: {
                "description": "Every hit: JSON Lines (one hit's fields a line) or CSV with a header row.",
                "content": {"application/x-ndjson": {}, "text/csv": {}},
            }
        },
    )
    def export(
        q: Q,
        format: Literal["jsonl", "csv"] = "jsonl",
        sort: Sort = "relevance",
        any: Match = False,
        date_from: From = None,
        to: To = None,
        since: Since = None,
    ) -> StreamingResponse:
        """Every hit, streamed: JSON Lines, or CSV as `akhbar search --all --format csv` writes it."""
        hits = engine.iter_hits(
            q,
            sort=sort,
            match="any" if any else "all",
            date_from=date_from or None,
            date_to=to or None,
            since=since or None,
        )

        def lines() -> Iterator[str]:
            with hits:
                yield from (csv_lines(hits) if format == "csv" else jsonl_lines(hits))

        media = "text/csv; charset=utf-8" if format == "csv" else "application/x-ndjson; charset=utf-8"
        headers = {
            "Content-Disposition": f'attachment; filename="akhbar-export.{format}"',
            "X-Total-Count": str(hits.total),
        }
        return StreamingResponse(lines(), media_type=media, headers=headers)


# --- running -----------------------------------------------------------------------

SETTINGS_VARIABLE = "AKHBAR_SERVE_SETTINGS"


def app_from_environment() -> FastAPI:
    """The application of one worker process (uvicorn's factory when ``--workers`` > 1)."""
    return _app(ServeSettings(**json.loads(os.environ[SETTINGS_VARIABLE])))


def _app(settings: ServeSettings) -> FastAPI:
    """The application over an Engine of the settings' index, its tables read before the first request."""
    # a sharded archive's shards are read in this process unless a cluster is named: the
    # server's worker processes already answer requests side by side, one a core
    engine = Engine.open(
        settings.index,
        time_limit=settings.time_limit,
        cluster=settings.cluster,
        processes=None if settings.cluster else 0,
        replicas=settings.replicas,
        allow_partial=settings.allow_partial,
    )
    engine.prepare()
    return create_app(engine, token=settings.token)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def run(settings: ServeSettings) -> None:
    """Serve until interrupted (uvicorn; ``workers`` processes)."""
    import uvicorn

    _check_address(settings.host, settings.port)
    if not is_loopback(settings.host):
        guarded = "a token is required on every request" if settings.token else "no token is required (see --token)"
        print(
            f"akhbar: listening on {settings.host}, reachable from other machines: anyone who can reach it "
            f"can read the archive; {guarded}",
            file=sys.stderr,
        )
    print(f"akhbar: serving {settings.index} on http://{_url_host(settings.host)}:{settings.port}/", file=sys.stderr)
    options = {"host": settings.host, "port": settings.port, "log_level": "warning", "server_header": False}
    if settings.workers > 1:
        os.environ[SETTINGS_VARIABLE] = json.dumps(asdict(settings))
        uvicorn.run(f"{__name__}:app_from_environment", factory=True, workers=settings.workers, **options)
    else:
        uvicorn.run(_app(settings), **options)


def _check_address(host: str, port: int) -> None:
    """Raise OSError now if ``host:port`` cannot be listened on (taken, or not this
    machine's), rather than after the workers have started."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))


def _url_host(host: str) -> str:
    return f"[{host}]" if re.fullmatch(r"[0-9a-fA-F:]+", host) and ":" in host else host
