"""The ``akhbar`` command: each command parses its arguments and calls one
:class:`~akhbar.search.engine.Engine` method (or the analyzer), then hands the result to
:class:`~akhbar.search.render.Renderer`.  Errors are one line on stderr and exit code 2.

Exit codes: 0 something matched, 1 nothing matched, 2 an error, 130 interrupted.
"""

from __future__ import annotations

import io
import json
import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from tqdm import tqdm

from akhbar.analyzers import analyze as analyze_text
from akhbar.indexer import AkhbarError, Store, read_corpus
from akhbar.indexer.errors import ArticleNotFound, IndexIncompatible, IndexNotFound, QueryTimeout
from akhbar.indexer.shards import MAX_SHARDS
from akhbar.search.engine import SORTS, TIME_LIMIT, Engine, HitStream
from akhbar.search.export import EXPORT_FORMATS, csv_lines, jsonl_lines
from akhbar.search.locations import default_index_path, sample_corpus
from akhbar.search.query import SYNTAX
from akhbar.search.render import Renderer

app = typer.Typer(
    help="akhbar — search Arabic news archives.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

IndexOpt = Annotated[
    Path | None,
    typer.Option(
        "--index", "-i", help="Index directory (default: $AKHBAR_INDEX, else the sample index in your cache)."
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="JSON Lines on stdout, one record per line.")]
ColorOpt = Annotated[
    bool | None, typer.Option("--color/--no-color", help="Colour (default: on a terminal, unless NO_COLOR).")
]
BidiOpt = Annotated[
    bool, typer.Option("--bidi", help="Reshape Arabic for terminals without bidi support (never in JSON output).")
]


def fail(message: str, code: int = 2) -> typer.Exit:
    print(f"akhbar: {message}", file=sys.stderr)
    return typer.Exit(code)


def _progress(records: Iterable, desc: str, unit: str = " articles", total: int | None = None) -> Iterator:
    """A progress bar on stderr when a person watches it; none in a log file or a pipe
    (tqdm's ``disable=None``), where a carriage-return bar would be one endless line."""
    return tqdm(
        records,
        desc=desc,
        unit=unit,
        total=total,
        file=sys.stderr,
        mininterval=0.5,
        dynamic_ncols=True,
        disable=None,
        leave=False,
    )


def _problem(message: str) -> None:
    tqdm.write(f"akhbar: {message}", file=sys.stderr)


def open_engine(
    index: Path | None,
    time_limit: float | None = None,
    *,
    cluster: str | None = None,
    parallel: bool = False,
    replicas: int = 1,
    allow_partial: bool = False,
) -> Engine:
    """The named index; with none named, the sample index, built on first use.

    A sharded archive's shards are scored on ``cluster``'s Dask workers when one is
    named; else by local worker processes in a long session (``parallel``: the REPL),
    and in this process for a one-shot command, which would spend longer starting the
    workers than searching."""
    options: dict = {"time_limit": time_limit} if time_limit is not None else {}
    options["cluster"] = cluster
    options["processes"] = None if parallel or cluster else 0
    options["replicas"] = replicas
    options["allow_partial"] = allow_partial
    if index is not None:
        return Engine.open(index, **options)
    path = default_index_path()
    if "AKHBAR_INDEX" in os.environ:
        return Engine.open(path, **options)
    # the sample index is akhbar's own: built on first use, rebuilt after an upgrade
    if Store(path).exists():
        try:
            engine = Engine.open(path, **options)
            len(engine)
            return engine
        except IndexIncompatible:
            print(f"akhbar: the sample index in {path} is from another akhbar version; rebuilding it", file=sys.stderr)
    else:
        print(f"akhbar: building the sample index in {path} (first run)", file=sys.stderr)
    engine = Engine.at(path, **options)
    engine.add(_progress(read_corpus([sample_corpus()]), "indexing sample"), rebuild=True, report_problem=_problem)
    return engine


ClusterOpt = Annotated[
    str | None,
    typer.Option(
        "--cluster",
        envvar="AKHBAR_CLUSTER",
        help="A Dask scheduler (tcp://HOST:8786) whose workers score a sharded archive's shards ($AKHBAR_CLUSTER).",
    ),
]

ReplicasOpt = Annotated[
    int,
    typer.Option(
        "--replicas",
        min=1,
        max=8,
        help="Workers that score each shard (of those that hold it): when one is lost, the next answers at once.",
    ),
]

PartialOpt = Annotated[
    bool,
    typer.Option(
        "--allow-partial",
        help="When a shard has no live copy, show the other shards' hits (marked partial) instead of an error.",
    ),
]

TimeLimitOpt = Annotated[
    float | None,
    typer.Option(
        "--time-limit", min=0.01, help=f"Seconds a query may run before it is stopped (default {TIME_LIMIT:g})."
    ),
]


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="The query (see 'akhbar help-query').")],
    index: IndexOpt = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=1000, help="Hits per page.")] = 10,
    page: Annotated[int, typer.Option("--page", "-p", min=1, help="Page number.")] = 1,
    sort: Annotated[str, typer.Option(help=f"One of: {', '.join(SORTS)}.")] = "relevance",
    any_: Annotated[bool, typer.Option("--any", help="Rank articles matching any word (default: all words).")] = False,
    date_from: Annotated[
        str | None, typer.Option("--from", help="Published on or after (YYYY, YYYY-MM or YYYY-MM-DD).")
    ] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="Published on or before (inclusive).")] = None,
    since: Annotated[str | None, typer.Option("--since", help="Only the last 7d, 2w, 3m or 1y (up to today).")] = None,
    facets: Annotated[
        bool,
        typer.Option(
            "--facets", help="Also count all hits by source and month, and list who and where they mention most."
        ),
    ] = False,
    json_: JsonOpt = False,
    all_: Annotated[
        bool, typer.Option("--all", help="Write every hit, not one page (as --format says; progress on stderr).")
    ] = False,
    format_: Annotated[
        str | None,
        typer.Option(
            "--format", help="With --all: jsonl (one JSON object a line) or csv (UTF-8, opens in a spreadsheet)."
        ),
    ] = None,
    explain: Annotated[bool, typer.Option("--explain", help="Print how the query was understood.")] = False,
    time_limit: TimeLimitOpt = None,
    color: ColorOpt = None,
    bidi: BidiOpt = False,
    cluster: ClusterOpt = None,
    replicas: ReplicasOpt = 1,
    allow_partial: PartialOpt = False,
) -> None:
    """Search the index and print ranked hits (or, with --all, write every hit)."""
    if format_ is not None and not all_:
        raise fail("--format goes with --all (for one page as JSON Lines, use --json)")
    if all_ and (page != 1 or limit != 10 or facets or explain):
        raise fail("--all writes every hit: leave out --page, --limit, --facets and --explain")
    if all_ and (format_ or "jsonl") not in EXPORT_FORMATS:
        raise fail(f"--format is one of: {', '.join(EXPORT_FORMATS)}, not {format_!r}")
    try:
        scaling = {"cluster": cluster, "replicas": replicas, "allow_partial": allow_partial}
        with open_engine(index, time_limit, **scaling) as engine:
            match = "any" if any_ else "all"
            filters = {"date_from": date_from, "date_to": date_to, "since": since}
            if all_:
                with engine.iter_hits(query, sort=sort, match=match, **filters) as hits:
                    export(hits, format_ or "jsonl")
                raise typer.Exit(0 if hits.total else 1)
            results = engine.search(query, limit=limit, page=page, sort=sort, match=match, facets=facets, **filters)
        Renderer(color=color, bidi=bidi and not json_).results(results, json_lines=json_, explain=explain)
    except AkhbarError as e:
        raise fail(_message(e)) from None
    raise typer.Exit(0 if results.total else 1)


