"""``akhbar repl``: an interactive search session over one :class:`Engine`.

Any line that is not a command is a query.  Commands start with ``:`` (see
:data:`COMMANDS`).  On a terminal the prompt is prompt_toolkit's: persistent
history in the user's data directory, Ctrl-R history search, suggestions from
history, completion of commands, field names and, after ``source:``, the indexed
sources.  When standard input is not a terminal, lines are read one by one, so
a session can be scripted: ``printf 'حلب\\n:next\\n' | akhbar repl``.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from akhbar.indexer.errors import AkhbarError
from akhbar.search.engine import SORTS, Engine, Results
from akhbar.search.query import FIELDS, SYNTAX
from akhbar.search.render import Renderer

COMMANDS: dict[str, str] = {
    ":help": "this list",
    ":next": "the next page of results",
    ":prev": "the previous page of results",
    ":open N": "the whole article N of the last results",
    ":similar N": "articles like article N of the last results",
    ":facets": "the last query's hits by source and month, and the people, places, organizations they mention most",
    ":entities [person|place|org]": "who and what the last query's hits mention most",
    ":timeline [month|day]": "the last query's hits per month (or day)",
    ":sort newest|oldest|relevance": "order of results",
    ":limit N": "hits per page",
    ":any": "toggle ranked 'any words' matching (default: all words)",
    ":json": "toggle JSON Lines output",
    ":explain": "how the last query was understood",
    ":bidi": "toggle reshaping for terminals without bidi support",
    ":quit": "end the session (also Ctrl-D)",
}


class ReplError(AkhbarError):
    """A command the session cannot carry out (one line, and the session goes on)."""


@dataclass
class Session:
    """The state of one session and the handling of one line at a time."""

    engine: Engine
    out: TextIO = field(default_factory=lambda: sys.stdout)
    color: bool | None = None
    limit: int = 10
    sort: str = "relevance"
    match: str = "all"
    json: bool = False
    bidi: bool = False
    pager: Callable[[str], None] | None = None
    query: str | None = None
    page: int = 1
    results: Results | None = None

    def renderer(self) -> Renderer:
        return Renderer(self.out, color=self.color, bidi=self.bidi and not self.json)

    def say(self, text: str) -> None:
        self.renderer().line(text)

    def handle(self, line: str) -> bool:
        """Carry out one line; False when the session should end."""
        line = line.strip()
        if not line:
            return True
        try:
            if line.startswith(":"):
                return self.command(line)
            self.query, self.page = line, 1
            self.run()
        except AkhbarError as e:
            print(f"error: {e}", file=self.out)
        return True

    def run(self, *, facets: bool = False) -> None:
        if self.query is None:
            raise ReplError("no query yet: type some words first")
        self.results = self.engine.search(
            self.query, limit=self.limit, page=self.page, sort=self.sort, match=self.match, facets=facets
        )
        self.renderer().results(self.results, json_lines=self.json)

    def nth(self, arg: str) -> str:
        if self.results is None or not self.results.hits:
            raise ReplError("no results to choose from: run a query first")
        try:
            n = int(arg)
        except ValueError:
            raise ReplError(f"expected an article number, got {arg!r}") from None
        for hit in self.results.hits:
            if hit.rank == n:
                return hit.id
        first, last = self.results.hits[0].rank, self.results.hits[-1].rank
        raise ReplError(f"no article {n} on this page (numbers {first}-{last})")

    def command(self, line: str) -> bool:
        name, _, arg = line.partition(" ")
        arg = arg.strip()
        if name in (":quit", ":q", ":exit"):
            return False
        if name == ":help":
            for cmd, text in COMMANDS.items():
                self.say(f"{cmd:<32} {text}")
            self.say("anything else is a query:")
            for row in SYNTAX.splitlines():
                self.say(f"  {row}")
        elif name in (":next", ":prev"):
            if self.results is None:
                raise ReplError("no results yet: run a query first")
            step = 1 if name == ":next" else -1
            if not 1 <= self.page + step <= self.results.pages:
                raise ReplError("no more pages" if step > 0 else "already on the first page")
            self.page += step
            self.run()
        elif name == ":open":
            doc = self.engine.doc(self.nth(arg))
            if doc is None:
                raise ReplError("that article is no longer in the index")
            if self.json or self.pager is None:
                self.renderer().doc(doc, json_lines=self.json)
            else:
                self.pager(f"{doc.title}\n{doc.date or ''} {doc.source or ''}\nid: {doc.id}\n\n{doc.body}\n")
        elif name == ":similar":
            self.results = self.engine.similar(self.nth(arg), limit=self.limit)
            self.renderer().results(self.results, json_lines=self.json)
        elif name == ":facets":
            self.run(facets=True)
        elif name == ":entities":
            if self.query is None:
                raise ReplError("no query yet: type some words first")
            self.renderer().entities(
                self.engine.entities(self.query, type=arg or None, match=self.match), json_lines=self.json
            )
        elif name == ":timeline":
            if self.query is None:
                raise ReplError("no query yet: type some words first")
            self.renderer().timeline(
                self.engine.timeline(self.query, by=arg or "month", match=self.match), json_lines=self.json
            )
        elif name == ":sort":
            if arg not in SORTS:
                raise ReplError(f"sort by one of: {', '.join(SORTS)}")
            self.sort, self.page = arg, 1
            self.say(f"sort: {arg}")
        elif name == ":limit":
            if not arg.isdecimal() or not 1 <= int(arg) <= 1000:
                raise ReplError("limit takes a number from 1 to 1000")
            self.limit, self.page = int(arg), 1
            self.say(f"limit: {arg}")
        elif name == ":any":
            self.match = "all" if self.match == "any" else "any"
            self.say(f"matching: {self.match} words")
        elif name == ":json":
            self.json = not self.json
            self.say(f"JSON output: {'on' if self.json else 'off'}")
        elif name == ":bidi":
            self.bidi = not self.bidi
            self.renderer()  # fails now, not at the next query, if the extra is missing
            self.say(f"bidi reshaping: {'on' if self.bidi else 'off'}")
        elif name == ":explain":
            if self.results is None:
                raise ReplError("no query yet")
            self.say(f"query: {self.results.parsed}")
            for found in self.results.names:
                self.say(found.describe())
        else:
            raise ReplError(f"unknown command {name} (:help lists them)")
        return True


def page(text: str) -> None:
    """Show ``text`` through the user's pager (``$PAGER``, else ``less``), or print it
    when there is none.  Written with the standard library: Typer no longer carries
    click's pager, and akhbar keeps to documented APIs."""
    command = shlex.split(os.environ.get("PAGER", "")) or (["less"] if shutil.which("less") else [])
    if not command:
        print(text)
        return
    # less: quit at once when the article fits the screen (-F), keep colours (-R), leave
    # the article on screen after quitting (-X); a user's own $LESS wins
    env = {**os.environ, "LESS": os.environ.get("LESS", "FRX"), "LESSCHARSET": os.environ.get("LESSCHARSET", "utf-8")}
    try:
        pager = subprocess.Popen(command, stdin=subprocess.PIPE, env=env)
    except OSError:
        print(text)
        return
    try:
        pager.communicate(text.encode("utf-8"))
    except BrokenPipeError:
        pass  # the reader quit before the end
    except KeyboardInterrupt:
        pager.wait()  # Ctrl-C goes to the pager too; let it restore the terminal


