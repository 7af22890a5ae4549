"""Version constraints in two dialects: PEP 440 specifier sets and npm ranges.

A constraint that parses as a PEP 440 ``SpecifierSet`` has PEP 440's meaning (``packaging``'s
own matching); anything else is an npm range, read exactly as node-semver 7 reads it
(``resolver.npm``). Versions follow the one model of CONTRACTS.md "Versions": SemVer strings
are SemVer, the rest PEP 440, all ordered by ``marketplace_site.types.version_key`` and read
for resolution by ``resolver.versions``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property, lru_cache

from packaging.specifiers import InvalidSpecifier, Specifier, SpecifierSet
from packaging.version import Version

from marketplace_site.types import (
    CONSTRAINT_MAX_LENGTH,
    JS_WHITESPACE,
    SEMVER_PATTERN,
    AnyVersion,
    InvalidConstraint,
    SemVer,
    VersionKey,
    parse_pep440,
)
from resolver import npm, versions
from resolver.versions import PlainIndex, is_plain, key, parse_version, release3

EXAMPLES = "^1.2.3, ~1.2, 1.x, 1.0.0 - 2.0.0, >=1.0.0 <2.0.0 || ^3.0.0, or PEP 440's >=1.2,<2"

# PEP 440's exact pins: "==X" without a wildcard, and "===X" (arbitrary equality).
_PEP440_EXACT = re.compile(r"===?\s*[^\s,;*|<>=!~^]+")
# npm's exact ranges: one full version, with node-semver's optional "=" and "v".
_NPM_EXACT = re.compile(r"=?\s*" + SEMVER_PATTERN.pattern)


def pins_exactly(text: str) -> bool:
    """Whether a constraint names exactly one version: PEP 440 ``==1.1.0`` or ``===1.1.0``
    (no wildcard, no other clause), or npm's exact range ``1.1.0`` (``=1.1.0``, ``v1.1.0``).

    PEP 592 lets such a pin choose a yanked version, which nothing else chooses.
    """
    if not isinstance(text, str):
        return False
    text = text.strip(JS_WHITESPACE)
    return bool(_PEP440_EXACT.fullmatch(text) or _NPM_EXACT.fullmatch(text))


def _test(op: str, version: VersionKey, bound: VersionKey) -> bool:
    if op == ">=":
        return version >= bound
    if op == "<":
        return version < bound
    if op == "<=":
        return version <= bound
    if op == ">":
        return version > bound
    return version == bound


@dataclass(frozen=True)
class NpmRange:
    """A node-semver range: any of ``sets`` matches when all of its comparators do.

    ``include_prerelease`` was fixed at parse time because node-semver desugars x-ranges
    differently under it. A PEP 440 version (``1.2``, ``1.0rc1``) is compared by its place in
    the one version order; node-semver itself would refuse it.
    """

    sets: tuple[tuple[npm.Comparator, ...], ...]
    include_prerelease: bool = False

    dialect = "npm"

    @cached_property
    def _keyed(self) -> tuple[tuple[tuple[str, VersionKey, npm.Comparator], ...], ...]:
        return tuple(
            tuple((c.op, key(c.version), c) for c in comparators if c.version is not None)
            for comparators in self.sets
        )

    def contains(self, version: AnyVersion) -> bool:
        version_at = key(version)
        for comparators in self._keyed:
            if not all(_test(op, version_at, bound) for op, bound, _ in comparators):
                continue
            if not version.is_prerelease or self.include_prerelease:
                return True
            # npm: a pre-release matches only where the set names a pre-release of the
            # same major.minor.patch, so ^1.2.3-beta.1 admits 1.2.3-beta.2 but not 1.2.4-rc.1.
            release = release3(version)
            if any(c.version.pre and c.version.release == release for _, _, c in comparators):  # type: ignore[union-attr]
                return True
        return False

    def plain_mask(self, index: PlainIndex) -> int | None:
        """The plain releases in ``index`` that match (the pre-release rule cannot apply)."""
        mask = 0
        for comparators in self._keyed:
            set_mask = index.all
            for op, bound, _ in comparators:
                set_mask &= index.compare(op, bound)
            mask |= set_mask
        return mask

    def expanded(self) -> str:
        """The desugared comparator form, as node-semver prints it (``*`` for any)."""
        return " || ".join(" ".join(c.value or "*" for c in s) for s in self.sets)

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
    is wider than npm's same-major.minor.patch rule. PEP 440 versions are matched by
    ``packaging`` itself; a SemVer version by its release (``packaging`` reads ``1.2.3`` the
    same way) or, for a SemVer pre-release, by its place in the one version order.
    """

    specifiers: SpecifierSet
    include_prerelease: bool = False

    dialect = "pep440"

    @cached_property
    def allows_prereleases(self) -> bool:
        if self.include_prerelease:
            return True
        # Parsing each specifier's version is slow; only look where a pre-release could be.
        return any(bool(spec.prereleases) for spec in self.specifiers if _pre_hint(spec.version))

    def contains(self, version: AnyVersion) -> bool:
        if isinstance(version, SemVer):
            if version.pre:
                return self.allows_prereleases and all(
                    _semver_pre_matches(spec, version) for spec in self.specifiers
                )
            version = _release_version(version.release)
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


