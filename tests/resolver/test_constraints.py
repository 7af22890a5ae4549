"""Constraint parsing and matching: both dialects, node-semver's conformance cases, properties."""

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from packaging.version import Version

from marketplace_site.types import InvalidConstraint, parse_any_version, version_key
from resolver.constraints import (
    NpmRange,
    Pep440Constraint,
    max_satisfying,
    parse_constraint,
    satisfies,
)
from resolver.versions import is_plain, parse_version, pinned_release_key, read_order

# The shared conformance folder beside the checkout is the source; tests/data holds a copy
# (see tests/data/README.md) so a checkout on its own runs every case too.
SHARED_CONFORMANCE = (
    Path(__file__).resolve().parents[2].parent / "shared/conformance/npm-ranges.json"
)
CONFORMANCE = (
    SHARED_CONFORMANCE
    if SHARED_CONFORMANCE.exists()
    else Path(__file__).resolve().parents[1] / "data/npm-ranges.json"
)


def _conformance_cases() -> list[dict[str, object]]:
    if not CONFORMANCE.exists():
        return []
    cases: list[dict[str, object]] = json.loads(CONFORMANCE.read_text())
    return cases


def test_the_conformance_data_is_all_there() -> None:
    assert len(CASES) == 158


CASES = _conformance_cases()


@pytest.mark.skipif(not CASES, reason=f"conformance data not found at {CONFORMANCE}")
def test_conformance_file_has_every_case() -> None:
    assert len(CASES) == 158


@pytest.mark.skipif(not CASES, reason=f"conformance data not found at {CONFORMANCE}")
@pytest.mark.parametrize(
    "case",
    CASES,
    ids=[f"{c['range']!r}~{c['version']}~{c['include_prerelease']}" for c in CASES],
)
def test_node_semver_conformance(case: dict[str, object]) -> None:
    got = satisfies(str(case["version"]), str(case["range"]), bool(case["include_prerelease"]))
    assert got is case["expect"]


@pytest.mark.parametrize(
    ("text", "dialect"),
    [
        (">=1.2,<2", "pep440"),
        ("~=1.4", "pep440"),
        ("==1.*", "pep440"),
        ("!=1.3", "pep440"),
        (">=1.0.0", "pep440"),
        ("^1.2.3", "npm"),
        ("~1.2", "npm"),
        ("1.x", "npm"),
        ("1.2.3 - 2.3.4", "npm"),
        (">=1.0.0 <2.0.0 || ^3.0.0", "npm"),
        ("*", "npm"),
        ("", "npm"),
        ("1.2.3", "npm"),
    ],
)
def test_a_pep440_specifier_set_is_read_as_pep440_anything_else_as_npm(
    text: str, dialect: str
) -> None:
    assert parse_constraint(text).dialect == dialect


@pytest.mark.parametrize(
    ("version", "constraint", "expected"),
    [
        ("1.9", "~=1.4", True),  # ~=1.4 is >=1.4,<2 in PEP 440
        ("2.0", "~=1.4", False),
        ("1.3", "~=1.4", False),
        ("1.7.2", "==1.*", True),
        ("2.0", "==1.*", False),
        ("1.3", "!=1.3", False),
        ("1.3.1", "!=1.3", True),
        ("1.5", ">=1.2,<2", True),
        ("1.2.9", "~1.2", True),  # npm ~1.2 is 1.2.x
        ("1.3.0", "~1.2", False),
        ("0.2.5", "^0.2.3", True),  # npm's 0.x caret stops at the minor
        ("0.3.0", "^0.2.3", False),
        ("1.5.0", "1.2.3 - 2.3.4", True),
        ("2.3.5", "1.2.3 - 2.3.4", False),
        ("3.4.0", ">=1.0.0 <2.0.0 || ^3.0.0", True),
        ("2.1.0", ">=1.0.0 <2.0.0 || ^3.0.0", False),
        ("1.2.3", "1.2.3", True),
        ("1.2.4", "1.2.3", False),
        ("1.2", "1.2.0", True),  # version precedence: 1.2 equals 1.2.0
        ("9.9.9", "*", True),
        ("9.9.9", "", True),
    ],
)
def test_satisfies_in_both_dialects(version: str, constraint: str, expected: bool) -> None:
    assert satisfies(version, constraint) is expected


