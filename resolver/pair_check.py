"""The pair check: two plugins the root needs that clash in every pair of their versions.

Run before the search: when every version of one clashes with every version of the other,
the answer is known without a quadratic search, and the explanation names both sides.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from marketplace_site.types import ResolutionError
from resolver import explain
from resolver.candidates import ALL, Candidate, Package, Requirement

if TYPE_CHECKING:
    from resolver.transitive import Session

# The pair check gives up (and leaves the search to resolvelib) past this many version pairs.
PAIR_CHECK_LIMIT = 200_000


def check_pairs(session: Session) -> None:
    """Fail at once when two plugins the root needs conflict in every pair of versions."""
    forced: dict[str, int] = {session.root_key: 1}
    required: dict[str, Requirement] = {}
    for requirement in session.dependencies_of(session.root_candidate):
        forced[requirement.key] = forced.get(requirement.key, ALL) & session.mask(requirement)
        required.setdefault(requirement.key, requirement)
    keys = sorted(k for k in required if k != session.root_key)
    budget = PAIR_CHECK_LIMIT
    for i, left_key in enumerate(keys):
        for right_key in keys[i + 1 :]:
            pairs = forced[left_key].bit_count() * forced[right_key].bit_count()
            if pairs > budget:
                return
            budget -= pairs
            left, right = session.packages[left_key], session.packages[right_key]
            clashes: set[str] = set()
            if _no_pair_fits(session, left, right, forced, clashes):
                raise ResolutionError(explain_pair(session, left, right, forced, required, clashes))


def _no_pair_fits(
    session: Session, left: Package, right: Package, forced: dict[str, int], clashes: set[str]
) -> bool:
    """True when every pair of live versions clashes; ``clashes`` gets the plugins
    they clash over. False when some pair may work or a side has no live version
    (resolvelib then reports that side directly)."""
    # Lazily: the newest pair usually fits, and then nothing else is loaded.
    rights: list[Candidate] = []
    right_iter = session.alive(right, forced[right.key])

    def right_versions() -> Iterator[Candidate]:
        yield from rights
        for candidate in right_iter:
            rights.append(candidate)
            yield candidate

    any_left = False
    for x in session.alive(left, forced[left.key]):
        any_left = True
        for y in right_versions():
            clash = pair_conflict(session, x, y, forced)
            if clash is None:
                return False
            clashes.add(clash)
    return any_left and bool(rights)


def pair_conflict(
    session: Session, x: Candidate, y: Candidate, forced: dict[str, int]
) -> str | None:
    """The plugin over which ``x`` and ``y`` clash (None when they may coexist)."""
    dx, dy = session.dependency_masks(x), session.dependency_masks(y)
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


def explain_pair(
    session: Session,
    left: Package,
    right: Package,
    forced: dict[str, int],
    required: dict[str, Requirement],
    clashes: set[str],
) -> str:
    lefts = list(session.alive(left, forced[left.key]))
    rights = list(session.alive(right, forced[right.key]))
    lines: list[str] = []
    if len(clashes) == 1 and (key := next(iter(clashes))) not in (left.key, right.key):
        # Both are there only because the root asked for them: say so first.
        wanted = " and ".join(
            f"{required[p.key].name} {explain.show_constraint(required[p.key].constraint)}"
            for p in (left, right)
        )
        lines.append(f"{explain.version_of(session, session.root_candidate)} needs {wanted}")
    elif len(clashes) != 1:
        versions = {
            p.name: explain.summarize_versions([c.version for c in reversed(cs)])
            for p, cs in ((left, lefts), (right, rights))
        }
        root = explain.version_of(session, session.root_candidate)
        return (
            f"{root} needs {left.name} and {right.name}, but no "
            f"version of {left.name} ({versions[left.name]}) works with any version of "
            f"{right.name} ({versions[right.name]}); they clash over "
            + ", ".join(sorted(session.packages[k].name for k in clashes))
        )
    sources = 0
    if key in required:
        sources += 1
        requirement = required[key]
        lines.append(
            f"{explain.version_of(session, session.root_candidate)} needs {requirement.name} "
            f"{explain.show_constraint(requirement.constraint)}"
        )
    for package, candidates in ((left, lefts), (right, rights)):
        if package.key == key:
            continue
        # Every pair clashes over ``key``, so every version on this side asks for it.
        sources += 1
        lines.append(_needs_grouped(session, package, candidates, key))
    lines.append(f"{explain.has(session, key)} ({explain.no_fit(sources)})")
    return "; ".join(lines)


def _needs_grouped(
    session: Session, package: Package, candidates: list[Candidate], key: str
) -> str:
    """``mid 1.0.0 … 1.9.0 (10 versions) need base <2`` for the versions that ask."""
    asking = []
    constraints: list[str] = []
    name = key
    for candidate in reversed(candidates):
        for requirement in session.dependencies_of(candidate):
            if requirement.key == key:
                asking.append(candidate.version)
                name = requirement.name
                if requirement.constraint not in constraints:
                    constraints.append(requirement.constraint)
    subject, verb = explain.who(package.name, asking)
    return f"{subject} {verb} {name} {explain.summarize_constraints(constraints)}"