def _pre_hint(text: str) -> bool:
    """A letter: a, b, rc, alpha, dev ... (PEP 440's pre-release markers) may be there."""
    return any(char.isalpha() for char in text)


@lru_cache(maxsize=65536)
def _spec_version(text: str) -> Version | None:
    """A specifier's version, always read as PEP 440 (it is part of a PEP 440 specifier)."""
    return parse_pep440(text)


@lru_cache(maxsize=8192)
def _release_version(release: tuple[int, ...]) -> Version:
    return Version(".".join(map(str, release)))


def _semver_pre_matches(spec: Specifier, version: SemVer) -> bool:
    """One PEP 440 specifier applied to a SemVer pre-release, by PEP 440's rules for ``<``,
    ``>``, wildcards and ``~=``, with the one version order for the comparison itself."""
    operator, text = spec.operator, spec.version
    if operator == "===":
        return str(version) == text
    wildcard = text.endswith(".*")
    bound = _spec_version(text[:-2] if wildcard else text)
    if bound is None:
        return False
    if wildcard or operator == "~=":
        prefix = bound.release if wildcard else bound.release[:-1]
        padded = (*version.release, *(0,) * len(prefix))[: len(prefix)]
        inside = padded == tuple(prefix) and bound.epoch == 0
        if operator == "~=":
            return inside and key(version) >= key(bound)
        return inside if operator == "==" else not inside
    here, there = key(version), key(bound)
    if operator == "<":
        # PEP 440: <V never admits a pre-release of V itself unless V is one.
        same = (*bound.release, 0, 0, 0)[:3] == version.release and len(bound.release) <= 3
        return here < there and (bound.is_prerelease or not same)
    if operator == "!=":
        return here != there
    return _test("" if operator == "==" else operator, here, there)


def _pep440_plain_mask(operator: str, text: str, index: PlainIndex) -> int | None:
    """One PEP 440 specifier over plain releases; None where we leave it to packaging."""
    wildcard = text.endswith(".*")
    version = _spec_version(text[:-2] if wildcard else text)
    if version is None or operator == "===":
        return None
    if wildcard or operator == "~=":
        if not is_plain(version) or version.epoch:
            return None
        release = version.release if wildcard else version.release[:-1]
        # ==1.4.* is [1.4, 1.5) for plain releases; ~=1.4.2 is >=1.4.2 and ==1.4.*.
        upper = _release_version((*release[:-1], release[-1] + 1))
        prefix = index.compare(">=", key(_release_version(tuple(release))))
        prefix &= index.compare("<", key(upper))
        if operator == "~=":
            return prefix & index.compare(">=", key(version))
        return prefix if operator == "==" else index.all & ~prefix
    if operator == "!=":
        return index.all & ~index.compare("==", key(version))
    return index.compare(operator, key(version))  # >=, >, <=, < or ==


