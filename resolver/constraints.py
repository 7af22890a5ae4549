"""Version constraints in two dialects: PEP 440 specifier sets and npm ranges.

A constraint that parses as a PEP 440 ``SpecifierSet`` has PEP 440's meaning; anything else
is read as an npm range with node-semver's rules (non-loose mode). npm ranges are compared
as ``packaging.version.Version`` objects and never rewritten as ``SpecifierSet`` strings:
``1.0.0-0`` is a post-release in PEP 440, so an npm ``-N`` bound becomes ``.devN`` here.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Literal, NamedTuple

from packaging.specifiers import InvalidSpecifier, Specifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from marketplace_site.types import CONSTRAINT_MAX_LENGTH, InvalidConstraint

EXAMPLES = "^1.2.3, ~1.2, 1.x, 1.0.0 - 2.0.0, >=1.0.0 <2.0.0 || ^3.0.0, or PEP 440's >=1.2,<2"

_XID = r"0|[1-9]\d*|[xX*]"
_PRE_ID = r"0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*"
_PRE = rf"(?:{_PRE_ID})(?:\.(?:{_PRE_ID}))*"
_BUILD = r"[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*"


def _partial(tag: str) -> str:
    """node-semver's XRANGEPLAIN: 1, 1.2, 1.2.x, 1.2.3-pre+build, with named groups."""
    return (
        rf"v?(?P<{tag}M>{_XID})(?:\.(?P<{tag}m>{_XID})"
        rf"(?:\.(?P<{tag}p>{_XID})(?:-(?P<{tag}pr>{_PRE}))?(?:\+{_BUILD})?)?)?"
    )


_TOKEN = re.compile(rf"(?P<op>\^|~>?|[<>]=?|=)?{_partial('')}")
_HYPHEN = re.compile(rf"{_partial('f')} - {_partial('t')}")
# node-semver trims the space between an operator and its version: "~> 1" is "~>1".
_OPERATOR_SPACE = re.compile(r"(~>?|\^|[<>]=?|=) ")
_NUMERIC = re.compile(r"\d+")
_PRE_HINT = re.compile(r"[a-zA-Z]")  # a, b, rc, alpha, dev ... (PEP 440 pre-release markers)

Operator = Literal[">=", ">", "<=", "<", ""]


class Comparator(NamedTuple):
    """One npm comparator; ``""`` is equality. ``text`` is npm's spelling of the bound."""

    op: Operator
    text: str
    version: Version

    def __str__(self) -> str:
        return f"{self.op}{self.text}"

    def test(self, version: Version) -> bool:
        bound = self.version
        if self.op == ">=":
            return version >= bound
        if self.op == "<":
            return version < bound
        if self.op == "<=":
            return version <= bound
        if self.op == ">":
            return version > bound
        return version == bound


class PlainIndex:
    """Plain releases (no pre, post, dev or local part) in ascending order, each with a bit.

    Matching a whole list of versions one ``contains`` call at a time dominates transitive
    resolution; for plain releases every comparator is an interval, found by bisection.
    """

    def __init__(self, items: Iterable[tuple[Version, int]]) -> None:
        ordered = sorted(items)
        self.versions = [version for version, _ in ordered]
        self.prefix = [0]  # prefix[i]: the bits of the first i versions
        for _, bit in ordered:
            self.prefix.append(self.prefix[-1] | bit)
        self.all = self.prefix[-1]

    def between(self, start: int, stop: int) -> int:
        return self.prefix[stop] ^ self.prefix[start] if stop > start else 0

    def compare(self, op: str, bound: Version) -> int:
        versions, size = self.versions, len(self.versions)
        if op == ">=":
            return self.between(bisect_left(versions, bound), size)
        if op == ">":
            return self.between(bisect_right(versions, bound), size)
        if op == "<=":
            return self.between(0, bisect_right(versions, bound))
        if op == "<":
            return self.between(0, bisect_left(versions, bound))
        return self.between(bisect_left(versions, bound), bisect_right(versions, bound))