def test_an_npm_dash_zero_bound_is_the_lowest_prerelease_not_a_post_release() -> None:
    # As a SpecifierSet string, <2.0.0-0 would be <2.0.0.post0 and admit 2.0.0.
    assert not satisfies("2.0.0", "<2.0.0-0 >=1.0.0")
    assert not satisfies("2.0.0", "^1.0.0")
    assert satisfies("1.0.0rc1", ">=1.0.0-0 <2.0.0", include_prerelease=False) is True
    assert satisfies("1.0.0.dev1", "^1.0.0-0", include_prerelease=True)


class TestPrereleases:
    def test_are_excluded_unless_asked_for(self) -> None:
        assert not satisfies("1.5.0rc1", "^1.0.0")
        assert not satisfies("1.5.0rc1", ">=1.0")
        assert satisfies("1.5.0rc1", "^1.0.0", include_prerelease=True)
        assert satisfies("1.5.0rc1", ">=1.0", include_prerelease=True)

    def test_npm_admits_them_only_on_the_named_major_minor_patch(self) -> None:
        assert satisfies("1.2.3-beta.2", "^1.2.3-beta.1")
        assert not satisfies("1.2.4-rc.1", "^1.2.3-beta.1")
        assert satisfies("1.2.4", "^1.2.3-beta.1")

    def test_pep440_admits_any_once_a_specifier_names_one(self) -> None:
        assert satisfies("2.5b1", ">=2.0b1")
        assert not satisfies("2.5b1", ">=2.0")

    def test_max_satisfying_passes_the_flag_through(self) -> None:
        versions = ["1.0.0", "1.1.0", "1.2.0rc1"]
        assert max_satisfying(versions, "^1") == "1.1.0"
        assert max_satisfying(versions, "^1", include_prerelease=True) == "1.2.0rc1"


class TestInvalidConstraints:
    @pytest.mark.parametrize(
        ("text", "pointer"),
        [
            ("^1.x.y", "'^1.x.y'"),
            (">=1.0.0 <2.0.0 || ^3.x.y", "'^3.x.y'"),
            (">=1.0, ^2", "'^2'"),
            ("1.2.3-01", "'1.2.3-01'"),
            ("banana", "'banana'"),
            ("1.0.0 -", "hyphen"),
            ("==1.2.y", "'==1.2.y'"),
        ],
    )
    def test_the_message_points_at_the_bad_part(self, text: str, pointer: str) -> None:
        with pytest.raises(InvalidConstraint) as raised:
            parse_constraint(text)
        assert pointer in str(raised.value)
        assert raised.value.constraint == text

    def test_is_a_value_error_from_every_entry_point(self) -> None:
        with pytest.raises(ValueError, match="not a version range"):
            satisfies("1.0.0", "banana")
        with pytest.raises(ValueError, match="not a version range"):
            max_satisfying(["1.0.0"], "banana")

    def test_a_constraint_must_be_text(self) -> None:
        with pytest.raises(InvalidConstraint, match="must be text"):
            parse_constraint(3)  # type: ignore[arg-type]

    def test_an_overlong_constraint_is_refused(self) -> None:
        with pytest.raises(InvalidConstraint, match="at most"):
            parse_constraint("1.0.0 || " * 200)


def test_max_satisfying_skips_versions_packaging_cannot_parse() -> None:
    assert max_satisfying(["1.0.0", "not-a-version", "1.4.0", "2.0.0"], "^1") == "1.4.0"
    assert max_satisfying(["junk"], "*") is None
    assert max_satisfying([], "*") is None
    assert max_satisfying(["1.0.0"], "^2") is None


def test_max_satisfying_returns_the_version_as_given() -> None:
    assert max_satisfying(["v1.2", "1.1.0"], "^1") == "v1.2"


def test_satisfies_is_false_for_an_unparseable_version() -> None:
    assert satisfies("not-a-version", "*") is False


def test_parsed_constraints_are_cached() -> None:
    assert parse_constraint("^1.2.3") is parse_constraint("^1.2.3")
    assert parse_constraint("^1.2.3") is not parse_constraint("^1.2.3", include_prerelease=True)