def _as_pep440(text: str) -> SpecifierSet | None:
    if not text or not text.isascii():
        return None  # "" is npm's "*" here; both mean "any release"
    try:
        return SpecifierSet(text, prereleases=None)
    except InvalidSpecifier:
        return None


def clear_caches() -> None:
    """Forget every parsed version and constraint (benchmarks start each run cold)."""
    versions.parse_version.cache_clear()
    versions.read_order.cache_clear()
    versions.pinned_release_key.cache_clear()
    versions.key.cache_clear()
    _parse_cached.cache_clear()
    _spec_version.cache_clear()
    _release_version.cache_clear()


def parse_constraint(text: str, include_prerelease: bool = False) -> Constraint:
    """Parse either dialect; ``InvalidConstraint`` names the part that does not parse."""
    if not isinstance(text, str):
        raise InvalidConstraint(
            repr(text), f"A constraint must be text, not {type(text).__name__}."
        )
    return _parse_cached(text, bool(include_prerelease))


@lru_cache(maxsize=8192)
def _parse_cached(text: str, include_prerelease: bool) -> Constraint:
    if text == "*":
        return _ANY[include_prerelease]
    if len(text) > CONSTRAINT_MAX_LENGTH:
        raise InvalidConstraint(
            text[:50] + "…", f"A constraint may be at most {CONSTRAINT_MAX_LENGTH} characters."
        )
    if any(char.isdigit() and not char.isascii() for char in text):
        raise InvalidConstraint(
            text, f"Cannot parse the constraint {text!r}: only the digits 0-9 are digits."
        )
    stripped = text.strip()
    specifiers = _as_pep440(stripped)
    if specifiers is not None:
        return Pep440Constraint(specifiers, include_prerelease)
    if "," in stripped:
        problem = _pep440_problem(stripped)
    else:
        try:
            return NpmRange(npm.parse_range(text, include_prerelease), include_prerelease)
        except npm.InvalidRange as error:
            problem = _npm_problem(stripped, str(error))
    raise InvalidConstraint(text, f"Cannot parse the constraint {text!r}: {problem}.")


# The commonest constraint of all, parsed once at import (clear_caches keeps it).
_ANY = {flag: NpmRange(npm.parse_range("*", flag), flag) for flag in (False, True)}


def is_npm_range(text: str, include_prerelease: bool = False) -> bool:
    """Whether node-semver reads ``text`` as a range (whichever dialect we read it in)."""
    try:
        npm.parse_range(text, include_prerelease)
    except npm.InvalidRange:
        return False
    return True


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
    return "it is not a PEP 440 specifier set"


def _npm_problem(text: str, npm_error: str) -> str:
    comparator = npm_error.partition(": ")[2] or text
    if comparator.startswith(("==", "!=", "~=")):
        return f"{comparator!r} is not a valid PEP 440 specifier"
    if comparator.startswith("-") or " - " in comparator:
        return "a hyphen range needs a version and a space on both sides, such as 1.0.0 - 2.0.0"
    return f"{comparator!r} is not a version range (expected something like {EXAMPLES})"


def satisfies(version: str, constraint: str, include_prerelease: bool = False) -> bool:
    """Whether ``version`` meets ``constraint``; False for a version neither dialect reads."""
    parsed = parse_constraint(constraint, include_prerelease)
    candidate = parse_version(version) if isinstance(version, str) and version else None
    return candidate is not None and parsed.contains(candidate)


def max_satisfying(
    versions: Iterable[str], constraint: str, include_prerelease: bool = False
) -> str | None:
    """The highest of ``versions`` that meets ``constraint`` (the first of equals, as npm);
    unparseable versions are skipped."""
    parsed = parse_constraint(constraint, include_prerelease)
    best: str | None = None
    best_key: VersionKey | None = None
    for text in versions:
        candidate = parse_version(text) if isinstance(text, str) and text else None
        if candidate is None or not parsed.contains(candidate):
            continue
        candidate_key = key(candidate)
        if best_key is None or candidate_key > best_key:
            best, best_key = text, candidate_key
    return best
