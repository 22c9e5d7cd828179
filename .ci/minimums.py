"""Print a pip constraints file that pins each requirement of pyproject.toml (the
dependencies and the named extras) to the lowest version its range allows, so that CI
can prove the bottom of every range as well as the newest releases."""

import re
import sys
import tomllib
from pathlib import Path

project = tomllib.loads((Path(__file__).resolve().parent.parent / "pyproject.toml").read_text("utf-8"))["project"]
requirements = list(project["dependencies"])
for extra in sys.argv[1:]:
    requirements += project["optional-dependencies"][extra]
for requirement in requirements:
    m = re.match(r"\s*([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?\s*([^;]*)", requirement)
    assert m, requirement
    name, spec = m[1], m[2]
    low = re.search(r">=\s*([^,\s]+)", spec)
    if low is None:
        sys.exit(f"{requirement!r} has no lower bound: give it one (>=) so CI can test the oldest version allowed")
    print(f"{name}=={low[1]}")
