"""Transitive resolution over resolvelib, with pre-checks, a budget and plain explanations.

resolvelib (pip's backtracking resolver) does the search. This module supplies:

* a provider that keeps each plugin's versions once, highest first, and answers every
  "which versions fit these constraints" question with a bit mask per (plugin, constraint);
* a one-step look-ahead: a version whose own dependency cannot be met at all (missing
  plugin, or no version fits its constraint) is never offered, so "only the oldest version
  works" costs one scan instead of one backtracking round per version;
* a pair check before the search: when two plugins the root needs conflict for every pair
  of their versions, the answer is known without a quadratic search;
* a budget (rounds and wall clock), past which the problem is reported as too complex;
* the explanation of a failure, naming the conflicting requirements and stopping there.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, NamedTuple

from resolvelib import AbstractProvider, BaseReporter, ResolutionImpossible, Resolver
from resolvelib import ResolutionTooDeep as _TooDeep
from resolvelib.resolvers.criterion import Criterion
from resolvelib.structs import RequirementInformation

from marketplace_site.types import (
    AnyVersion,
    DependencyProvider,
    InvalidConstraint,
    PluginManifest,
    ResolutionError,
    SemVer,
    VersionKey,
    canonical_name,
)
from resolver import explain
from resolver.constraints import PlainIndex, is_plain, parse_constraint, parse_version
from resolver.constraints import key as order_key
from resolver.propagation import Propagation

# The pair check gives up (and leaves the search to resolvelib) past this many version pairs.
PAIR_CHECK_LIMIT = 200_000
ALL = -1  # a mask with every bit set
_ZERO = SemVer(0, 0, 0)
CLASH_MEMORY = 50  # rejected criteria kept for the explanation


class Requirement:
    """A dependency as one plugin version declares it; ``mask`` caches the fitting versions."""

    __slots__ = ("constraint", "key", "mask", "name")

    def __init__(self, key: str, name: str, constraint: str) -> None:
        self.key = key  # canonical name
        self.name = name  # as the dependent wrote it
        self.constraint = constraint
        self.mask: int | None = None

    def __repr__(self) -> str:
        return f"<{self.name} {self.constraint}>"


class Candidate:
    """One version of one plugin; ``index`` is its bit in the plugin's masks (0 = highest)."""

    __slots__ = ("_dead", "dep_masks", "deps", "index", "key", "parsed", "version")

    def __init__(self, key: str, version: str, parsed: AnyVersion, index: int) -> None:
        self.key = key
        self.version = version
        self.parsed = parsed
        self.index = index
        self.deps: tuple[Requirement, ...] | None = None
        self.dep_masks: dict[str, int] | None = None
        self._dead: Reason | bool | None = False  # False: not computed yet

    def __repr__(self) -> str:
        return f"<{self.key} {self.version}>"


class Package:
    """A plugin's published versions, highest first."""

    __slots__ = ("all_mask", "candidates", "key", "lookup", "name", "plain", "special")

    def __init__(
        self, key: str, name: str, candidates: list[Candidate], lookup: str | None = None
    ) -> None:
        self.key = key
        self.name = name
        self.lookup = lookup or name  # the name the provider answers to
        self.candidates = candidates
        self.all_mask = (1 << len(candidates)) - 1
        plain: list[tuple[VersionKey, int]] = []
        self.special: list[Candidate] = []  # pre-, post-, dev- and local versions
        for candidate in candidates:
            if is_plain(candidate.parsed):
                plain.append((order_key(candidate.parsed), 1 << candidate.index))
            else:
                self.special.append(candidate)
        self.plain = PlainIndex(plain)

    def ascending(self, mask: int = ALL) -> list[str]:
        return [c.version for c in reversed(self.candidates) if mask >> c.index & 1]


class Reason(NamedTuple):
    """Why a version can never be chosen: one of its own dependencies cannot be met."""

    kind: str  # "missing", "nofit" or "invalid"
    requirement: Requirement


Info = RequirementInformation[Requirement, Candidate]


class BudgetExceeded(Exception):
    """Raised from inside resolvelib's loop when the wall-clock budget is spent."""