FLAGS = {"date_from": "--from", "date_to": "--to", "since": "--since"}


def _message(e: AkhbarError) -> str:
    """The error in the command line's terms: its flags for the Engine's parameters."""
    if isinstance(e, QueryTimeout):
        return (
            f"{e}: narrow the query (fewer phrases, prefixes or OR-ed words; rarer words) or give it more --time-limit"
        )
    message = str(e)
    for name in getattr(e, "parameters", ()):
        message = message.replace(name, FLAGS.get(name, name))
    return message


def export(hits: HitStream, fmt: str) -> None:
    """Every hit on stdout, as JSON Lines or as CSV a spreadsheet opens as Arabic."""
    out = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="", write_through=False)
    progress = _progress(hits, "exporting", unit=" hits", total=hits.total)
    try:
        out.writelines(csv_lines(progress) if fmt == "csv" else jsonl_lines(progress))
        out.flush()
    except BrokenPipeError:  # the reader (head, a closed pager) stopped reading: not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    finally:
        out.detach()


@app.command()
def index(
    paths: Annotated[
        list[Path], typer.Argument(help="Corpus files or directories (.txt dir, .jsonl, .jsonl.gz, .csv).")
    ],
    index: IndexOpt = None,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Replace the index instead of updating it.")] = False,
    workers: Annotated[
        int | None,
        typer.Option("--workers", min=0, help="Analysis processes beside the writer (default: one per core, up to 3)."),
    ] = None,
    shards: Annotated[
        int | None,
        typer.Option(
            "--shards",
            min=1,
            max=MAX_SHARDS,
            help="Split a new archive into N shards, each a complete index (an existing one keeps its count).",
        ),
    ] = None,
    cluster: Annotated[
        str | None,
        typer.Option(
            "--cluster",
            help="Build a sharded archive's shards on the workers of this Dask scheduler (tcp://HOST:8786); "
            "the archive's directory must be the same path for them.",
        ),
    ] = None,
) -> None:
    """Build or update an index from corpus files (update by id)."""
    target = index or default_index_path()
    try:
        engine = Engine.at(target, shards=shards, cluster=cluster)
        try:
            before = len(engine)
        except AkhbarError:
            before = 0
        published = engine.store.signature()
        try:
            report = engine.add(
                _progress(read_corpus(paths), "indexing"), rebuild=rebuild, report_problem=_problem, workers=workers
            )
        except KeyboardInterrupt:
            if engine.store.signature() != published:  # Ctrl-C came after the new index was published
                raise fail(
                    f"interrupted after this run was committed: the index at {target} is up to date "
                    f"({engine.store.read_meta().articles} articles)",
                    130,
                ) from None
            raise fail(
                f"interrupted: nothing from this run was committed; the index at {target} is unchanged "
                f"({before} articles). Run the same command again to finish.",
                130,
            ) from None
    except AkhbarError as e:
        raise fail(_message(e)) from None
    print(f"akhbar: {report.summary()} ({target})", file=sys.stderr)


