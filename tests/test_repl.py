"""The REPL, driven through prompt_toolkit's pipe input and a dummy output, and as a subprocess."""

import io
import subprocess
import sys
from pathlib import Path

import pytest
from prompt_toolkit.application import create_app_session
from prompt_toolkit.document import Document
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from akhbar.search import Engine
from akhbar.search.repl import Session, completer, prompt_session, run_interactive
from tests.conftest import ROOT


def session(engine: Engine, **kw) -> tuple[Session, io.StringIO]:
    out = io.StringIO()
    return Session(engine, out=out, color=False, **kw), out


def test_query_paging_open_and_errors(mini_engine: Engine) -> None:
    s, out = session(mini_engine, limit=1)
    for line in ["هدنة", ":next", ":next", ":open 2", ":open 9", ":frobnicate", '"broken', ":prev", ":sort newest"]:
        assert s.handle(line)
    text = out.getvalue()
    assert "2 articles matched (showing 1-1, page 1 of 2" in text
    assert "showing 2-2, page 2 of 2" in text
    assert "error: no more pages" in text
    assert "تعرضت قرى ريف حمص" in text  # :open 2 printed the whole article
    assert "error: no article 9 on this page" in text
    assert "error: unknown command :frobnicate" in text
    assert "error: unbalanced quote" in text
    assert s.handle(":quit") is False


def test_entities_and_timeline_commands(mini_engine: Engine) -> None:
    s, out = session(mini_engine)
    for line in [":timeline", "هدنة OR القاهرة", ":timeline", ":entities place", ":entities bogus"]:
        assert s.handle(line)
    text = out.getvalue()
    assert "error: no query yet" in text
    assert "2016-10       2" in text  # two hits in October 2016
    assert "حلب" in text.split("2016-10")[-1]  # the places list names Aleppo
    assert "error: entity type is person, place or org" in text


def test_json_toggle(mini_engine: Engine) -> None:
    s, out = session(mini_engine)
    s.handle(":json")
    s.handle("القاهرة")
    assert '"id": "m08"' in out.getvalue().splitlines()[-1]


def test_interactive_session_with_pipe_input_writes_history(mini_engine: Engine, tmp_path: Path) -> None:
    history = tmp_path / "history"
    out = io.StringIO()
    s = Session(mini_engine, out=out, color=False)
    with create_pipe_input() as pipe, create_app_session(input=pipe, output=DummyOutput()):
        pipe.send_text("هدنة حلب\r:next\rالقاهرة\r")
        pipe.close()
        run_interactive(s, prompt_session(mini_engine, history, input=pipe, output=DummyOutput()))
    assert "2 articles matched" in out.getvalue()
    assert "error: no more pages" in out.getvalue()
    saved = history.read_text("utf-8")
    assert "هدنة حلب" in saved and "القاهرة" in saved


def test_arabic_editing_keeps_the_line(mini_engine: Engine, tmp_path: Path) -> None:
    # type, delete two letters, move left over a word and insert: the line stays logical Arabic
    out = io.StringIO()
    s = Session(mini_engine, out=out, color=False)
    with create_pipe_input() as pipe, create_app_session(input=pipe, output=DummyOutput()):
        pipe.send_text("هدنة حمصxx")
        pipe.send_text("\x7f\x7f")  # backspace twice
        pipe.send_text("\x1bb")  # Meta-b: back one word
        pipe.send_text("-")
        pipe.send_text("\r")
        pipe.close()
        run_interactive(s, prompt_session(mini_engine, tmp_path / "h", input=pipe, output=DummyOutput()))
    # FileHistory writes each entry as "+line"
    assert (tmp_path / "h").read_text("utf-8").strip().endswith("+هدنة -حمص")


@pytest.mark.parametrize(
    "text, expected",
    [(":ne", ":next"), ("حلب sou", "source:"), ("حلب source:bbc", 'source:"BBC Arabic"'), ("da", "date:")],
)
def test_completion(mini_engine: Engine, text: str, expected: str) -> None:
    found = [c.text for c in completer(mini_engine).get_completions(Document(text), None)]
    assert expected in found


def test_non_tty_mode_reads_lines(tmp_index: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "akhbar", "repl", "--index", str(tmp_index)],
        input="هدنة\n:bogus\n:next\nالقاهرة\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "2 articles matched" in result.stdout and "1 article matched" in result.stdout
    assert "error: unknown command :bogus" in result.stdout