class _Reporter(BaseReporter[Requirement, Candidate, str]):
    def __init__(self, session: Session) -> None:
        self.session = session

    def starting_round(self, index: int) -> None:
        self.session.rounds = index + 1
        self.session.tick()

    def rejecting_candidate(
        self, criterion: Criterion[Requirement, Candidate], candidate: Candidate
    ) -> None:
        # resolvelib's final causes can be a consequence of an earlier clash; keep the
        # clashes themselves so the explanation can name the chain that really conflicts.
        self.session.clashes.append(list(criterion.information))
        del self.session.clashes[:-CLASH_MEMORY]


class Session(AbstractProvider[Requirement, Candidate, str]):
    """One resolution: the provider resolvelib talks to, and the caches it fills."""

    def __init__(
        self,
        root: PluginManifest,
        provider: DependencyProvider,
        *,
        max_rounds: int,
        timeout_ms: int,
    ) -> None:
        self.root = root
        self.provider = provider
        self.max_rounds = max_rounds
        self.timeout_ms = timeout_ms
        self.started = time.perf_counter()
        self.deadline = self.started + timeout_ms / 1000
        self.rounds = 0
        self.root_key = canonical_name(root.name)
        self.packages: dict[str, Package] = {}
        self.masks: dict[tuple[str, str], int] = {}
        self.names: dict[str, str] = {}
        self.clashes: list[list[Info]] = []
        self.domains: dict[str, int] = {}  # versions still possible, from the propagation
        root_version = parse_version(root.version) or _ZERO
        self.root_candidate = Candidate(self.root_key, root.version, root_version, 0)
        self.packages[self.root_key] = Package(self.root_key, root.name, [self.root_candidate])

    # ------------------------------------------------------------------ budget

    def tick(self) -> None:
        if time.perf_counter() > self.deadline:
            raise BudgetExceeded

    def elapsed_ms(self) -> float:
        return (time.perf_counter() - self.started) * 1000

    # ------------------------------------------------------------------ data, cached

    def package(self, key: str, name: str) -> Package:
        package = self.packages.get(key)
        if package is None:
            self.tick()
            lookup = name
            versions = list(self.provider.versions(name))
            if not versions and name != key:
                lookup = key  # a provider that only knows canonical names
                versions = list(self.provider.versions(key))
            parsed = sorted(
                (
                    (order_key(v), text, v)
                    for text in versions
                    if (v := parse_version(text)) is not None
                ),
                reverse=True,
            )
            candidates: list[Candidate] = []
            for version_at, text, version in parsed:
                # 1.0 and 1.0.0 are one version: keep one, deterministically.
                if candidates and order_key(candidates[-1].parsed) == version_at:
                    continue
                candidates.append(Candidate(key, text, version, len(candidates)))
            package = Package(key, name, candidates, lookup)
            self.packages[key] = package
        return package

    def mask(self, requirement: Requirement) -> int:
        """The versions of the required plugin that meet the constraint, as bits."""
        mask = requirement.mask
        if mask is not None:
            return mask
        cache_key = (requirement.key, requirement.constraint)
        mask = self.masks.get(cache_key)
        if mask is None:
            constraint = parse_constraint(requirement.constraint)
            package = self.package(requirement.key, requirement.name)
            mask = constraint.plain_mask(package.plain)
            rest = package.candidates if mask is None else package.special
            mask = mask or 0
            for candidate in rest:
                if constraint.contains(candidate.parsed):
                    mask |= 1 << candidate.index
            self.masks[cache_key] = mask
        requirement.mask = mask
        return mask

    def canonical(self, name: str) -> str:
        key = self.names.get(name)
        if key is None:
            key = self.names[name] = canonical_name(name)
        return key

    def dependencies_of(self, candidate: Candidate) -> tuple[Requirement, ...]:
        if candidate.deps is None:
            if candidate is self.root_candidate:
                raw: Mapping[str, str] = self.root.dependencies
            else:
                self.tick()
                package = self.packages[candidate.key]
                raw = self.provider.dependencies(package.lookup, candidate.version)
            candidate.deps = tuple(
                Requirement(self.canonical(name), name, constraint)
                for name, constraint in raw.items()
            )
        return candidate.deps

    def dead(self, candidate: Candidate) -> Reason | None:
        """Why this version can never be part of an answer, or None if it may be."""
        if candidate._dead is not False:
            return candidate._dead  # type: ignore[return-value]
        reason: Reason | None = None
        for requirement in self.dependencies_of(candidate):
            try:
                mask = self.mask(requirement)
            except InvalidConstraint:
                reason = Reason("invalid", requirement)
                break
            if not self.packages[requirement.key].candidates:
                reason = Reason("missing", requirement)
                break
            if not mask:
                reason = Reason("nofit", requirement)
                break
        candidate._dead = reason
        return reason

    def alive(self, package: Package, mask: int) -> Iterator[Candidate]:
        """The versions in ``mask``, highest first, skipping those that can never work."""
        while mask:
            low = mask & -mask
            mask ^= low
            candidate = package.candidates[low.bit_length() - 1]
            if self.dead(candidate) is None:
                yield candidate

    def dependency_masks(self, candidate: Candidate) -> dict[str, int]:
        """Per required plugin, the versions this one accepts (only for live candidates)."""
        masks = candidate.dep_masks
        if masks is None:
            masks = {}
            for requirement in self.dependencies_of(candidate):
                masks[requirement.key] = masks.get(requirement.key, ALL) & self.mask(requirement)
            candidate.dep_masks = masks
        return masks

    # ------------------------------------------------------------------ resolvelib provider

    def identify(self, requirement_or_candidate: Requirement | Candidate) -> str:
        return requirement_or_candidate.key

    def get_preference(
        self,
        identifier: str,
        resolutions: Mapping[str, Candidate],
        candidates: Mapping[str, Iterator[Candidate]],
        information: Mapping[str, Iterator[Info]],
        backtrack_causes: Sequence[Info],
    ) -> tuple[bool, int]:
        # Work on what just failed first, then on the plugin with the fewest choices left.
        # Ties keep resolvelib's order (dependents before their dependencies): breaking
        # them by name instead sent a 50-plugin registry into thousands of backjumps.
        mask = self.packages[identifier].all_mask
        for info in information[identifier]:
            mask &= self.mask(info.requirement)
        return (not self._is_cause(identifier, backtrack_causes), mask.bit_count())

    def _is_cause(self, identifier: str, causes: Sequence[Info]) -> bool:
        for cause in causes:
            if cause.requirement.key == identifier:
                return True
            if cause.parent is not None and cause.parent.key == identifier:
                return True
        return False

    def narrow_requirement_selection(
        self,
        identifiers: Iterable[str],
        resolutions: Mapping[str, Candidate],
        candidates: Mapping[str, Iterator[Candidate]],
        information: Mapping[str, Iterator[Info]],
        backtrack_causes: Sequence[Info],
    ) -> Iterable[str]:
        identifiers = list(identifiers)
        if backtrack_causes:
            causes = [i for i in identifiers if self._is_cause(i, backtrack_causes)]
            if causes:
                return causes
        return identifiers

    def find_matches(
        self,
        identifier: str,
        requirements: Mapping[str, Iterator[Requirement]],
        incompatibilities: Mapping[str, Iterator[Candidate]],
    ) -> Any:
        self.tick()
        mask = ALL
        for requirement in requirements[identifier]:
            mask &= self.mask(requirement)
        package = self.packages[identifier]
        mask &= package.all_mask & self.domains.get(identifier, ALL)
        for candidate in incompatibilities[identifier]:
            mask &= ~(1 << candidate.index)
        if not mask:
            return ()
        # A factory keeps the look-ahead lazy: versions are checked only as they are tried.
        return functools.partial(self.alive, package, mask)

    def is_satisfied_by(self, requirement: Requirement, candidate: Candidate) -> bool:
        mask = requirement.mask
        if mask is None:
            mask = self.mask(requirement)
        return bool(mask >> candidate.index & 1)

    def get_dependencies(self, candidate: Candidate) -> Iterable[Requirement]:
        return self.dependencies_of(candidate)

    # ------------------------------------------------------------------ the whole run

    def run(self) -> dict[str, str]:
        for requirement in self.dependencies_of(self.root_candidate):
            try:
                parse_constraint(requirement.constraint)
            except InvalidConstraint as error:
                raise InvalidConstraint(
                    requirement.constraint,
                    f"{self.root.name} {self.root.version} declares {requirement.name} with "
                    f"an invalid constraint: {error}",
                ) from None
        try:
            if self.dead(self.root_candidate) is not None:
                raise ResolutionError(self.explain_dead(self.packages[self.root_key], 1))
            self.check_pairs()
            self.domains = Propagation(self).run()
            resolver: Resolver[Requirement, Candidate, str] = Resolver(self, _Reporter(self))
            # The root's own requirements go in as top-level ones (parent None), as pip does;
            # pinning the root as a candidate makes every backjump reach back to it.
            requirements = self.dependencies_of(self.root_candidate)
            result = resolver.resolve(requirements, max_rounds=self.max_rounds)
        except ResolutionImpossible as error:
            raise ResolutionError(self.explain_causes(list(error.causes))) from None
        except (_TooDeep, BudgetExceeded):
            raise ResolutionError(self.too_complex()) from None
        return self.answer(result.mapping)

    def answer(self, mapping: Mapping[str, Candidate]) -> dict[str, str]:
        """Chosen versions, keyed by each plugin's name as its first dependent (breadth-first
        from the root, in declaration order) wrote it; the root itself is left out."""
        names: dict[str, str] = {}
        queue = [self.root_candidate]
        seen = {self.root_key}
        while queue:
            candidate = queue.pop(0)
            for requirement in self.dependencies_of(candidate):
                if requirement.key in seen or requirement.key not in mapping:
                    continue
                seen.add(requirement.key)
                names[requirement.key] = requirement.name
                queue.append(mapping[requirement.key])
        return {name: mapping[key].version for key, name in names.items()}

    def too_complex(self) -> str:
        return (
            f"Resolving the dependencies of {self.root.name} {self.root.version} is too complex: "
            f"no answer within the budget ({self.rounds} rounds and {self.elapsed_ms():.0f} ms; "
            f"limits {self.max_rounds} rounds, {self.timeout_ms} ms). "
            "Narrow the version constraints and try again."
        )

    # ------------------------------------------------------------------ the pair check

    def check_pairs(self) -> None:
        """Fail at once when two plugins the root needs conflict in every pair of versions."""
        forced: dict[str, int] = {self.root_key: 1}
        required: dict[str, Requirement] = {}
        for requirement in self.dependencies_of(self.root_candidate):
            forced[requirement.key] = forced.get(requirement.key, ALL) & self.mask(requirement)
            required.setdefault(requirement.key, requirement)
        keys = sorted(k for k in required if k != self.root_key)
        budget = PAIR_CHECK_LIMIT
        for i, left_key in enumerate(keys):
            for right_key in keys[i + 1 :]:
                pairs = forced[left_key].bit_count() * forced[right_key].bit_count()
                if pairs > budget:
                    return
                budget -= pairs
                left, right = self.packages[left_key], self.packages[right_key]
                clashes: set[str] = set()
                if self._no_pair_fits(left, right, forced, clashes):
                    raise ResolutionError(self.explain_pair(left, right, forced, required, clashes))

    def _no_pair_fits(
        self, left: Package, right: Package, forced: dict[str, int], clashes: set[str]
    ) -> bool:
        """True when every pair of live versions clashes; ``clashes`` gets the plugins
        they clash over. False when some pair may work or a side has no live version
        (resolvelib then reports that side directly)."""
        # Lazily: the newest pair usually fits, and then nothing else is loaded.
        rights: list[Candidate] = []
        right_iter = self.alive(right, forced[right.key])

        def right_versions() -> Iterator[Candidate]:
            yield from rights
            for candidate in right_iter:
                rights.append(candidate)
                yield candidate

        any_left = False
        for x in self.alive(left, forced[left.key]):
            any_left = True
            for y in right_versions():
                clash = self.pair_conflict(x, y, forced)
                if clash is None:
                    return False
                clashes.add(clash)
        return any_left and bool(rights)

    def pair_conflict(self, x: Candidate, y: Candidate, forced: dict[str, int]) -> str | None:
        """The plugin over which ``x`` and ``y`` clash (None when they may coexist)."""
        dx, dy = self.dependency_masks(x), self.dependency_masks(y)
        if not dx.get(y.key, ALL) >> y.index & 1:
            return y.key
        if not dy.get(x.key, ALL) >> x.index & 1:
            return x.key
        small, big = (dx, dy) if len(dx) <= len(dy) else (dy, dx)
        for key, mask in small.items():
            other = big.get(key)
            if other is not None and not mask & other & forced.get(key, ALL):
                return key
        return None

    # ------------------------------------------------------------------ explanations

    def who(self, candidate: Candidate) -> str:
        if candidate is self.root_candidate:
            return f"{self.root.name} {self.root.version}"
        return f"{self.packages[candidate.key].name} {candidate.version}"

    def needs(self, infos: Sequence[tuple[Candidate, Requirement]]) -> list[str]:
        """``top 1.0.0 needs base >=2``, grouping the versions of one dependent that agree."""
        groups: dict[tuple[str, str, str], list[Candidate]] = {}
        for parent, requirement in infos:
            group = groups.setdefault((parent.key, requirement.name, requirement.constraint), [])
            if parent not in group:
                group.append(parent)

        def order(item: tuple[tuple[str, str, str], list[Candidate]]) -> tuple[bool, str]:
            return (item[0][0] != self.root_key, item[0][0])

        lines = []
        for (key, name, constraint), parents in sorted(groups.items(), key=order):
            if parents == [self.root_candidate]:
                subject, verb = self.who(self.root_candidate), "needs"
            else:
                versions = [p.version for p in sorted(parents, key=lambda p: order_key(p.parsed))]
                subject, verb = explain.who(self.packages[key].name, versions)
            lines.append(f"{subject} {verb} {name} {explain.show_constraint(constraint)}")
        return lines

    def has(self, key: str) -> str:
        """``base has 1.0.0, 1.5.0`` or the root's fixed version."""
        package = self.packages[key]
        if key == self.root_key:
            return f"{self.root.name} is being installed at {self.root.version}"
        return f"{package.name} has {explain.summarize_versions(package.ascending())}"

    def explain_causes(self, causes: list[Info]) -> str:
        return self._explain_infos(causes, allow_indirect=True)

    def _direct_clash(self) -> str | None:
        """The latest recorded clash where no version fits the requirements at all."""
        for infos in reversed(self.clashes):
            keys = {info.requirement.key for info in infos}
            if len(keys) != 1 or not self.packages[next(iter(keys))].candidates:
                continue
            mask = ALL
            for info in infos:
                mask &= self.mask(info.requirement)
            if not mask:
                return self._explain_infos(infos, allow_indirect=False)
        return None

    def _explain_infos(self, causes: list[Info], *, allow_indirect: bool) -> str:
        by_key: dict[str, list[tuple[Candidate, Requirement]]] = {}
        for cause in causes:
            # The root's own requirements are resolvelib's top-level ones (parent None).
            parent = cause.parent or self.root_candidate
            by_key.setdefault(cause.requirement.key, []).append((parent, cause.requirement))
        parts = []
        for key in sorted(by_key, key=lambda k: (k != self.root_key, k)):
            infos = by_key[key]
            package = self.packages[key]
            needs = "; ".join(self.needs(infos))
            # A missing plugin, or a cycle back to the root that does not fit, never gets
            # here: the look-ahead rules out the versions that ask for them.
            mask = package.all_mask
            constraints: set[str] = set()
            for _, requirement in infos:
                mask &= self.mask(requirement)
                constraints.add(requirement.constraint)
            if not mask:
                parts.append(f"{needs}; {self.has(key)} ({explain.no_fit(len(constraints))})")
            else:
                parts.append(f"{needs}; {self.explain_dead(package, mask, allow_indirect)}")
        return "; ".join(parts)

    def explain_dead(self, package: Package, mask: int, allow_indirect: bool = False) -> str:
        """Why none of the versions in ``mask`` can be used, grouped by cause."""
        groups: dict[tuple[str, str], list[tuple[Candidate, Reason]]] = {}
        blocked: list[Candidate] = []
        for candidate in reversed(package.candidates):
            if not mask >> candidate.index & 1:
                continue
            reason = self.dead(candidate)
            if reason is None:
                blocked.append(candidate)
            else:
                groups.setdefault((reason.kind, reason.requirement.key), []).append(
                    (candidate, reason)
                )
        parts = []
        for (kind, key), members in groups.items():
            if members[0][0] is self.root_candidate:
                subject, verb = self.who(self.root_candidate), "needs"
            else:
                subject, verb = explain.who(package.name, [c.version for c, _ in members])
            dependency = members[0][1].requirement.name
            constraints = list(dict.fromkeys(r.requirement.constraint for _, r in members))
            wanted = f"{dependency} {explain.summarize_constraints(constraints)}"
            if kind == "missing":
                parts.append(f"{subject} {verb} {wanted}, but {explain.missing(dependency)}")
            elif kind == "invalid":
                parts.append(
                    f"{subject} declares {dependency} {constraints[0]!r}, which does not parse"
                )
            else:
                parts.append(f"{subject} {verb} {wanted}; {self.has(key)} ({explain.no_fit(1)})")
        if blocked:
            versions = [c.version for c in blocked]
            subject = f"{package.name} {explain.summarize_versions(versions)}"
            fits = "fits" if len(versions) == 1 else "fit"
            clash = self._direct_clash() if allow_indirect else None
            if clash:
                parts.append(f"{subject} {fits}, but the choices it leads to clash: {clash}")
            else:
                parts.append(f"{subject} {fits}, but clashes with the other choices")
        return "; ".join(parts)

    def explain_pair(
        self,
        left: Package,
        right: Package,
        forced: dict[str, int],
        required: dict[str, Requirement],
        clashes: set[str],
    ) -> str:
        lefts = list(self.alive(left, forced[left.key]))
        rights = list(self.alive(right, forced[right.key]))
        lines: list[str] = []
        if len(clashes) == 1 and (key := next(iter(clashes))) not in (left.key, right.key):
            # Both are there only because the root asked for them: say so first.
            wanted = " and ".join(
                f"{required[p.key].name} {explain.show_constraint(required[p.key].constraint)}"
                for p in (left, right)
            )
            lines.append(f"{self.who(self.root_candidate)} needs {wanted}")
        elif len(clashes) != 1:
            versions = {
                p.name: explain.summarize_versions([c.version for c in reversed(cs)])
                for p, cs in ((left, lefts), (right, rights))
            }
            return (
                f"{self.who(self.root_candidate)} needs {left.name} and {right.name}, but no "
                f"version of {left.name} ({versions[left.name]}) works with any version of "
                f"{right.name} ({versions[right.name]}); they clash over "
                + ", ".join(sorted(self.packages[k].name for k in clashes))
            )
        sources = 0
        if key in required:
            sources += 1
            requirement = required[key]
            lines.append(
                f"{self.who(self.root_candidate)} needs {requirement.name} "
                f"{explain.show_constraint(requirement.constraint)}"
            )
        for package, candidates in ((left, lefts), (right, rights)):
            if package.key == key:
                continue
            # Every pair clashes over ``key``, so every version on this side asks for it.
            sources += 1
            lines.append(self._needs_grouped(package, candidates, key))
        lines.append(f"{self.has(key)} ({explain.no_fit(sources)})")
        return "; ".join(lines)

    def _needs_grouped(self, package: Package, candidates: list[Candidate], key: str) -> str:
        """``mid 1.0.0 … 1.9.0 (10 versions) need base <2`` for the versions that ask."""
        asking = []
        constraints: list[str] = []
        name = key
        for candidate in reversed(candidates):
            for requirement in self.dependencies_of(candidate):
                if requirement.key == key:
                    asking.append(candidate.version)
                    name = requirement.name
                    if requirement.constraint not in constraints:
                        constraints.append(requirement.constraint)
        subject, verb = explain.who(package.name, asking)
        return f"{subject} {verb} {name} {explain.summarize_constraints(constraints)}"


def resolve_transitive(
    root: PluginManifest, provider: DependencyProvider, *, max_rounds: int, timeout_ms: int
) -> dict[str, str]:
    """One version per plugin of the closure of ``root`` (root excluded)."""
    return Session(root, provider, max_rounds=max_rounds, timeout_ms=timeout_ms).run()