def test_npm_ranges_expand_to_node_semver_comparators() -> None:
    assert parse_constraint("^1.2.3").expanded() == ">=1.2.3 <2.0.0-0"
    assert parse_constraint("~1.2").expanded() == ">=1.2.0 <1.3.0-0"
    assert parse_constraint("1.x || 3.1 - 3.2").expanded() == (
        ">=1.0.0 <2.0.0-0 || >=3.1.0 <3.3.0-0"
    )
    assert parse_constraint("2.x", include_prerelease=True).expanded() == ">=2.0.0-0 <3.0.0-0"


def test_a_lone_npm_comparator_stays_npm_when_written_out() -> None:
    parsed = parse_constraint("<=1.x")  # <2.0.0-0, which PEP 440 would read as <2.0.0.post0
    assert str(parsed) == "<2.0.0-0 *"
    assert parse_constraint(str(parsed)) == parsed
    assert not satisfies("2.0.0", str(parsed))


numbers = st.integers(min_value=0, max_value=4)
pre_tags = st.sampled_from(["alpha", "beta", "rc", "a.1", "beta.2", "0"])


@st.composite
def versions(draw: st.DrawFn) -> str:
    text = f"{draw(numbers)}.{draw(numbers)}.{draw(numbers)}"
    if draw(st.booleans()) and draw(st.booleans()):
        text += "-" + draw(st.sampled_from(["alpha", "beta.1", "rc.2", "a"]))
    return text


@st.composite
def partials(draw: st.DrawFn) -> str:
    parts = [str(draw(numbers))]
    for _ in range(draw(st.integers(0, 2))):
        parts.append(draw(st.sampled_from(["x", "*", "0", "1", "2", "3"])))
    if "x" in parts or "*" in parts:
        # node-semver wants every part after an x to be an x as well.
        first = next(i for i, p in enumerate(parts) if p in ("x", "*"))
        parts = parts[:first] + ["x"] * (len(parts) - first)
    text = ".".join(parts)
    if len(parts) == 3 and "x" not in parts and draw(st.booleans()):
        text += "-" + draw(pre_tags)
    return text


@st.composite
def npm_ranges(draw: st.DrawFn) -> str:
    def comparator() -> str:
        kind = draw(st.sampled_from(["^", "~", "op", "bare", "hyphen", "star"]))
        if kind == "star":
            return "*"
        if kind == "hyphen":
            return f"{draw(partials())} - {draw(partials())}"
        if kind == "op":
            return draw(st.sampled_from([">", ">=", "<", "<=", "="])) + draw(partials())
        return ("" if kind == "bare" else kind) + draw(partials())

    def comparator_set() -> str:
        first = comparator()
        if " - " in first:
            return first
        rest = [c for c in (comparator() for _ in range(draw(st.integers(0, 2)))) if " - " not in c]
        return " ".join([first, *rest])

    return " || ".join(comparator_set() for _ in range(draw(st.integers(1, 3))))


pep440_specifiers = st.builds(
    lambda op, v: f"{op}{v}",
    st.sampled_from(["==", "!=", ">=", "<=", ">", "<", "~="]),
    st.sampled_from(["1.0", "1.2.3", "2", "0.5", "1.0rc1", "2.1.0b2"]),
).filter(lambda s: not (s.startswith("~=") and s.count(".") == 0))
pep440_sets = st.lists(pep440_specifiers, min_size=1, max_size=3).map(",".join)
constraint_texts = st.one_of(npm_ranges(), pep440_sets)


@given(st.lists(versions(), max_size=12), constraint_texts, st.booleans())
def test_max_satisfying_is_the_highest_version_that_satisfies(
    candidates: list[str], constraint: str, include_prerelease: bool
) -> None:
    matching = [v for v in candidates if satisfies(v, constraint, include_prerelease)]
    best = max_satisfying(candidates, constraint, include_prerelease)
    if not matching:
        assert best is None
    else:
        assert best is not None
        assert Version(best) == max(Version(v) for v in matching)