def is_plain(version: Version) -> bool:
    return not (version.pre or version.post is not None or version.dev is not None or version.local)


def _release3(version: Version) -> tuple[int, int, int]:
    release = (*version.release, 0, 0)
    return release[0], release[1], release[2]


def _is_x(part: str | None) -> bool:
    return part is None or part in ("x", "X", "*")


def _bound(op: Operator, major: int, minor: int, patch: int, pre: str | None = None) -> Comparator:
    """A comparator on major.minor.patch[-pre], with the pre-release tag mapped to PEP 440."""
    text = f"{major}.{minor}.{patch}"
    if pre is None:
        return Comparator(op, text, Version(text))
    text = f"{text}-{pre}"
    if _NUMERIC.fullmatch(pre):
        # npm's numeric pre-release ("-0") is the lowest of that release: PEP 440's .devN.
        return Comparator(op, text, Version(f"{major}.{minor}.{patch}.dev{pre}"))
    try:
        version = Version(text)
    except InvalidVersion:
        version = None
    if version is None or not version.is_prerelease or version.post is not None:
        raise ValueError(
            f"the pre-release tag {pre!r} of {text!r} has no PEP 440 equivalent "
            "(use alpha, beta, rc, pre or dev with an optional number, or a plain number)"
        )
    return Comparator(op, text, version)


_NULL = _bound("<", 0, 0, 0, "0")  # node-semver's "<0.0.0-0": nothing matches


@dataclass(frozen=True)
class NpmRange:
    """A node-semver range: any of ``sets`` matches when all of its comparators do.

    An empty set matches any version (``*``). ``include_prerelease`` was fixed at parse time
    because node-semver desugars x-ranges differently under it.
    """

    sets: tuple[tuple[Comparator, ...], ...]
    include_prerelease: bool = False

    dialect = "npm"

    def contains(self, version: Version) -> bool:
        if version.local is not None:
            version = _public(version)  # npm ignores build metadata
        return any(self._test_set(comparators, version) for comparators in self.sets)

    def _test_set(self, comparators: tuple[Comparator, ...], version: Version) -> bool:
        if not all(comparator.test(version) for comparator in comparators):
            return False
        if version.is_prerelease and not self.include_prerelease:
            # npm: a pre-release matches only where the set names a pre-release of the
            # same major.minor.patch, so ^1.2.3-beta.1 admits 1.2.3-beta.2 but not 1.2.4-rc.1.
            release = _release3(version)
            return any(
                c.version.is_prerelease and _release3(c.version) == release for c in comparators
            )
        return True

    def plain_mask(self, index: PlainIndex) -> int | None:
        """The plain releases in ``index`` that match (the pre-release rule cannot apply)."""
        mask = 0
        for comparators in self.sets:
            set_mask = index.all
            for comparator in comparators:
                set_mask &= index.compare(comparator.op, comparator.version)
            mask |= set_mask
        return mask

    def expanded(self) -> str:
        """The desugared comparator form, as node-semver prints it."""
        return " || ".join(" ".join(map(str, s)) if s else "*" for s in self.sets)

    def __str__(self) -> str:
        text = self.expanded()
        if _as_pep440(text) is not None:
            # A lone comparator such as ">=1.3.0" (from ">1.2") would read back as PEP 440;
            # the trailing "*" (any) keeps it an npm range with the same comparators.
            text += " *"
        return text