@app.command()
def show(
    article_id: Annotated[str, typer.Argument(metavar="ID", help="The article id (as printed by search).")],
    index: IndexOpt = None,
    json_: JsonOpt = False,
    bidi: BidiOpt = False,
    cluster: ClusterOpt = None,
) -> None:
    """Print one whole article."""
    try:
        with open_engine(index, cluster=cluster) as engine:
            doc = engine.doc(article_id)
        if doc is None:
            raise ArticleNotFound(f"no article with id '{article_id}' in this index")
        Renderer(bidi=bidi and not json_).doc(doc, json_lines=json_)
    except AkhbarError as e:
        raise fail(_message(e)) from None


@app.command()
def timeline(
    query: Annotated[str, typer.Argument(help="The query.")],
    index: IndexOpt = None,
    by: Annotated[str, typer.Option("--by", help="month or day.")] = "month",
    any_: Annotated[bool, typer.Option("--any", help="Rank articles matching any word.")] = False,
    date_from: Annotated[str | None, typer.Option("--from", help="From (YYYY, YYYY-MM or YYYY-MM-DD).")] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="To (inclusive).")] = None,
    json_: JsonOpt = False,
    time_limit: TimeLimitOpt = None,
    cluster: ClusterOpt = None,
) -> None:
    """How many hits were published in each month (or day): when a story peaked."""
    try:
        with open_engine(index, time_limit, cluster=cluster) as engine:
            periods = engine.timeline(
                query, by=by, match="any" if any_ else "all", date_from=date_from, date_to=date_to
            )
        Renderer().timeline(periods, json_lines=json_)
    except AkhbarError as e:
        raise fail(_message(e)) from None
    raise typer.Exit(0 if periods else 1)


@app.command()
def entities(
    query: Annotated[str | None, typer.Argument(help="Only among the hits of this query (default: all).")] = None,
    index: IndexOpt = None,
    type_: Annotated[str | None, typer.Option("--type", help="person, place or org.")] = None,
    top: Annotated[int, typer.Option("--top", min=1, max=10000, help="How many.")] = 20,
    json_: JsonOpt = False,
    time_limit: TimeLimitOpt = None,
    cluster: ClusterOpt = None,
) -> None:
    """The most mentioned people, places and organizations, with the spellings seen."""
    try:
        with open_engine(index, time_limit, cluster=cluster) as engine:
            found = engine.entities(query, type=type_, top=top)
    except AkhbarError as e:
        raise fail(_message(e)) from None
    Renderer().entities(found, json_lines=json_)
    raise typer.Exit(0 if found else 1)


