"""The one-pass answer tried before any search: newest versions, breadth-first from the root.

Most real graphs are settled by it (every package version of the lockfile extracts in
``tests/data`` but a few); when it fails, ``resolver.transitive`` goes on with the pair check,
resolvelib and the propagation.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from typing import TYPE_CHECKING

from marketplace_site.types import InvalidConstraint
from resolver.candidates import ALL, Candidate

if TYPE_CHECKING:
    from resolver.transitive import Session

GREEDY_MOVES = 3  # times the one-pass answer may move a plugin down before leaving it


def one_pass(session: Session) -> dict[str, Candidate] | None:
    """One pass, newest first, breadth-first from the root: the answer when it works
    (most real graphs), else None and the search decides.

    Each plugin takes the highest version every requirement seen so far allows. A later
    requirement that rejects a choice moves that plugin down to the highest version all
    its requirements allow (a few times at most); the requirements the earlier choice
    made stay in force, which can only narrow the others. A final check of every edge
    keeps the answer one the search would accept.
    """
    root_key = session.root_key
    chosen: dict[str, Candidate] = {root_key: session.root_candidate}
    allowed: dict[str, int] = {root_key: 1}
    moves: dict[str, int] = {}
    queue: deque[str] = deque()
    parents = deque([session.root_candidate])
    while parents:
        parent = parents.popleft()
        for requirement in session.dependencies_of(parent):
            try:
                mask = session.mask(requirement)
            except InvalidConstraint:
                return None
            key = requirement.key
            if key not in allowed:
                queue.append(key)
            narrowed = allowed.get(key, ALL) & mask
            if not narrowed:
                return None
            allowed[key] = narrowed
            current = chosen.get(key)
            if current is not None and not narrowed >> current.index & 1:
                moves[key] = moves.get(key, 0) + 1
                if key == root_key or moves[key] > GREEDY_MOVES:
                    return None
                queue.append(key)
                del chosen[key]
        while queue and not parents:
            key = queue.popleft()
            if key in chosen:
                continue
            candidate = next(session.alive(session.packages[key], allowed[key]), None)
            if candidate is None:
                return None
            chosen[key] = candidate
            parents.append(candidate)
    return chosen if meets_every_edge(session, chosen) else None


def meets_every_edge(session: Session, chosen: Mapping[str, Candidate]) -> bool:
    """Every requirement of every chosen version is met by the version chosen for it."""
    for candidate in chosen.values():
        for requirement in session.dependencies_of(candidate):
            picked = chosen.get(requirement.key)
            if picked is None or not session.mask(requirement) >> picked.index & 1:
                return False
    return True
