"""A dependency tree laid out as rows, so templates draw it with a loop, not recursion.

Each row says how deep it is, whether it opens a nested list (``expanded``) and how many
nested lists close after it (``closes``), which is all a template needs to write nested
``<details>``/``<ul>`` elements. A subtree already drawn is not drawn again: its later
occurrences are rows that point back at the first (``repeat_of``), as ``npm ls`` marks
"deduped", which keeps a diamond-heavy tree as long as the graph, not exponential.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from marketplace_site.types import DependencyNode, canonical_name

MAX_ROWS = 1000
OPEN_DEPTH = 3


@dataclass(frozen=True)
class TreeRow:
    node: DependencyNode
    depth: int
    anchor: str
    expanded: bool
    repeat_of: str
    closes: range
    # Why a node has no version: "unpublished" (no such plugin) or "unsatisfied".
    missing: str

    @property
    def open(self) -> bool:
        return self.depth < OPEN_DEPTH


@dataclass(frozen=True)
class TreeLayout:
    rows: list[TreeRow]
    truncated: bool
    plugins: int
    missing: int
    cycles: int


def lay_out(
    tree: DependencyNode,
    *,
    is_published: Callable[[str], bool] | None = None,
    max_rows: int = MAX_ROWS,
    prefix: str = "dep",
) -> TreeLayout:
    """The rows of ``tree`` in document order, at most ``max_rows`` of them."""
    drafts: list[tuple[DependencyNode, int, bool, str]] = []
    first_seen: dict[tuple[str, str | None], str] = {}
    names: set[str] = set()
    missing: set[str] = set()
    cycles = 0
    stack: list[tuple[DependencyNode, int]] = [(tree, 0)]
    truncated = False
    while stack:
        if len(drafts) >= max_rows:
            truncated = True
            break
        node, depth = stack.pop()
        key = (canonical_name(node.name), node.version)
        if depth:
            names.add(key[0])
        if node.version is None:
            missing.add(key[0])
        cycles += node.cycle
        repeat_of = first_seen.get(key, "") if node.children else ""
        expanded = bool(node.children) and not repeat_of
        if expanded:
            first_seen[key] = f"{prefix}-{len(drafts)}"
            stack.extend((child, depth + 1) for child in reversed(node.children))
        drafts.append((node, depth, expanded, repeat_of))

    names.discard(canonical_name(tree.name))
    rows = []
    for index, (node, depth, expanded, repeat_of) in enumerate(drafts):
        next_depth = drafts[index + 1][1] if index + 1 < len(drafts) else 0
        reason = ""
        if node.version is None:
            published = is_published(node.name) if is_published is not None else False
            reason = "unsatisfied" if published else "unpublished"
        rows.append(
            TreeRow(
                node=node,
                depth=depth,
                anchor=f"{prefix}-{index}",
                expanded=expanded,
                repeat_of=repeat_of,
                closes=range(depth + expanded - next_depth),
                missing=reason,
            )
        )
    return TreeLayout(
        rows=rows, truncated=truncated, plugins=len(names), missing=len(missing), cycles=cycles
    )