@app.command()
def similar(
    article_id: Annotated[str, typer.Argument(metavar="ID", help="The article to find others like.")],
    index: IndexOpt = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=1000, help="How many.")] = 10,
    json_: JsonOpt = False,
    color: ColorOpt = None,
    bidi: BidiOpt = False,
    cluster: ClusterOpt = None,
) -> None:
    """List the articles most like a given one."""
    try:
        with open_engine(index, cluster=cluster) as engine:
            results = engine.similar(article_id, limit=limit)
        Renderer(color=color, bidi=bidi and not json_).results(results, json_lines=json_)
    except AkhbarError as e:
        raise fail(_message(e)) from None
    raise typer.Exit(0 if results.total else 1)


@app.command()
def repl(
    index: IndexOpt = None,
    time_limit: TimeLimitOpt = None,
    color: ColorOpt = None,
    bidi: BidiOpt = False,
    cluster: ClusterOpt = None,
    replicas: ReplicasOpt = 1,
    allow_partial: PartialOpt = False,
) -> None:
    """An interactive search session (scriptable: reads lines when stdin is not a terminal)."""
    from akhbar.search.repl import Session, history_path, page, prompt_session, run_interactive, run_lines

    try:
        engine = open_engine(
            index, time_limit, cluster=cluster, parallel=True, replicas=replicas, allow_partial=allow_partial
        )
        session = Session(engine, color=color, bidi=bidi)
        session.renderer()  # report a missing bidi extra before the session starts
        if sys.stdin.isatty() and sys.stdout.isatty():
            session.pager = page
            run_interactive(session, prompt_session(engine, history_path()))
        else:
            run_lines(session, sys.stdin)
    except AkhbarError as e:
        raise fail(_message(e)) from None


@app.command()
def serve(
    index: IndexOpt = None,
    host: Annotated[
        str, typer.Option("--host", help="Address to listen on (other than 127.0.0.1: reachable from other machines).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port.")] = 8700,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers", min=1, max=64, help="Processes answering requests side by side (default: one a core, up to 4)."
        ),
    ] = None,
    token: Annotated[
        str | None,
        typer.Option("--token", envvar="AKHBAR_TOKEN", help="Require this token on every request ($AKHBAR_TOKEN)."),
    ] = None,
    time_limit: TimeLimitOpt = None,
    cluster: ClusterOpt = None,
    replicas: ReplicasOpt = 1,
    allow_partial: PartialOpt = False,
) -> None:
    """Serve the index to a browser and to programs: a web page at / and a JSON API at /api."""
    try:
        from akhbar.search.server import ServeSettings, run
    except ImportError as e:
        raise fail(
            f"akhbar serve needs the web server packages ({e.name} is missing): pip install 'akhbar[serve]'"
        ) from None
    if token is not None and len(token) < 16:
        raise fail(
            "--token must be at least 16 characters (for example: python -c 'import secrets; print(secrets.token_urlsafe())')"
        )
    try:
        with open_engine(index, time_limit, cluster=cluster) as engine:
            len(engine)  # the index opens (and the sample index is built) before the server starts
            path = str(engine.store.path)
    except AkhbarError as e:
        raise fail(_message(e)) from None
    settings = ServeSettings(
        index=path,
        host=host,
        port=port,
        workers=workers or min(os.cpu_count() or 1, 4),
        token=token,
        time_limit=time_limit or TIME_LIMIT,
        cluster=cluster,
        replicas=replicas,
        allow_partial=allow_partial,
    )
    try:
        run(settings)
    except OSError as e:  # the port is taken, the address is not this machine's
        raise fail(f"cannot listen on {host}:{port}: {e.strerror or e} (choose another --port or --host)") from None


@app.command("help-query")
def help_query() -> None:
    """Print the query language: operators, phrases, fields, dates, entities."""
    print(SYNTAX, end="")


@app.command()
def analyze(
    text: Annotated[str, typer.Argument(help="Arabic text to analyse.")],
    json_: JsonOpt = False,
) -> None:
    """Show what the analyzer does to each word: original, normalized, stem, offsets."""
    tokens = analyze_text(text)
    if json_:
        for t in tokens:
            print(json.dumps(asdict(t), ensure_ascii=False))
        return
    for t in tokens:
        stem = t.stem if t.stem is not None else "(stop word)"
        print(f"{t.start:>5}-{t.end:<5} {t.original}\t{t.normalized}\t{stem}")


def main() -> None:
    try:
        app()
    except IndexNotFound as e:  # pragma: no cover - commands catch their own
        print(f"akhbar: {e}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