def history_path() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "akhbar" / "history"


def completer(engine: Engine):
    """Commands after ':', field names anywhere, indexed sources after 'source:'."""
    from prompt_toolkit.completion import Completer, Completion

    sources = engine.values("source")

    class AkhbarCompleter(Completer):
        def get_completions(self, document, complete_event):
            text = document.text_before_cursor
            word = text.split(" ")[-1] if text else ""
            if text.startswith(":") and " " not in text:
                for cmd in COMMANDS:
                    name = cmd.split(" ")[0]
                    if name.startswith(text):
                        yield Completion(name, start_position=-len(text))
                return
            if word.startswith("source:"):
                typed = word[len("source:") :].strip('"').casefold()
                for s in sources:
                    if s.casefold().startswith(typed):
                        value = f'"{s}"' if " " in s else s
                        yield Completion(f"source:{value}", start_position=-len(word))
                return
            if word and ":" not in word:
                for f in FIELDS:
                    if f.startswith(word.lstrip("+-")):
                        yield Completion(f + ":", start_position=-len(word.lstrip("+-")))

    return AkhbarCompleter()


def prompt_session(engine: Engine, history: Path, *, input=None, output=None):
    from prompt_toolkit import PromptSession
    from prompt_toolkit.auto_suggest import AutoSuggestFromHistory
    from prompt_toolkit.history import FileHistory

    history.parent.mkdir(parents=True, exist_ok=True)
    return PromptSession(
        history=FileHistory(str(history)),
        auto_suggest=AutoSuggestFromHistory(),
        completer=completer(engine),
        complete_while_typing=False,
        enable_history_search=False,  # Ctrl-R stays the reverse search
        input=input,
        output=output,
    )


def run_lines(session: Session, lines: Iterable[str]) -> None:
    for line in lines:
        if not session.handle(line):
            break


def run_interactive(session: Session, prompt) -> None:
    session.say(f"akhbar — {len(session.engine)} articles. Type words to search, :help for commands, Ctrl-D to leave.")
    while True:
        try:
            line = prompt.prompt("akhbar> ")
        except KeyboardInterrupt:
            continue  # Ctrl-C clears the line, as in a shell
        except EOFError:
            break
        if not session.handle(line):
            break
