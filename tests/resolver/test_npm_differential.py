"""npm ranges against node-semver itself, on generated cases (CONTRACTS.md "Resolver").

`.ci/test` installs the pinned npm package `semver` into tests/semver_oracle with the
machine's Node.js; `oracle.js` answers validity, satisfies and maxSatisfying for every case,
and ours must agree on each one. The only cases left out are the documented ones (README
"Versions"): a range that is also a PEP 440 specifier set keeps PEP 440's meaning, and a
version node-semver refuses but PEP 440 reads (``1.2``, ``1.2.3-01`` = ``1.2.3.post1``) is
ours to place in the one version order.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from marketplace_site.types import InvalidConstraint, parse_any_version, parse_semver
from resolver.constraints import Pep440Constraint, max_satisfying, parse_constraint, satisfies
from tests.resolver.semver_grammar import Grammar

ORACLE = Path(__file__).resolve().parents[1] / "semver_oracle"
SEED = 20261130
RANGES = 2_600
VERSIONS_PER_RANGE = 20
MIN_CASES = 50_000

Case = tuple[str, bool, list[str]]
Answer = tuple[bool, list[bool], str | None]


def node_semver(cases: list[Case]) -> list[Answer]:
    node = shutil.which("node")
    if node is None or not (ORACLE / "node_modules" / "semver" / "package.json").exists():
        pytest.fail("node-semver is not installed: run `npm ci --prefix tests/semver_oracle`")
    installed = json.loads((ORACLE / "node_modules" / "semver" / "package.json").read_text())
    pinned = json.loads((ORACLE / "package.json").read_text())["dependencies"]["semver"]
    assert installed["version"] == pinned
    result = subprocess.run(
        [node, str(ORACLE / "oracle.js")],
        input=json.dumps({"cases": cases}),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return [(valid, matches, best) for valid, matches, best in json.loads(result.stdout)]


def only_pep440_reads(version: str) -> bool:
    """node-semver refuses it, PEP 440 reads it: a documented difference, left out."""
    return parse_semver(version) is None and parse_any_version(version) is not None


def generated_cases(seed: int) -> list[Case]:
    grammar = Grammar(seed)
    cases: list[Case] = []
    for _ in range(RANGES):
        text = grammar.range()
        versions = [v for v in grammar.versions(VERSIONS_PER_RANGE) if not only_pep440_reads(v)]
        cases.append((text, grammar.chance(0.3), versions))
    return cases


def ours(text: str, include_prerelease: bool, versions: list[str]) -> Answer | None:
    """Our answer, or None for a range that is also PEP 440 (left out on purpose)."""
    try:
        parsed = parse_constraint(text, include_prerelease)
    except InvalidConstraint:
        return (False, [False] * len(versions), None)
    if isinstance(parsed, Pep440Constraint):
        return None
    return (
        True,
        [satisfies(v, text, include_prerelease) for v in versions],
        max_satisfying(versions, text, include_prerelease),
    )


def test_npm_ranges_agree_with_node_semver_on_generated_cases() -> None:
    cases = generated_cases(SEED)
    answers = node_semver(cases)
    differences: list[str] = []
    compared = 0
    for (text, include_prerelease, versions), theirs in zip(cases, answers, strict=True):
        mine = ours(text, include_prerelease, versions)
        if mine is None:
            continue
        compared += 1 + len(versions) + 1
        if mine[0] != theirs[0]:
            differences.append(f"valid {text!r}: ours {mine[0]}, node {theirs[0]}")
            continue
        for version, a, b in zip(versions, mine[1], theirs[1], strict=True):
            if a != b:
                differences.append(
                    f"satisfies({version!r}, {text!r}, {include_prerelease}): ours {a}, node {b}"
                )
        if mine[2] != theirs[2]:
            differences.append(f"max_satisfying({versions!r}, {text!r}): {mine[2]} vs {theirs[2]}")
    assert compared >= MIN_CASES
    assert differences == [], f"{len(differences)} differences, first: " + "\n".join(
        differences[:15]
    )


@pytest.mark.parametrize(
    ("version", "text", "expected"),
    [
        ("0.0.2-1", "0.0.2-1", True),
        ("1.0.0-0", "^1.0.0", False),
        ("2.0.0-next.5", "^2.0.0-next.5", True),
        ("5.1.1-v1", ">=5.1.1-v0 <6", True),
        ("1.2.3-alpha10", ">1.2.3-alpha9", False),
        ("0.5.0", "^=0", True),
        ("1.4.0", "=v=1", True),
        ("1.9.0", "^1.2+build", True),
        ("9.0.0", "^*.0", True),
        ("1.7.0", "~1.x.3", True),
    ],
)
def test_the_issue_cases_read_as_node_semver_reads_them(
    version: str, text: str, expected: bool
) -> None:
    assert satisfies(version, text) is expected
    assert node_semver([(text, False, [version])])[0][1] == [expected]


def test_an_arabic_indic_digit_is_no_digit() -> None:
    with pytest.raises(InvalidConstraint, match="only the digits 0-9"):
        parse_constraint("^1\u0662")
    assert node_semver([("^1\u0662", False, [])])[0][0] is False