@given(numbers, numbers, numbers, versions(), st.booleans())
def test_caret_means_its_expanded_comparator_set(
    major: int, minor: int, patch: int, version: str, include_prerelease: bool
) -> None:
    # npm: ^ allows changes that keep the left-most non-zero part.
    if major:
        upper = f"{major + 1}.0.0-0"
    elif minor:
        upper = f"0.{minor + 1}.0-0"
    else:
        upper = f"0.0.{patch + 1}-0"
    expanded = f">={major}.{minor}.{patch} <{upper}"
    caret = f"^{major}.{minor}.{patch}"
    assert satisfies(version, caret, include_prerelease) == satisfies(
        version, expanded, include_prerelease
    )


@given(constraint_texts, st.booleans())
def test_parse_then_write_then_parse_gives_the_same_constraint(
    text: str, include_prerelease: bool
) -> None:
    parsed = parse_constraint(text, include_prerelease)
    again = parse_constraint(str(parsed), include_prerelease)
    assert again == parsed
    assert isinstance(again, NpmRange | Pep440Constraint)


@pytest.mark.parametrize(
    ("version", "constraint", "include_prerelease", "expected"),
    [
        ("2.0.0-next.5", ">=1.0.0", True, True),
        ("2.0.0-next.5", ">=1.0.0", False, False),
        ("2.0.0-next.5", ">=1.0.0b1", False, True),  # the specifier names a pre-release
        ("2.0.0-next.5", ">=2.0.0b1", True, False),  # SemVer pre-releases sort first
        ("2.0.0-next.5", "<2.0.0", True, False),  # PEP 440: <V admits no pre-release of V
        ("2.0.0-next.5", "<2.0.0rc1", True, True),
        ("2.0.0-next.5", "==2.*", True, True),
        ("1.5.0-beta", "~=1.4", True, True),
        ("1.5.0-beta", "!=1.5.0", True, True),
        ("1.0.0", ">=1.0,<2", False, True),
    ],
)
def test_pep440_specifiers_place_semver_versions_in_the_one_order(
    version: str, constraint: str, include_prerelease: bool, expected: bool
) -> None:
    assert satisfies(version, constraint, include_prerelease=include_prerelease) is expected


any_versions = st.builds(
    lambda release, suffix: ".".join(map(str, release)) + suffix,
    st.lists(st.integers(0, 3), min_size=1, max_size=4),
    st.sampled_from(["", "-0", "-rc.1", "+build.5", "rc1", ".post1", ".dev0", "+local", "a1"]),
)


@given(st.lists(st.integers(0, 3), min_size=1, max_size=4), any_versions)
def test_a_plain_pin_matches_what_the_full_parse_matches(release: list[int], text: str) -> None:
    """``==X`` skips the specifier parser: among plain releases its key picks exactly the
    versions PEP 440's ``==X`` admits, and the rest it admits are X's local versions."""
    pin = "==" + ".".join(map(str, release))
    version = parse_version(text)
    assert version is not None
    matches = parse_constraint(pin).contains(version)
    if is_plain(version):
        assert matches is (pinned_release_key(pin) == version_key(version))
    elif matches:
        assert "+" in text


NOT_PLAIN_PINS = [
    " ==1.0",
    "== 1.0",
    "==1.0.*",
    "==1.0rc1",
    "==v1",
    "===1.0",
    "==1!1.0",
    "==1.0+local",
    ">=1.0",
    "1.0.0",
    "==\u0661.0",  # an Arabic-Indic digit is no digit
    "==" + "1." * 100 + "0",  # longer than any constraint may be
]


@pytest.mark.parametrize("text", NOT_PLAIN_PINS)
def test_only_a_plain_pin_takes_the_fast_path(text: str) -> None:
    assert pinned_release_key(text) is None


@given(any_versions | versions() | st.sampled_from(["v1.2.3", " 1.2.3 ", "01.2.3", "1.2", "x"]))
def test_the_fast_version_reading_is_the_one_reading(text: str) -> None:
    """Plain major.minor.patch skips the full SemVer pattern; the answer and its key are the
    same as ``parse_any_version`` and ``version_key`` give, and so is its plainness."""
    expected = parse_any_version(text)
    assert parse_version(text) == expected
    ordered = None if expected is None else (version_key(expected), is_plain(expected))
    assert read_order(text) == ordered
