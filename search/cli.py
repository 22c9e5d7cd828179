"""The ``akhbar`` command: each command parses its arguments and calls one
:class:`~search.engine.Engine` method (or the analyzer), then hands the result to
:class:`~search.render.Renderer`.  Errors are one line on stderr and exit code 2.

Exit codes: 0 something matched, 1 nothing matched, 2 an error, 130 interrupted.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer
from tqdm import tqdm

from analyzers import analyze as analyze_text
from indexer import AkhbarError, Store, read_corpus
from indexer.errors import ArticleNotFound, IndexIncompatible, IndexNotFound
from search.engine import SORTS, Engine, default_index_path, sample_corpus
from search.query import SYNTAX
from search.render import Renderer

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


def _progress(records: Iterator, desc: str, unit: str = " articles") -> Iterator:
    """A progress bar on stderr when a person watches it; none in a log file or a pipe
    (tqdm's ``disable=None``), where a carriage-return bar would be one endless line."""
    return tqdm(records, desc=desc, unit=unit, file=sys.stderr, mininterval=0.5, dynamic_ncols=True, disable=None)


def _problem(message: str) -> None:
    tqdm.write(f"akhbar: {message}", file=sys.stderr)


def open_engine(index: Path | None) -> Engine:
    """The named index; with none named, the sample index, built on first use."""
    if index is not None:
        return Engine.open(index)
    path = default_index_path()
    if "AKHBAR_INDEX" in os.environ:
        return Engine.open(path)
    # the sample index is akhbar's own: built on first use, rebuilt after an upgrade
    if Store(path).exists():
        try:
            engine = Engine.open(path)
            len(engine)
            return engine
        except IndexIncompatible:
            print(f"akhbar: the sample index in {path} is from another akhbar version; rebuilding it", file=sys.stderr)
    else:
        print(f"akhbar: building the sample index in {path} (first run)", file=sys.stderr)
    engine = Engine.at(path)
    engine.add(_progress(read_corpus([sample_corpus()]), "indexing sample"), rebuild=True, report_problem=_problem)
    return engine


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
    facets: Annotated[bool, typer.Option("--facets", help="Also count all hits by source and by month.")] = False,
    json_: JsonOpt = False,
    explain: Annotated[bool, typer.Option("--explain", help="Print how the query was understood.")] = False,
    color: ColorOpt = None,
    bidi: BidiOpt = False,
) -> None:
    """Search the index and print ranked hits."""
    try:
        with open_engine(index) as engine:
            results = engine.search(
                query,
                limit=limit,
                page=page,
                sort=sort,
                match="any" if any_ else "all",
                date_from=date_from,
                date_to=date_to,
                since=since,
                facets=facets,
            )
        Renderer(color=color, bidi=bidi and not json_).results(results, json_lines=json_, explain=explain)
    except AkhbarError as e:
        raise fail(str(e)) from None
    raise typer.Exit(0 if results.total else 1)


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
) -> None:
    """Build or update an index from corpus files (update by id)."""
    target = index or default_index_path()
    try:
        engine = Engine.at(target)
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
        raise fail(str(e)) from None
    print(f"akhbar: {report.summary()} ({target})", file=sys.stderr)


@app.command()
def show(
    article_id: Annotated[str, typer.Argument(metavar="ID", help="The article id (as printed by search).")],
    index: IndexOpt = None,
    json_: JsonOpt = False,
    bidi: BidiOpt = False,
) -> None:
    """Print one whole article."""
    try:
        with open_engine(index) as engine:
            doc = engine.doc(article_id)
        if doc is None:
            raise ArticleNotFound(f"no article with id '{article_id}' in this index")
        Renderer(bidi=bidi and not json_).doc(doc, json_lines=json_)
    except AkhbarError as e:
        raise fail(str(e)) from None


@app.command()
def timeline(
    query: Annotated[str, typer.Argument(help="The query.")],
    index: IndexOpt = None,
    by: Annotated[str, typer.Option("--by", help="month or day.")] = "month",
    any_: Annotated[bool, typer.Option("--any", help="Rank articles matching any word.")] = False,
    date_from: Annotated[str | None, typer.Option("--from", help="From (YYYY, YYYY-MM or YYYY-MM-DD).")] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="To (inclusive).")] = None,
    json_: JsonOpt = False,
) -> None:
    """How many hits were published in each month (or day): when a story peaked."""
    try:
        with open_engine(index) as engine:
            periods = engine.timeline(
                query, by=by, match="any" if any_ else "all", date_from=date_from, date_to=date_to
            )
        Renderer().timeline(periods, json_lines=json_)
    except AkhbarError as e:
        raise fail(str(e)) from None
    raise typer.Exit(0 if periods else 1)


@app.command()
def entities(
    query: Annotated[str | None, typer.Argument(help="Only among the hits of this query (default: all).")] = None,
    index: IndexOpt = None,
    type_: Annotated[str | None, typer.Option("--type", help="person, place or org.")] = None,
    top: Annotated[int, typer.Option("--top", min=1, max=10000, help="How many.")] = 20,
    json_: JsonOpt = False,
) -> None:
    """The most mentioned people, places and organizations, with the spellings seen."""
    try:
        with open_engine(index) as engine:
            found = engine.entities(query, type=type_, top=top)
    except AkhbarError as e:
        raise fail(str(e)) from None
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
) -> None:
    """List the articles most like a given one."""
    try:
        with open_engine(index) as engine:
            results = engine.similar(article_id, limit=limit)
        Renderer(color=color, bidi=bidi and not json_).results(results, json_lines=json_)
    except AkhbarError as e:
        raise fail(str(e)) from None
    raise typer.Exit(0 if results.total else 1)


@app.command()
def repl(
    index: IndexOpt = None,
    color: ColorOpt = None,
    bidi: BidiOpt = False,
) -> None:
    """An interactive search session (scriptable: reads lines when stdin is not a terminal)."""
    from search.repl import Session, history_path, page, prompt_session, run_interactive, run_lines

    try:
        engine = open_engine(index)
        session = Session(engine, color=color, bidi=bidi)
        session.renderer()  # report a missing bidi extra before the session starts
        if sys.stdin.isatty() and sys.stdout.isatty():
            session.pager = page
            run_interactive(session, prompt_session(engine, history_path()))
        else:
            run_lines(session, sys.stdin)
    except AkhbarError as e:
        raise fail(str(e)) from None


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
            print(
                json.dumps(
                    {
                        "original": t.original,
                        "normalized": t.normalized,
                        "stem": t.stem,
                        "start": t.start,
                        "end": t.end,
                        "position": t.position,
                    },
                    ensure_ascii=False,
                )
            )
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