@dataclass(frozen=True)
class Pep440Constraint:
    """A PEP 440 specifier set; pre-releases match when asked for or when it names one.

    "Names one" is PEP 440's rule (any specifier with a pre-release, such as >=2.0b1), which
    is wider than npm's same-major.minor.patch rule.
    """

    specifiers: SpecifierSet
    include_prerelease: bool = False

    dialect = "pep440"

    @cached_property
    def allows_prereleases(self) -> bool:
        if self.include_prerelease:
            return True
        # Parsing each specifier's version is slow; only look where a pre-release could be.
        return any(
            bool(spec.prereleases) for spec in self.specifiers if _PRE_HINT.search(spec.version)
        )

    def contains(self, version: Version) -> bool:
        return self.specifiers.contains(version, prereleases=self.allows_prereleases)

    def plain_mask(self, index: PlainIndex) -> int | None:
        """The plain releases in ``index`` that match, or None for an unusual specifier."""
        mask = index.all
        for spec in self.specifiers:
            spec_mask = _pep440_plain_mask(spec.operator, spec.version, index)
            if spec_mask is None:
                return None
            mask &= spec_mask
        return mask

    def expanded(self) -> str:
        return str(self.specifiers)

    def __str__(self) -> str:
        return str(self.specifiers)


Constraint = NpmRange | Pep440Constraint


def _pep440_plain_mask(operator: str, text: str, index: PlainIndex) -> int | None:
    """One PEP 440 specifier over plain releases; None where we leave it to packaging."""
    wildcard = text.endswith(".*")
    version = parse_version(text[:-2] if wildcard else text)
    if version is None or operator == "===":
        return None
    if wildcard or operator == "~=":
        if not is_plain(version) or version.epoch:
            return None
        release = version.release if wildcard else version.release[:-1]
        # ==1.4.* is [1.4, 1.5) for plain releases; ~=1.4.2 is >=1.4.2 and ==1.4.*.
        upper = Version(".".join(map(str, (*release[:-1], release[-1] + 1))))
        prefix = index.compare(">=", Version(".".join(map(str, release))))
        prefix &= index.compare("<", upper)
        if operator == "~=":
            return prefix & index.compare(">=", version)
        return prefix if operator == "==" else index.all & ~prefix
    if operator == "!=":
        return index.all & ~index.compare("==", version)
    return index.compare(operator, version)  # >=, >, <=, < or ==


def _as_pep440(text: str) -> SpecifierSet | None:
    if not text:
        return None  # "" is npm's "*" here; both mean "any release"
    try:
        return SpecifierSet(text, prereleases=None)
    except InvalidSpecifier:
        return None


@lru_cache(maxsize=8192)
def _public(version: Version) -> Version:
    return Version(version.public)


@lru_cache(maxsize=65536)
def parse_version(text: str) -> Version | None:
    """The version, or None where ``packaging`` cannot parse it."""
    try:
        return Version(text)
    except (InvalidVersion, TypeError):
        return None


def parse_constraint(text: str, include_prerelease: bool = False) -> Constraint:
    """Parse either dialect; ``InvalidConstraint`` names the part that does not parse."""
    if not isinstance(text, str):
        raise InvalidConstraint(
            repr(text), f"A constraint must be text, not {type(text).__name__}."
        )
    return _parse_cached(text, bool(include_prerelease))


@lru_cache(maxsize=8192)
def _parse_cached(text: str, include_prerelease: bool) -> Constraint:
    if len(text) > CONSTRAINT_MAX_LENGTH:
        raise InvalidConstraint(
            text[:50] + "…", f"A constraint may be at most {CONSTRAINT_MAX_LENGTH} characters."
        )
    stripped = text.strip()
    specifiers = _as_pep440(stripped)
    if specifiers is not None:
        return Pep440Constraint(specifiers, include_prerelease)
    try:
        return _parse_npm(stripped, include_prerelease)
    except ValueError as error:
        raise InvalidConstraint(text, f"Cannot parse the constraint {text!r}: {error}.") from None


def _parse_npm(text: str, include_prerelease: bool) -> NpmRange:
    if "," in text:
        raise ValueError(_pep440_problem(text))
    raw = " ".join(text.split())
    sets = [_parse_set(part.strip(), include_prerelease) for part in raw.split("||")]
    if len(sets) > 1:
        # node-semver drops impossible sets, and a "*" set makes the whole range "*".
        kept = [s for s in sets if s[:1] != (_NULL,)]
        sets = kept or sets[:1]
        if () in sets:
            sets = [()]
    return NpmRange(tuple(sets), include_prerelease)


