"""Conflicts that every version shares, found before any version is tried (PubGrub's idea).

PubGrub (Natalie Weizenbaum, 2018; the solver of Dart's pub, Poetry and uv) learns
incompatibilities about whole ranges of versions instead of trying them one at a time. This
module derives the simplest and most useful kind, to a fixed point, before the search:

* a plugin is *required* when the root needs it, or when every version still possible of a
  required plugin needs it;
* a required plugin can only take versions that some possible version of each required
  dependent accepts (the union of their constraints), so its *domain* narrows;
* a version whose own dependency has nothing left in that dependency's domain is dropped.

When a required plugin's domain becomes empty, no answer exists, whatever the search would
try, and the explanation names the path from the root to each side of the clash. When the
domains stay non-empty they are handed to the search, which then never tries a version
already ruled out: 100 versions of ``a`` and 100 of ``b`` that all lead to one clash are
answered in one pass instead of 10,000 tries.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, NamedTuple

from marketplace_site.types import ResolutionError
from resolver import explain

if TYPE_CHECKING:
    from resolver.candidates import Candidate
    from resolver.transitive import Session


class Need(NamedTuple):
    """``parent``'s possible ``versions`` all need plugin ``key`` (``name`` as written)."""

    parent: str
    versions: tuple[Candidate, ...]
    key: str
    name: str
    constraints: tuple[str, ...]
    allowed: int


class Propagation:
    """Required plugins and their possible versions (bit masks), to a fixed point."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.domain: dict[str, int] = {session.root_key: 1}
        self.via: dict[str, Need] = {}  # the first reason each plugin is required
        self.limits: dict[str, list[Need]] = {}  # every narrowing of a domain
        self.dependents: dict[str, set[str]] = {}
        self.stuck = False  # a required plugin lost every version: left to the search

    def run(self) -> dict[str, int]:
        """The domains, or {} when the search should decide unaided; raises
        ``ResolutionError`` when a required plugin is left without a possible version."""
        root = self.session.root_key
        queue: deque[str] = deque([root])
        queued = {root}
        while queue and not self.stuck:
            key = queue.popleft()
            queued.discard(key)
            for changed in self.visit(key):
                if changed not in queued:
                    queued.add(changed)
                    queue.append(changed)
        return {} if self.stuck else self.domain

    def visit(self, key: str) -> list[str]:
        """Narrow ``key``'s domain and its dependencies'; the plugins to visit again."""
        session = self.session
        session.tick()
        package = session.packages[key]
        alive = list(session.alive(package, self.domain[key]))
        if not alive:
            self.stuck = True
            return []
        again: list[str] = []
        common = set(session.dependency_masks(alive[0]))
        for candidate in alive[1:]:
            common &= session.dependency_masks(candidate).keys()
        for dep in sorted(common, key=lambda k: self._order(alive[0], k)):
            need = self._need(key, alive, dep)
            self.dependents.setdefault(dep, set()).add(key)
            new = dep not in self.domain
            current = session.packages[dep].all_mask if new else self.domain[dep]
            narrowed = current & need.allowed
            if new:
                self.via[dep] = need
            if narrowed != current:
                self.limits.setdefault(dep, []).append(need)
            if narrowed != current or new:
                self.domain[dep] = narrowed
                if not narrowed:
                    raise ResolutionError(self.explain(dep))
                again.append(dep)
                again.extend(d for d in self.dependents.get(dep, ()) if d != key)
        # A version whose dependency has nothing left in that dependency's domain is out.
        mask = 0
        for candidate in alive:
            masks = session.dependency_masks(candidate)
            if all(bits & self.domain.get(dep, bits) for dep, bits in masks.items()):
                mask |= 1 << candidate.index
        if not mask:
            self.stuck = True  # the search explains it, version by version
            return []
        if mask != self.domain[key]:
            self.domain[key] = mask
            again.extend([key, *self.dependents.get(key, ())])
        return again

    def _order(self, candidate: Candidate, dep: str) -> int:
        """Dependencies in the order the dependent declared them."""
        for position, requirement in enumerate(self.session.dependencies_of(candidate)):
            if requirement.key == dep:
                return position
        return 0  # pragma: no cover - ``dep`` came from this candidate's own masks

    def _need(self, parent: str, alive: list[Candidate], dep: str) -> Need:
        allowed = 0
        constraints: list[str] = []
        name = dep
        for candidate in alive:
            allowed |= self.session.dependency_masks(candidate)[dep]
            for requirement in self.session.dependencies_of(candidate):
                if requirement.key == dep:
                    name = requirement.name
                    if requirement.constraint not in constraints:
                        constraints.append(requirement.constraint)
        return Need(parent, tuple(alive), dep, name, tuple(constraints), allowed)

    def line(self, need: Need) -> str:
        """``a 1.0.0 … 1.99.0 (100 versions) need c *`` or ``app 1.0.0 needs a *``."""
        session = self.session
        wanted = f"{need.name} {explain.summarize_constraints(list(need.constraints))}"
        if need.parent == session.root_key:
            return f"{explain.version_of(session, session.root_candidate)} needs {wanted}"
        versions = [c.version for c in reversed(need.versions)]
        subject, verb = explain.who(session.packages[need.parent].name, versions)
        return f"{subject} {verb} {wanted}"

    def path(self, key: str, seen: set[str] | None = None) -> list[str]:
        """The chain of needs from the root down to ``key`` (exclusive of ``key``'s own)."""
        seen = seen if seen is not None else set()
        if key == self.session.root_key or key in seen or key not in self.via:
            return []
        seen.add(key)
        need = self.via[key]
        return [*self.path(need.parent, seen), self.line(need), *self.ruled_out(need)]

    def ruled_out(self, need: Need) -> list[str]:
        """Why versions the constraint admits cannot be used (their own needs fail)."""
        session = self.session
        package = session.packages[need.key]
        dead = 0
        for candidate in package.candidates:
            if need.allowed >> candidate.index & 1 and session.dead(candidate) is not None:
                dead |= 1 << candidate.index
        return [explain.explain_dead(session, package, dead)] if dead else []

    def explain(self, key: str) -> str:
        """The paths to every side that narrowed ``key``, then what ``key`` has."""
        lines: list[str] = []
        # A dependent visited again narrowed once more: its latest need says it all.
        latest = {need.parent: need for need in self.limits.get(key, [])}
        needs = list(latest.values())
        for need in needs:
            for text in [*self.path(need.parent), self.line(need)]:
                if text not in lines:
                    lines.append(text)
        return "; ".join(
            [*lines, f"{explain.has(self.session, key)} ({explain.no_fit(len(needs))})"]
        )
