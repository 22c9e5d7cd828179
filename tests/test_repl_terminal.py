"""``akhbar repl`` as a user meets it: in a pseudo-terminal, with prompt_toolkit's real
input and output, ``less`` as the pager, history kept between sessions, Ctrl-D to leave."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

pexpect = pytest.importorskip("pexpect")

needs_less = pytest.mark.skipif(shutil.which("less") is None, reason="less is not installed")


def spawn(index: Path, home: Path):
    env = {
        **os.environ,
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / "data"),
        "LANG": "C.UTF-8",
        "TERM": "xterm",
        "PAGER": "less",
        "LESS": "",  # no -F: the pager waits for 'q' even for a short article, so the test sees it
        "NO_COLOR": "1",
        "PROMPT_TOOLKIT_NO_CPR": "1",  # pexpect does not answer cursor-position requests
    }
    child = pexpect.spawn(
        sys.executable,
        ["-m", "akhbar", "repl", "--index", str(index)],
        env=env,
        encoding="utf-8",
        timeout=30,
        dimensions=(40, 120),
    )
    child.expect("Type words to search")
    child.expect("akhbar>")
    return child


@needs_less
def test_a_session_in_a_terminal(tmp_index: Path, tmp_path: Path) -> None:
    child = spawn(tmp_index, tmp_path)
    child.sendline(":limit 1")
    child.expect("limit: 1")
    child.sendline("هدنة")
    child.expect(r"2 articles matched \(showing 1-1, page 1 of 2")
    child.sendline(":next")
    child.expect(r"showing 2-2, page 2 of 2")
    child.sendline(":open 2")
    child.expect("تعرضت قرى ريف حمص")  # the article's body, shown by less
    child.expect(r"\(END\)")  # less waits at the end of the article
    child.send("q")
    child.expect("akhbar>")
    child.sendeof()  # Ctrl-D
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert "+هدنة" in (tmp_path / "data" / "akhbar" / "history").read_text("utf-8")


def test_history_comes_back_in_the_next_session(tmp_index: Path, tmp_path: Path) -> None:
    first = spawn(tmp_index, tmp_path)
    first.sendline("القاهرة")
    first.expect("1 article matched")
    first.expect("akhbar>")
    first.sendeof()
    first.expect(pexpect.EOF)
    second = spawn(tmp_index, tmp_path)
    for _ in range(20):  # prompt_toolkit loads the history file in a background thread
        second.send("\x1b[A")  # the up arrow recalls the last query
        if second.expect(["القاهرة", pexpect.TIMEOUT], timeout=0.5) == 0:
            break
    else:
        pytest.fail("the up arrow did not bring back the last session's query")
    second.send("\r")
    second.expect("1 article matched")
    second.expect("id: m08")
    second.expect("akhbar>")
    second.sendeof()
    second.expect(pexpect.EOF)
    second.close()
    assert second.exitstatus == 0