def _pep440_problem(text: str) -> str:
    """Commas only occur in PEP 440: name the first comma-separated part that is wrong."""
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        try:
            Specifier(part)
        except InvalidSpecifier:
            return f"{part!r} is not a PEP 440 specifier (such as >=1.2 or !=1.3.1)"
    return "it is not a PEP 440 specifier set"  # pragma: no cover - SpecifierSet accepted it


def _parse_set(text: str, include_prerelease: bool) -> tuple[Comparator, ...]:
    if not text:
        return ()
    hyphen = _HYPHEN.fullmatch(text)
    if hyphen is not None:
        comparators = _hyphen(hyphen.groupdict(), include_prerelease)
    else:
        comparators = []
        for token in _OPERATOR_SPACE.sub(r"\1", text).split(" "):
            comparators.extend(_desugar(token, include_prerelease))
    lowest = "0.0.0-0" if include_prerelease else "0.0.0"
    result: list[Comparator] = []
    for comparator in comparators:
        if comparator == _NULL:
            return (_NULL,)
        if comparator.op == ">=" and comparator.text == lowest:
            continue  # node-semver: >=0.0.0 is "*"
        if comparator not in result:
            result.append(comparator)
    return tuple(result)


def _desugar(token: str, include_prerelease: bool) -> list[Comparator]:
    match = _TOKEN.fullmatch(token)
    if match is None:
        raise ValueError(_token_problem(token))
    op, major, minor, patch, pre = match.group("op", "M", "m", "p", "pr")
    if (_is_x(major) and not _is_x(minor)) or (_is_x(minor) and not _is_x(patch)):
        raise ValueError(f"{token!r} has a number after an x (write 1.x, not x.1 or 1.x.3)")
    if op == "^":
        return _caret(major, minor, patch, pre, include_prerelease)
    if op in ("~", "~>"):
        return _tilde(major, minor, patch, pre, include_prerelease)
    return _xrange(op or "", major, minor, patch, pre, include_prerelease)


def _token_problem(token: str) -> str:
    if token.startswith(("==", "!=", "~=")):
        return f"{token!r} is not a valid PEP 440 specifier"
    if token.startswith("-"):
        return "a hyphen range needs a version and a space on both sides, such as 1.0.0 - 2.0.0"
    return f"{token!r} is not a version range (expected something like {EXAMPLES})"


def _caret(
    major: str, minor: str | None, patch: str | None, pre: str | None, include_prerelease: bool
) -> list[Comparator]:
    z = "0" if include_prerelease else None
    if _is_x(major):
        return []
    big = int(major)
    if _is_x(minor):
        return [_bound(">=", big, 0, 0, z), _bound("<", big + 1, 0, 0, "0")]
    mid = int(minor or 0)
    if _is_x(patch):
        if big == 0:
            return [_bound(">=", 0, mid, 0, z), _bound("<", 0, mid + 1, 0, "0")]
        return [_bound(">=", big, mid, 0, z), _bound("<", big + 1, 0, 0, "0")]
    small = int(patch or 0)
    lower = _bound(">=", big, mid, small, pre)
    if big == 0 and mid == 0:
        return [lower, _bound("<", 0, 0, small + 1, "0")]
    if big == 0:
        return [lower, _bound("<", 0, mid + 1, 0, "0")]
    return [lower, _bound("<", big + 1, 0, 0, "0")]


def _tilde(
    major: str, minor: str | None, patch: str | None, pre: str | None, include_prerelease: bool
) -> list[Comparator]:
    z = "0" if include_prerelease else None
    if _is_x(major):
        return []
    big = int(major)
    if _is_x(minor):
        return [_bound(">=", big, 0, 0, z), _bound("<", big + 1, 0, 0, "0")]
    mid = int(minor or 0)
    if _is_x(patch):
        return [_bound(">=", big, mid, 0, z), _bound("<", big, mid + 1, 0, "0")]
    return [_bound(">=", big, mid, int(patch or 0), pre), _bound("<", big, mid + 1, 0, "0")]


