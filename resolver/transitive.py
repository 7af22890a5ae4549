"""Transitive resolution: the resolvelib provider, the budget and the run.

resolvelib (pip's backtracking resolver) does the search. Around it:

* ``resolver.one_pass``: newest versions breadth-first, the answer for most real graphs;
* this module's ``Session`` keeps each plugin's versions once, highest first, and answers
  every "which versions fit these constraints" question with a bit mask per (plugin,
  constraint); a one-step look-ahead never offers a version whose own dependency cannot be
  met at all;
* ``resolver.pair_check``: two plugins the root needs that clash in every pair of versions;
* ``resolver.propagation``: clashes every version of a dependency shares, found before any
  version is tried, and the versions still possible, which bound the search;
* a budget (rounds and wall clock), past which the problem is reported as too complex;
* ``resolver.explain``: the wording of every failure, from the root down.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from typing import Any

from resolvelib import AbstractProvider, BaseReporter, ResolutionImpossible, Resolver
from resolvelib import ResolutionTooDeep as _TooDeep
from resolvelib.resolvers import Result
from resolvelib.resolvers.criterion import Criterion

from marketplace_site.types import (
    DependencyProvider,
    InvalidConstraint,
    PluginManifest,
    ResolutionError,
    SemVer,
    canonical_name,
)
from resolver import explain, one_pass, pair_check
from resolver.candidates import (
    ALL,
    Candidate,
    Info,
    Package,
    Reason,
    Requirement,
    read_package,
)
from resolver.constraints import Constraint, parse_constraint, pins_exactly
from resolver.propagation import Propagation
from resolver.versions import is_plain, parse_version, pinned_release_key, read_order
from resolver.versions import key as order_key

_ZERO = SemVer(0, 0, 0)
CLASH_MEMORY = 50  # rejected criteria kept for the explanation
# resolvelib alone answers most problems with few backtracks; past this many (or on
# failure) the propagation runs, and the search goes on within the domains it leaves.
FIRST_ATTEMPT_CONFLICTS = 8


class _Escalate(Exception):
    """The first, unaided search backtracked too often."""


class BudgetExceeded(Exception):
    """Raised from inside resolvelib's loop when the wall-clock budget is spent."""


