"""Hold every measured file to its coverage floor, with an exception list that only shrinks.

    .venv/bin/python .ci/coverage_floor.py            # check .coverage (after pytest --cov)
    .venv/bin/python .ci/coverage_floor.py --write    # rewrite the list from .coverage

A file's figure is coverage.py's percent covered with branch measurement: statements and
branches together, as ``coverage report`` prints it. The floor is 100% for services,
selectors, forms and the integration layer, 90% for every other file (STYLE.md, "Tooling").

A file below its floor must be listed in EXCEPTIONS with the figure it had when listed. The
check fails when a file that is not listed is below its floor, when a listed file has reached
its floor (take it off the list), when a listed file falls more than SLACK points below its
recorded figure, and when a listed file is no longer measured. ``--write`` records the files
below their floor now, for the lead after a restructure; anywhere else the list only shrinks.

Exit status: 0 when every file holds, 1 when one does not, 2 when there is no coverage data.
"""

import argparse
import fnmatch
import json
import math
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from coverage import Coverage
from coverage.exceptions import NoDataError

ROOT = Path(__file__).resolve().parents[1]
EXCEPTIONS = ROOT / ".ci" / "coverage-exceptions.txt"
DATA = ROOT / ".coverage"
FLOOR = 90.0
STRICT_FLOOR = 100.0
# Services, selectors, forms (modules or packages of that name) and the integration layer.
STRICT = (
    "*/services.py",
    "*/services/*.py",
    "*/selectors.py",
    "*/selectors/*.py",
    "*/forms.py",
    "*/forms/*.py",
    "marketplace_site/marketplace.py",
    "marketplace_site/actions/*.py",
)
# Points a listed file may drift below its recorded figure before the check fails: room for the
# few lines that run only when the machine is slow (a retry, a timeout: in a 200-line module a
# handful of lines is over a point), not for a lost test.
SLACK = 2.0
HEADER = """\
# Files below their coverage floor (.ci/coverage_floor.py): path, then percent covered
# (statements and branches) when listed. This list may only shrink: test a file up to its
# floor and take its line out. After a restructure: .venv/bin/python .ci/coverage_floor.py --write
"""


@dataclass(frozen=True)
class Measured:
    path: str
    percent: float

    @property
    def floor(self) -> float:
        strict = any(fnmatch.fnmatch(self.path, pattern) for pattern in STRICT)
        return STRICT_FLOOR if strict else FLOOR

    @property
    def below(self) -> bool:
        return self.percent < self.floor


def measure(data_file: Path) -> list[Measured]:
    """Every measured file's figure, by path relative to the repository, sorted by path."""
    coverage = Coverage(data_file=str(data_file), config_file=str(ROOT / "pyproject.toml"))
    coverage.load()
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "coverage.json"
        coverage.json_report(outfile=str(report))
        files = json.loads(report.read_text())["files"]
    found = []
    for name, entry in files.items():
        path = Path(name)
        relative = path.relative_to(ROOT) if path.is_absolute() else path
        found.append(Measured(relative.as_posix(), float(entry["summary"]["percent_covered"])))
    return sorted(found, key=lambda measured: measured.path)


def read_exceptions(text: str) -> dict[str, float]:
    """``path figure`` per line; ``#`` starts a comment. Raises ValueError on a bad line."""
    listed: dict[str, float] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        fields = line.split("#", 1)[0].split()
        if not fields:
            continue
        if len(fields) != 2:
            raise ValueError(f"line {number}: expected 'path figure', got {line!r}")
        listed[fields[0]] = float(fields[1])
    return listed


def figure(percent: float) -> str:
    # Rounded down, so that a file listed at its figure is not below it the next run.
    return f"{math.floor(percent * 10) / 10:.1f}"


def problems(measured: list[Measured], listed: dict[str, float]) -> list[str]:
    """What breaks the rules, one sentence per file; empty when every file holds."""
    found: list[str] = []
    seen = {file.path for file in measured}
    for file in measured:
        was = listed.get(file.path)
        now = f"{file.path}: {file.percent:.1f}%"
        if was is None and file.below:
            found.append(f"{now}, below its floor of {file.floor:.0f}% (write the tests)")
        elif was is not None and not file.below:
            found.append(f"{now} reached its floor of {file.floor:.0f}%: take it off the list")
        elif was is not None and file.percent < was - SLACK:
            found.append(f"{now}, down from {was:.1f}% when listed")
    found.extend(
        f"{path}: listed but not measured (moved or gone): take it off the list"
        for path in sorted(set(listed) - seen)
    )
    return found


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-file", type=Path, default=DATA)
    parser.add_argument(
        "--write", action="store_true", help="rewrite the list with the files below their floor"
    )
    args = parser.parse_args(argv)
    try:
        measured = measure(args.data_file)
    except NoDataError as error:
        print(f"coverage floor: {error}", file=sys.stderr)
        return 2
    if args.write:
        lines = [f"{file.path} {figure(file.percent)}" for file in measured if file.below]
        EXCEPTIONS.write_text(HEADER + "".join(f"{line}\n" for line in lines))
        print(f"coverage floor: {len(lines)} files listed in {EXCEPTIONS.relative_to(ROOT)}")
        return 0
    listed = read_exceptions(EXCEPTIONS.read_text() if EXCEPTIONS.exists() else "")
    found = problems(measured, listed)
    for sentence in found:
        print(f"coverage floor: {sentence}", file=sys.stderr)
    if found:
        return 1
    print(f"coverage floor: {len(measured)} files hold ({len(listed)} listed as exceptions)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
