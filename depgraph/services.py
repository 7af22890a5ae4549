"""The dependency graph: trees, cycles, install order, and the reverse-dependency index.

``DependencyGraphService`` implements the ``DependencyGraph`` Protocol of CONTRACTS.md over
a ``GraphProvider``: it never reads another app's tables. It walks the provider from the
roots, following each dependency to ``provider.chosen_version(dependency, constraint)``.
Cycles and strongly connected components come from networkx; the install order is
networkx's lexicographical topological order, computed on the walk's dictionaries for speed
(the tests check that the two agree). Nothing here recurses: chains thousands deep are fine.

Names: plugins are told apart by ``canonical_name``; every answer spells a plugin as the
caller (for a root) or the first manifest met that names it wrote it. Ties are broken by the
canonical name, so answers do not depend on the order manifests list their dependencies.

``index_version`` / ``unindex_version`` keep ``DependencyEdge`` in step with publish and
remove; the integration layer calls them inside its transaction.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

import networkx as nx
from django.db import transaction

from depgraph.models import DependencyEdge
from marketplace_site.types import (
    CircularDependencyError,
    DependencyNode,
    GraphProvider,
    PluginManifest,
    canonical_name,
    parse_any_version,
    version_key,
)


class Edge(NamedTuple):
    """One declared dependency, and the version the provider chose for it (None: missing)."""

    name: str
    canonical: str
    constraint: str
    version: str | None


@dataclass
class Walk:
    """Everything reachable from some roots, at the provider's chosen versions.

    One node per plugin (canonical name); ``successors`` maps each to its dependencies.
    ``edges`` holds the declared dependencies of each (plugin, version) met.
    """

    roots: list[str]
    labels: dict[str, str] = field(default_factory=dict)
    versions: dict[str, set[str]] = field(default_factory=dict)
    missing: set[str] = field(default_factory=set)
    successors: dict[str, set[str]] = field(default_factory=dict)
    edges: dict[tuple[str, str], tuple[Edge, ...]] = field(default_factory=dict)

    def label(self, canonical: str) -> str:
        return self.labels[canonical]

    @cached_property
    def graph(self) -> nx.DiGraph[str]:
        """The walk as a networkx graph, built in name order so traversals are deterministic."""
        graph: nx.DiGraph[str] = nx.DiGraph()
        graph.add_nodes_from(sorted(self.successors))
        graph.add_edges_from(
            (source, target)
            for source in sorted(self.successors)
            for target in sorted(self.successors[source])
        )
        return graph

    def cyclic_plugins(self) -> set[str]:
        """Plugins on some cycle (a self-dependency counts): their subtrees depend on the path."""
        cyclic = {node for node, targets in self.successors.items() if node in targets}
        for component in nx.strongly_connected_components(self.graph):
            if len(component) > 1:
                cyclic.update(component)
        return cyclic

    def first_cycle(self) -> list[str] | None:
        """The first cycle a depth-first search from the roots meets, as a closed path."""
        try:
            cycle = nx.find_cycle(self.graph, source=self.roots)
        except nx.NetworkXNoCycle:
            return None
        path = [self.label(source) for source, _target in cycle]
        return [*path, path[0]]

    def topological_order(self) -> list[str] | None:
        """Dependencies before dependents, ties broken by name; None on a cycle.

        What ``nx.lexicographical_topological_sort`` gives on the reversed graph (the tests
        check that it is), done on the walk's dictionaries: building a networkx graph of
        50,000 edges would cost more than sorting it.
        """
        waiting = {node: len(targets) for node, targets in self.successors.items()}
        dependents: dict[str, list[str]] = {node: [] for node in self.successors}
        for node, targets in self.successors.items():
            for target in targets:
                dependents[target].append(node)
        ready = [node for node, count in waiting.items() if count == 0]
        heapq.heapify(ready)
        order = []
        while ready:
            node = heapq.heappop(ready)
            order.append(node)
            for dependent in dependents[node]:
                waiting[dependent] -= 1
                if waiting[dependent] == 0:
                    heapq.heappush(ready, dependent)
        return order if len(order) == len(waiting) else None

    def order(self) -> list[str]:
        """Dependencies before dependents, ties by name; plugins on a cycle kept together.

        A cycle has no topological order: its members come together, by name, at the place
        the whole cycle would take.
        """
        order = self.topological_order()
        if order is not None:
            return order
        condensed = nx.condensation(self.graph)
        members: dict[int, list[str]] = {
            node: sorted(data["members"]) for node, data in condensed.nodes(data=True)
        }
        components = nx.lexicographical_topological_sort(
            condensed.reverse(copy=False), key=lambda node: members[node][0]
        )
        return [name for component in components for name in members[component]]


class TreeTooLarge(Exception):
    """A full tree would have more nodes than the caller allowed (plugins in a big cycle)."""

    def __init__(self, name: str, max_nodes: int) -> None:
        self.name = name
        self.max_nodes = max_nodes
        super().__init__(
            f"The dependency tree of {name} has more than {max_nodes} nodes: its "
            "dependencies form large cycles."
        )


class DependencyGraphService:
    """Implements the ``DependencyGraph`` Protocol of CONTRACTS.md over a ``GraphProvider``.

    ``find_cycle()`` and ``topological_order()`` without names cover every plugin: the
    provider's ``names()`` when it has that method, else every plugin in this app's
    dependency index (which leaves out plugins that neither depend nor are depended on).
    """

    def __init__(self, provider: GraphProvider) -> None:
        self.provider = provider

    # ------------------------------------------------------------------ the Protocol

    def build_tree(
        self, name: str, version: str | None = None, *, max_nodes: int | None = None
    ) -> DependencyNode:
        """The full dependency tree of ``name`` at ``version`` (default: the chosen one).

        A plugin already on the path from the root appears once more as a leaf with
        ``cycle=True``; a dependency that nothing satisfies is a leaf with ``version=None``.
        Children are ordered by name. Subtrees that cannot meet a cycle are built once and
        shared between the places they appear (the nodes are immutable), so a graph without
        cycles costs time in proportion to its size. Inside a cycle a subtree depends on the
        path above it, and plugins that all depend on one another have a number of paths
        that grows with the factorial of their number: past ``max_nodes`` distinct nodes,
        ``TreeTooLarge`` (use ``outline`` then).
        """
        return self._tree(name, version, outline=False, max_nodes=max_nodes)

    def outline(self, name: str, version: str | None = None) -> DependencyNode:
        """``build_tree`` with each (plugin, version) expanded once, whatever its path.

        A later occurrence shares the children built at the first (so it reads as "shown
        above"), which keeps the outline as small as the graph even inside big cycles.
        Without cycles it equals ``build_tree``.
        """
        return self._tree(name, version, outline=True, max_nodes=None)

    def _tree(
        self, name: str, version: str | None, *, outline: bool, max_nodes: int | None
    ) -> DependencyNode:
        if version is None:
            version = self.provider.chosen_version(name, None)
        if version is None:
            return DependencyNode(name=name, version=None, constraint=None)
        walk = self.walk([(name, version)])
        root = walk.roots[0]
        cyclic = set() if outline else walk.cyclic_plugins()
        shared: dict[tuple[str, str], tuple[DependencyNode, ...]] = {}
        built_nodes = 0

        # Depth-first, with an explicit stack of frames: each frame is one expanded node,
        # its children to build and the children built so far.
        frames: list[tuple[Edge, tuple[Edge, ...], list[DependencyNode]]] = []
        on_path: set[str] = set()

        def push(edge: Edge, version: str) -> None:
            frames.append((edge, walk.edges[(edge.canonical, version)], []))
            on_path.add(edge.canonical)

        push(Edge(name, root, "", version), version)
        while True:
            edge, children, built = frames[-1]
            if len(built) < len(children):
                built_nodes += 1
                if max_nodes is not None and built_nodes > max_nodes:
                    raise TreeTooLarge(name, max_nodes)
                child = children[len(built)]
                if child.canonical in on_path:
                    built.append(self._leaf(child, cycle=True))
                elif child.version is None:
                    built.append(self._leaf(child))
                elif (child.canonical, child.version) in shared:
                    built.append(self._node(child, shared[(child.canonical, child.version)]))
                else:
                    push(child, child.version)
                continue
            frames.pop()
            on_path.discard(edge.canonical)
            assert edge.version is not None  # noqa: S101 - only resolved nodes are expanded
            subtree = tuple(built)
            if edge.canonical not in cyclic:
                shared[(edge.canonical, edge.version)] = subtree
            if not frames:
                return DependencyNode(name=name, version=version, constraint=None, children=subtree)
            frames[-1][2].append(self._node(edge, subtree))

    def find_cycle(self, name: str | None = None) -> list[str] | None:
        """A cycle reachable from ``name`` (from every plugin when None), as a closed path.

        Deterministic: the first cycle met by a depth-first search that takes dependencies
        in name order, starting where the search re-entered it (["b", "c", "b"] for
        a -> b -> c -> b). None when there is no cycle.
        """
        roots = [name] if name is not None else self.all_names()
        return self.walk([(root, None) for root in roots], keep_edges=False).first_cycle()

    def topological_order(self, names: Sequence[str] | None = None) -> list[str]:
        """``names`` and everything they depend on, dependencies first, ties broken by name.

        Without ``names``, every plugin. ``CircularDependencyError`` carries the cycle.
        """
        roots = list(names) if names is not None else self.all_names()
        walk = self.walk([(root, None) for root in roots], keep_edges=False)
        order = walk.topological_order()
        if order is None:
            cycle = walk.first_cycle()
            assert cycle is not None  # noqa: S101 - the order is cut short only by a cycle
            raise CircularDependencyError(cycle)
        return [walk.label(node) for node in order]

    def flatten(self, name: str, version: str | None = None) -> list[str]:
        """Every transitive dependency of ``name`` once, dependencies first, root excluded.

        Missing dependencies are included (they are still dependencies). On a cycle this
        does not raise: the members of the cycle come together, by name.
        """
        walk = self.walk([(name, version)], keep_edges=False)
        root = walk.roots[0]
        return [walk.label(node) for node in walk.order() if node != root]

    # ------------------------------------------------------------------ the walk

    def all_names(self) -> list[str]:
        """Every plugin, for the questions asked "anywhere"."""
        names: Callable[[], Iterable[str]] | None = getattr(self.provider, "names", None)
        if callable(names):
            return sorted(names(), key=canonical_name)
        return indexed_names()

    def walk(self, roots: Iterable[tuple[str, str | None]], *, keep_edges: bool = True) -> Walk:
        """Follow the provider from each (name, version) root; version None means chosen.

        ``keep_edges=False`` skips recording each version's edges (only trees need them).
        """
        provider = self.provider
        walk = Walk(roots=[])
        labels, versions, missing, edges = walk.labels, walk.versions, walk.missing, walk.edges
        successors = walk.successors
        # (name as written, constraint) -> (canonical name, chosen version): one provider
        # call per distinct dependency declaration, however many plugins declare it.
        resolved: dict[tuple[str, str], tuple[str, str | None]] = {}
        seen: set[tuple[str, str | None]] = set()
        pending: list[tuple[str, str, str]] = []

        def meet(name: str, node: str, version: str | None) -> None:
            seen.add((node, version))
            if node not in labels:
                labels[node] = name
                versions[node] = set()
                successors[node] = set()
            if version is None:
                missing.add(node)
            else:
                versions[node].add(version)
                pending.append((name, node, version))

        for name, version in roots:
            node = canonical_name(name)
            walk.roots.append(node)
            state = (node, version or provider.chosen_version(name, None))
            if state not in seen:
                meet(name, *state)

        while pending:
            name, node, version = pending.pop()
            found: list[Edge] = []
            targets = successors[node]
            for dependency, constraint in self._dependencies(name, version).items():
                declared = (dependency, constraint)
                if declared in resolved:
                    state = resolved[declared]
                else:
                    state = resolved[declared] = (
                        canonical_name(dependency),
                        provider.chosen_version(dependency, constraint),
                    )
                if state not in seen:
                    meet(dependency, *state)
                targets.add(state[0])
                if keep_edges:
                    found.append(Edge(dependency, state[0], constraint, state[1]))
            if keep_edges:
                found.sort(key=lambda edge: (edge.canonical, edge.name))
                edges[(node, version)] = tuple(found)

        return walk

    def _dependencies(self, name: str, version: str) -> Mapping[str, str]:
        try:
            return self.provider.dependencies(name, version)
        except LookupError:
            # A provider that raises for an unknown version (the registry returns {}).
            return {}

    @staticmethod
    def _leaf(edge: Edge, *, cycle: bool = False) -> DependencyNode:
        return DependencyNode(
            name=edge.name, version=edge.version, constraint=edge.constraint, cycle=cycle
        )

    @staticmethod
    def _node(edge: Edge, children: tuple[DependencyNode, ...]) -> DependencyNode:
        return DependencyNode(
            name=edge.name, version=edge.version, constraint=edge.constraint, children=children
        )


# The edge index: the reverse dependencies, one row per published version and dependency.


def _same_version(a: str, b: str) -> bool:
    """Version precedence equality (``1.0`` is ``1.0.0``, but ``1.0.0-0``, a SemVer
    pre-release, is not ``1.0.0.post0``), by the key the registry orders versions with."""
    if a == b:
        return True
    parsed_a, parsed_b = parse_any_version(a), parse_any_version(b)
    if parsed_a is None or parsed_b is None:
        return False
    return version_key(parsed_a) == version_key(parsed_b)


def _indexed_versions(canonical: str, version: str) -> list[str]:
    stored = DependencyEdge.objects.filter(plugin_name=canonical).values_list("version", flat=True)
    return [v for v in set(stored) if _same_version(v, version)]


def _edges_of(name: str, version: str, dependencies: Mapping[str, str]) -> list[DependencyEdge]:
    canonical = canonical_name(name)
    return [
        DependencyEdge(
            plugin_name=canonical,
            plugin_display_name=name,
            version=version,
            dependency_name=canonical_name(dependency),
            dependency_display_name=dependency,
            constraint=constraint,
        )
        for dependency, constraint in dependencies.items()
    ]


def index_version(*, name: str, version: str, dependencies: Mapping[str, str]) -> None:
    """Record the dependencies of a published version, replacing any earlier record of it."""
    canonical = canonical_name(name)
    with transaction.atomic():
        stale = _indexed_versions(canonical, version)
        if stale:
            DependencyEdge.objects.filter(plugin_name=canonical, version__in=stale).delete()
        DependencyEdge.objects.bulk_create(_edges_of(name, version, dependencies))


def unindex_version(*, name: str, version: str) -> None:
    """Forget the dependencies of a removed version (``1.0`` also matches ``1.0.0``)."""
    canonical = canonical_name(name)
    stale = _indexed_versions(canonical, version)
    if stale:
        DependencyEdge.objects.filter(plugin_name=canonical, version__in=stale).delete()


def rebuild_edges(manifests: Iterable[PluginManifest]) -> int:
    """Replace the whole index with the edges of ``manifests``; the number of edges stored."""
    with transaction.atomic():
        DependencyEdge.objects.all().delete()
        edges = [
            edge
            for manifest in manifests
            for edge in _edges_of(manifest.name, manifest.version, manifest.dependencies)
        ]
        DependencyEdge.objects.bulk_create(edges, batch_size=1000)
    return len(edges)


def indexed_names() -> list[str]:
    """Every plugin that has an indexed dependency, by canonical name, as it spells itself."""
    rows = (
        DependencyEdge.objects.order_by("plugin_name")
        .values_list("plugin_name", "plugin_display_name")
        .distinct()
    )
    names: dict[str, str] = {}
    for canonical, display in rows:
        names.setdefault(canonical, display)
    return list(names.values())
