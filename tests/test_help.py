"""Every command's ``--help`` (and the README) names only commands and options that exist."""

from __future__ import annotations

import re

import pytest
import typer
from typer.testing import CliRunner

from akhbar.search.cli import app
from tests.conftest import ROOT

runner = CliRunner()
COMMAND = typer.main.get_command(app)
COMMANDS = {name: cmd for name, cmd in COMMAND.commands.items()}


def options(name: str) -> set[str]:
    return {opt for p in COMMANDS[name].params for opt in (*p.opts, *p.secondary_opts)} | {"--help"}


def named(text: str) -> list[tuple[str, str]]:
    """``(command, option)`` for each ``akhbar COMMAND … --option`` a text mentions
    (option "" for a command alone)."""
    found = []
    for line in text.splitlines():
        for m in re.finditer(r"(?<!from )(?<!import )\bakhbar ([a-z][a-z-]*)([^|`'\n]*)", line):
            found.append((m[1], ""))
            found.extend((m[1], opt) for opt in re.findall(r"(?<![\w-])--[a-z][a-z-]*", m[2]))
    return found


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_help_names_only_what_exists(name: str) -> None:
    result = runner.invoke(app, [name, "--help"], prog_name="akhbar", env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "Usage: akhbar" in result.output
    for command, option in named(result.output):
        assert command in COMMANDS, f"'akhbar {name} --help' names a command that does not exist: {command}"
        if option:
            assert option in options(command), f"'akhbar {name} --help' names akhbar {command} {option}"
    for option in re.findall(r"(?<![\w-])--[a-z][a-z-]*", result.output):
        assert option in options(name), f"'akhbar {name} --help' names an option it does not have: {option}"


def test_top_level_help_lists_every_command() -> None:
    result = runner.invoke(app, ["--help"], prog_name="akhbar", env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for name in COMMANDS:
        assert name in result.output


def test_readme_names_only_what_exists() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    code = re.findall(r"```[a-z]*\n(.*?)```", readme, re.S) + re.findall(r"`([^`\n]+)`", readme)
    mentioned = named("\n".join(code))
    assert len({c for c, _ in mentioned}) >= 8  # the README shows most commands
    for command, option in mentioned:
        assert command in COMMANDS, f"the README names 'akhbar {command}', which does not exist"
        if option:
            assert option in options(command), f"the README names 'akhbar {command} {option}', which does not exist"