def _xrange(
    op: str,
    major: str,
    minor: str | None,
    patch: str | None,
    pre: str | None,
    include_prerelease: bool,
) -> list[Comparator]:
    x_major = _is_x(major)
    x_minor = x_major or _is_x(minor)
    any_x = x_minor or _is_x(patch)
    if not any_x:
        operator: Operator = "" if op == "=" else op  # type: ignore[assignment]
        return [_bound(operator, int(major), int(minor or 0), int(patch or 0), pre)]
    if op == "=":
        op = ""
    z = "0" if include_prerelease else None
    if x_major:
        return [_NULL] if op in (">", "<") else []
    big = int(major)
    mid = 0 if x_minor else int(minor or 0)
    if op:
        if op == ">":
            op = ">="
            big, mid = (big + 1, 0) if x_minor else (big, mid + 1)
        elif op == "<=":
            op = "<"
            big, mid = (big + 1, mid) if x_minor else (big, mid + 1)
        if op == "<":
            z = "0"
        return [_bound(op, big, mid, 0, z)]  # type: ignore[arg-type]
    if x_minor:
        return [_bound(">=", big, 0, 0, z), _bound("<", big + 1, 0, 0, "0")]
    return [_bound(">=", big, mid, 0, z), _bound("<", big, mid + 1, 0, "0")]


def _hyphen(parts: dict[str, str | None], include_prerelease: bool) -> list[Comparator]:
    z = "0" if include_prerelease else None
    result: list[Comparator] = []
    f_major, f_minor, f_patch, f_pre = parts["fM"], parts["fm"], parts["fp"], parts["fpr"]
    if not _is_x(f_major):
        big = int(f_major or 0)
        if _is_x(f_minor):
            result.append(_bound(">=", big, 0, 0, z))
        elif _is_x(f_patch):
            result.append(_bound(">=", big, int(f_minor or 0), 0, z))
        else:
            result.append(
                _bound(">=", big, int(f_minor or 0), int(f_patch or 0), f_pre if f_pre else z)
            )
    t_major, t_minor, t_patch, t_pre = parts["tM"], parts["tm"], parts["tp"], parts["tpr"]
    if not _is_x(t_major):
        big = int(t_major or 0)
        if _is_x(t_minor):
            result.append(_bound("<", big + 1, 0, 0, "0"))
        elif _is_x(t_patch):
            result.append(_bound("<", big, int(t_minor or 0) + 1, 0, "0"))
        elif t_pre:
            result.append(_bound("<=", big, int(t_minor or 0), int(t_patch or 0), t_pre))
        elif include_prerelease:
            result.append(_bound("<", big, int(t_minor or 0), int(t_patch or 0) + 1, "0"))
        else:
            result.append(_bound("<=", big, int(t_minor or 0), int(t_patch or 0)))
    return result


# --------------------------------------------------------------------------- public helpers


def satisfies(version: str, constraint: str, include_prerelease: bool = False) -> bool:
    """Whether ``version`` meets ``constraint``; False for a version packaging cannot parse."""
    parsed = parse_constraint(constraint, include_prerelease)
    candidate = parse_version(version)
    return candidate is not None and parsed.contains(candidate)


def max_satisfying(
    versions: Iterable[str], constraint: str, include_prerelease: bool = False
) -> str | None:
    """The highest of ``versions`` that meets ``constraint``; unparseable versions are skipped."""
    parsed = parse_constraint(constraint, include_prerelease)
    best: str | None = None
    best_version: Version | None = None
    for text in versions:
        candidate = parse_version(text)
        if candidate is None or not parsed.contains(candidate):
            continue
        if best_version is None or candidate > best_version:
            best, best_version = text, candidate
    return best
