"""The resolver service: the ``Resolver`` Protocol of CONTRACTS.md, in pure Python.

Constraints are PEP 440 specifier sets or npm ranges (``resolver.constraints``); transitive
resolution runs resolvelib under a budget (``resolver.transitive``). No database access.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from marketplace_site.types import DependencyProvider, PluginManifest, canonical_name
from resolver import constraints, transitive
from resolver.versions import key as version_order
from resolver.versions import parse_version

DEFAULT_MAX_ROUNDS = 20_000
DEFAULT_TIMEOUT_MS = 2_000


class ResolverService:
    """Implements ``marketplace_site.types.Resolver``.

    ``max_rounds`` and ``timeout_ms`` bound ``resolve_transitive``; past either, it raises
    ``ResolutionError`` saying the problem is too complex (the settings
    ``RESOLVER_MAX_ROUNDS`` and ``RESOLVER_TIMEOUT_MS`` are passed here by the integration).
    """

    def __init__(
        self, max_rounds: int = DEFAULT_MAX_ROUNDS, timeout_ms: int = DEFAULT_TIMEOUT_MS
    ) -> None:
        if max_rounds < 1 or timeout_ms < 1:
            raise ValueError("max_rounds and timeout_ms must be positive")
        self.max_rounds = max_rounds
        self.timeout_ms = timeout_ms

    def satisfies(self, version: str, constraint: str, include_prerelease: bool = False) -> bool:
        """Whether ``version`` meets ``constraint``; ``InvalidConstraint`` if it does not parse."""
        return constraints.satisfies(version, constraint, include_prerelease)

    def max_satisfying(
        self, versions: Sequence[str], constraint: str, include_prerelease: bool = False
    ) -> str | None:
        """The highest version that meets ``constraint``; unparseable versions are skipped."""
        return constraints.max_satisfying(versions, constraint, include_prerelease)

    def resolve(
        self, constraints: Mapping[str, str], available: Mapping[str, Sequence[str]]
    ) -> dict[str, str | None]:
        """For each ``name -> constraint``, the highest of ``available[name]`` that fits.

        ``available`` is looked up by the name as written, then by canonical name.
        """
        by_canonical = {canonical_name(name): versions for name, versions in available.items()}
        result: dict[str, str | None] = {}
        for name, constraint in constraints.items():
            versions = available.get(name)
            if versions is None:
                versions = by_canonical.get(canonical_name(name), ())
            result[name] = self.max_satisfying(versions, constraint)
        return result

    def resolve_transitive(
        self, root: PluginManifest, provider: DependencyProvider
    ) -> dict[str, str]:
        """One version per plugin for the transitive closure of ``root``, root excluded.

        Keys are dependency names as the first dependent (breadth-first from the root) wrote
        them. Raises ``ResolutionError`` with an explanation when no answer exists or the
        budget runs out, ``InvalidConstraint`` when the root declares a constraint that does
        not parse.
        """
        return transitive.resolve_transitive(
            root, provider, max_rounds=self.max_rounds, timeout_ms=self.timeout_ms
        )


_default = ResolverService()


def satisfies(version: str, constraint: str, include_prerelease: bool = False) -> bool:
    return _default.satisfies(version, constraint, include_prerelease)


def max_satisfying(
    versions: Sequence[str], constraint: str, include_prerelease: bool = False
) -> str | None:
    return _default.max_satisfying(versions, constraint, include_prerelease)


def resolve(
    constraints: Mapping[str, str], available: Mapping[str, Sequence[str]]
) -> dict[str, str | None]:
    return _default.resolve(constraints, available)


def resolve_transitive(root: PluginManifest, provider: DependencyProvider) -> dict[str, str]:
    return _default.resolve_transitive(root, provider)


@dataclass(frozen=True)
class VersionMatch:
    version: str
    matches: bool
    valid: bool  # False where packaging cannot parse the version (it never matches)
    prerelease: bool
    wins: bool
    yanked: bool = False  # PEP 592: it matches, but nothing picks it unless pinned exactly


@dataclass(frozen=True)
class RangeReport:
    """What the range calculator shows: every version, whether it matches, and the winner."""

    constraint: str
    dialect: str  # "npm" or "pep440"
    expanded: str  # the constraint in its desugared comparator form
    rows: tuple[VersionMatch, ...]
    winner: str | None
    # Read as PEP 440 though node-semver would read it too (``1.2.3``, ``>=1.0``): both
    # readings exist, and PEP 440's wins (CONTRACTS.md "Resolver").
    also_npm: bool = False
    skips_yanked: bool = False  # yanked versions were passed over (the constraint is no pin)

    @property
    def match_count(self) -> int:
        """Matching versions the winner was chosen among."""
        return sum(row.matches and not (self.skips_yanked and row.yanked) for row in self.rows)

    @property
    def yanked_match_count(self) -> int:
        """Matching versions passed over because they are yanked."""
        return sum(row.matches and row.yanked for row in self.rows) if self.skips_yanked else 0


def range_report(
    *,
    versions: Sequence[str],
    constraint: str,
    include_prerelease: bool = False,
    yanked: Collection[str] = (),
) -> RangeReport:
    """Match ``versions`` (shown newest first) against ``constraint``.

    The winner is what an install would pick: never one of ``yanked`` unless the constraint
    pins exactly that version (PEP 592), which is how the registry resolves too.
    """
    parsed = constraints.parse_constraint(constraint, include_prerelease)
    yanked = frozenset(yanked)
    candidates = versions
    skips_yanked = bool(yanked) and not constraints.pins_exactly(constraint)
    if skips_yanked:
        candidates = [text for text in versions if text not in yanked]
    winner = constraints.max_satisfying(candidates, constraint, include_prerelease)
    keyed = [(parse_version(text), text) for text in versions]
    ordered = sorted(
        keyed,
        key=lambda item: (
            item[0] is not None,
            version_order(item[0]) if item[0] is not None else (),
            item[1],
        ),
        reverse=True,
    )
    rows = tuple(
        VersionMatch(
            version=text,
            matches=version is not None and parsed.contains(version),
            valid=version is not None,
            prerelease=version is not None and version.is_prerelease,
            wins=text == winner,
            yanked=text in yanked,
        )
        for version, text in ordered
    )
    also_npm = parsed.dialect == "pep440" and constraints.is_npm_range(
        constraint, include_prerelease
    )
    return RangeReport(
        constraint, parsed.dialect, parsed.expanded(), rows, winner, also_npm, skips_yanked
    )