class _Reporter(BaseReporter[Requirement, Candidate, str]):
    def __init__(self, session: Session) -> None:
        self.session = session

    def starting_round(self, index: int) -> None:
        self.session.rounds = self.session.round_offset + index + 1
        self.session.tick()

    def rejecting_candidate(
        self, criterion: Criterion[Requirement, Candidate], candidate: Candidate
    ) -> None:
        # resolvelib's final causes can be a consequence of an earlier clash; keep the
        # clashes themselves so the explanation can name the chain that really conflicts.
        self.session.clashes.append(list(criterion.information))
        del self.session.clashes[:-CLASH_MEMORY]

    def resolving_conflicts(self, causes: Collection[Info]) -> None:
        session = self.session
        session.conflicts += 1
        if not session.escalated and session.conflicts > FIRST_ATTEMPT_CONFLICTS:
            raise _Escalate  # time for the propagation: see Session.search


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
        self.round_offset = 0  # rounds of an earlier attempt
        self.conflicts = 0  # resolvelib's backtracks so far
        self.escalated = False  # the propagation has run
        self.root_key = canonical_name(root.name)
        self.packages: dict[str, Package] = {}
        self.names: dict[str, str] = {}
        self.clashes: list[list[Info]] = []
        self.domains: dict[str, int] = {}  # versions still possible, from the propagation
        root_version = parse_version(root.version) or _ZERO
        self.root_candidate = Candidate(
            self.root_key,
            root.version,
            order_key(root_version),
            0,
            is_plain(root_version),
            root_version,
        )
        self.packages[self.root_key] = Package(self.root_key, root.name, [self.root_candidate])

    def tick(self) -> None:
        if time.perf_counter() > self.deadline:
            raise BudgetExceeded

    def elapsed_ms(self) -> float:
        return (time.perf_counter() - self.started) * 1000

    def package(self, key: str, name: str) -> Package:
        package = self.packages.get(key)
        if package is None:
            self.tick()
            lookup = name
            versions = list(self.provider.versions(name))
            if not versions and name != key:
                lookup = key  # a provider that only knows canonical names
                versions = list(self.provider.versions(key))
            package = read_package(key, name, versions, lookup)
            package.yanked = self._yanked_mask(package)
            self.packages[key] = package
        return package

    def _yanked_mask(self, package: Package) -> int:
        """The package's yanked versions as bits, from a provider that knows them (its
        ``yanked(name)`` gives the yanked version strings; a provider without it has none)."""
        yanked_of = getattr(self.provider, "yanked", None)
        if yanked_of is None or not package.candidates:
            return 0
        keys = {keyed[0] for text in yanked_of(package.lookup) if (keyed := read_order(text))}
        mask = 0
        for candidate in package.candidates:
            if candidate.order in keys:
                mask |= 1 << candidate.index
        return mask

    def mask(self, requirement: Requirement) -> int:
        """The versions of the required plugin that meet the constraint, as bits."""
        mask = requirement.mask
        if mask is not None:
            return mask
        # Many versions declare the same (plugin, constraint): match it once per resolution.
        text = requirement.constraint
        package = self.packages.get(requirement.key)
        mask = None if package is None else package.masks.get(text)
        if mask is None:
            pinned = pinned_release_key(text)
            if pinned is not None:
                package = self.package(requirement.key, requirement.name)
                mask = package.plain.exact.get(pinned, 0)
                if package.special:  # X's local versions match ==X too: the full reading
                    mask |= _matching(parse_constraint(text), package.special)
            else:
                constraint = parse_constraint(text)
                package = self.package(requirement.key, requirement.name)
                plain = constraint.plain_mask(package.plain)
                if plain is None:
                    mask = _matching(constraint, package.candidates)
                else:
                    mask = plain | _matching(constraint, package.special)
            if package.yanked and not pins_exactly(text):
                mask &= ~package.yanked  # PEP 592: only an exact pin chooses a yanked version
            package.masks[text] = mask
        requirement.mask = mask
        return mask

    def dependencies_of(self, candidate: Candidate) -> tuple[Requirement, ...]:
        if candidate.deps is None:
            if candidate is self.root_candidate:
                raw: Mapping[str, str] = self.root.dependencies
            else:
                self.tick()
                package = self.packages[candidate.key]
                raw = self.provider.dependencies(package.lookup, candidate.version)
            names = self.names
            deps: list[Requirement] = []
            for name, constraint in raw.items():
                key = names.get(name)
                if key is None:
                    key = names[name] = canonical_name(name)
                deps.append(Requirement(key, name, constraint))
            candidate.deps = tuple(deps)
        return candidate.deps

    def dead(self, candidate: Candidate) -> Reason | None:
        """Why this version can never be part of an answer, or None if it may be."""
        if candidate._dead is not False:
            return candidate._dead  # type: ignore[return-value]
        reason: Reason | None = None
        deps = candidate.deps
        for requirement in self.dependencies_of(candidate) if deps is None else deps:
            mask = requirement.mask
            try:
                if mask is None:
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
                raise ResolutionError(explain.explain_dead(self, self.packages[self.root_key], 1))
            quick = one_pass.one_pass(self)
            if quick is not None:
                return self.answer(quick)
            pair_check.check_pairs(self)
            result = self.search()
        except ResolutionImpossible as error:
            raise ResolutionError(explain.explain_causes(self, list(error.causes))) from None
        except (_TooDeep, BudgetExceeded):
            raise ResolutionError(explain.too_complex(self)) from None
        return self.answer(result.mapping)

    def search(self) -> Result[Requirement, Candidate, str]:
        """resolvelib, first alone for a few rounds (most problems need no more), then, if it
        has not finished, after the propagation has settled what every version shares."""
        # The root's own requirements go in as top-level ones (parent None), as pip does;
        # pinning the root as a candidate makes every backjump reach back to it.
        requirements = self.dependencies_of(self.root_candidate)
        first_rounds = self.max_rounds // 2 or 1
        try:
            return Resolver(self, _Reporter(self)).resolve(requirements, max_rounds=first_rounds)
        except (ResolutionImpossible, _TooDeep, _Escalate):
            # resolvelib's optimistic backjumping can give up early on a solvable problem
            # when its round limit is small, so a failure here is not yet an answer.
            self.escalated = True
            self.domains = Propagation(self).run()  # raises when a shared clash is found
        self.round_offset = self.rounds
        if self.rounds >= self.max_rounds:
            raise _TooDeep(self.max_rounds)
        return Resolver(self, _Reporter(self)).resolve(
            requirements, max_rounds=self.max_rounds - self.rounds
        )

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


def _matching(constraint: Constraint, candidates: Iterable[Candidate]) -> int:
    """The bits of the candidates that meet ``constraint``, one ``contains`` at a time."""
    mask = 0
    for candidate in candidates:
        if constraint.contains(candidate.parsed):
            mask |= 1 << candidate.index
    return mask


def resolve_transitive(
    root: PluginManifest, provider: DependencyProvider, *, max_rounds: int, timeout_ms: int
) -> dict[str, str]:
    """One version per plugin of the closure of ``root`` (root excluded)."""
    return Session(root, provider, max_rounds=max_rounds, timeout_ms=timeout_ms).run()
