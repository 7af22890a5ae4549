"""The dependency graph over an in-memory provider: trees, cycles, order and flattening."""

import random
import sys
from collections.abc import Iterator

import networkx as nx
import pytest

from depgraph.services import DependencyGraphService, TreeTooLarge
from marketplace_site.types import CircularDependencyError, DependencyGraph, DependencyNode
from tests.depgraph.memory import MemoryProvider, simple


def service(graph: dict[str, list[str]]) -> DependencyGraphService:
    return DependencyGraphService(simple(graph))


def shape(node: DependencyNode) -> object:
    """A compact picture of a tree: (name, version, [children]) with "!" for a cycle leaf."""
    label = f"{node.name}{'!' if node.cycle else ''}@{node.version}"
    return (label, [shape(child) for child in node.children]) if node.children else label


def descend(node: DependencyNode) -> Iterator[DependencyNode]:
    """The first-child path from a node down to a leaf, without recursion."""
    while True:
        yield node
        if not node.children:
            return
        node = node.children[0]


def test_it_implements_the_contract_protocol() -> None:
    assert isinstance(service({}), DependencyGraph)


# ---------------------------------------------------------------------- build_tree


def test_a_diamond_shows_the_shared_dependency_under_each_parent() -> None:
    graph = service({"app": ["left", "right"], "left": ["base"], "right": ["base"], "base": []})
    assert shape(graph.build_tree("app")) == (
        "app@1.0.0",
        [("left@1.0.0", ["base@1.0.0"]), ("right@1.0.0", ["base@1.0.0"])],
    )


def test_the_tree_shows_each_constraint_and_the_version_it_resolved_to() -> None:
    provider = MemoryProvider(
        {
            "app": {"1.0.0": {"lib": ">=1,<2"}},
            "lib": {"1.0.0": {}, "1.5.0": {}, "2.0.0": {}},
        }
    )
    tree = DependencyGraphService(provider).build_tree("app")
    assert (tree.name, tree.version, tree.constraint) == ("app", "1.0.0", None)
    [lib] = tree.children
    assert (lib.name, lib.constraint, lib.version, lib.cycle) == ("lib", ">=1,<2", "1.5.0", False)


def test_without_a_version_the_tree_is_of_the_chosen_version() -> None:
    provider = MemoryProvider(
        {
            "app": {"1.0.0": {"old": "*"}, "2.0.0": {"new": "*"}},
            "old": {"1.0": {}},
            "new": {"1.0": {}},
        }
    )
    graph = DependencyGraphService(provider)
    assert shape(graph.build_tree("app")) == ("app@2.0.0", ["new@1.0"])
    assert shape(graph.build_tree("app", "1.0.0")) == ("app@1.0.0", ["old@1.0"])


def test_children_come_in_name_order_whatever_the_manifest_order() -> None:
    forward = MemoryProvider(
        {
            "app": {"1": {"b": "*", "a": "*", "C": "*"}},
            "a": {"1": {}},
            "b": {"1": {}},
            "c": {"1": {}},
        }
    )
    backward = MemoryProvider(
        {
            "app": {"1": {"C": "*", "a": "*", "b": "*"}},
            "a": {"1": {}},
            "b": {"1": {}},
            "c": {"1": {}},
        }
    )
    for provider in (forward, backward):
        tree = DependencyGraphService(provider).build_tree("app")
        assert [child.name for child in tree.children] == ["a", "b", "C"]


def test_a_missing_dependency_is_a_leaf_without_a_version() -> None:
    provider = MemoryProvider(
        {"app": {"1.0": {"ghost": "*", "lib": ">=2"}}, "lib": {"1.0": {"deep": "*"}}}
    )
    tree = DependencyGraphService(provider).build_tree("app")
    assert [(c.name, c.version, c.constraint, c.children) for c in tree.children] == [
        ("ghost", None, "*", ()),
        ("lib", None, ">=2", ()),
    ]


def test_an_unknown_root_is_a_single_node_without_a_version() -> None:
    tree = service({}).build_tree("nothing")
    assert tree == DependencyNode(name="nothing", version=None, constraint=None)


def test_an_unknown_version_of_the_root_has_no_children() -> None:
    tree = service({"app": ["lib"], "lib": []}).build_tree("app", "9.9.9")
    assert (tree.version, tree.children) == ("9.9.9", ())


def test_a_self_dependency_appears_once_more_as_a_cycle_leaf() -> None:
    tree = service({"loop": ["loop"]}).build_tree("loop")
    assert shape(tree) == ("loop@1.0.0", ["loop!@1.0.0"])


def test_a_two_cycle_is_finite_with_the_repeated_plugin_marked() -> None:
    tree = service({"a": ["b"], "b": ["a"]}).build_tree("a")
    assert shape(tree) == ("a@1.0.0", [("b@1.0.0", ["a!@1.0.0"])])


def test_a_three_cycle_below_the_root_is_cut_where_it_repeats() -> None:
    graph = service({"app": ["a"], "a": ["b"], "b": ["c"], "c": ["a", "leaf"], "leaf": []})
    assert shape(graph.build_tree("app")) == (
        "app@1.0.0",
        [("a@1.0.0", [("b@1.0.0", [("c@1.0.0", ["a!@1.0.0", "leaf@1.0.0"])])])],
    )


def test_a_cycle_reached_from_two_sides_is_cut_on_each_path() -> None:
    graph = service({"app": ["a", "b"], "a": ["b"], "b": ["a"]})
    assert shape(graph.build_tree("app")) == (
        "app@1.0.0",
        [("a@1.0.0", [("b@1.0.0", ["a!@1.0.0"])]), ("b@1.0.0", [("a@1.0.0", ["b!@1.0.0"])])],
    )


def test_a_chain_200_deep_builds_without_recursion() -> None:
    chain = {f"p{i:03d}": [f"p{i + 1:03d}"] for i in range(200)}
    tree = service({**chain, "p200": []}).build_tree("p000")
    nodes = list(descend(tree))
    assert len(nodes) == 201
    assert nodes[-1].name == "p200"
    assert all(len(node.children) == 1 for node in nodes[:-1])


def test_a_chain_deeper_than_the_recursion_limit_still_works() -> None:
    depth = sys.getrecursionlimit() + 500
    chain = {f"p{i}": [f"p{i + 1}"] for i in range(depth)}
    graph = service({**chain, f"p{depth}": []})
    assert len(list(descend(graph.build_tree("p0")))) == depth + 1
    assert graph.flatten("p0")[0] == f"p{depth}"
    assert graph.find_cycle("p0") is None


def test_repeated_subtrees_are_built_once_so_a_ladder_of_diamonds_stays_fast() -> None:
    # 40 stacked diamonds: 2**40 root-to-leaf paths, 121 plugins.
    ladder: dict[str, list[str]] = {}
    for level in range(40):
        ladder[f"top{level}"] = [f"l{level}", f"r{level}"]
        ladder[f"l{level}"] = ladder[f"r{level}"] = [f"top{level + 1}"]
    ladder["top40"] = []
    provider = simple(ladder)
    tree = DependencyGraphService(provider).build_tree("top0")
    left, right = tree.children
    assert left.children == right.children
    assert provider.calls < 1000


def test_names_are_matched_in_canonical_form() -> None:
    provider = MemoryProvider(
        {
            "App": {"1": {"My_Lib": "*", "other": "*"}},
            "my-lib": {"1": {}},
            "other": {"1": {"MY.LIB": "*"}},
        }
    )
    graph = DependencyGraphService(provider)
    tree = graph.build_tree("App")
    assert [(c.name, c.version) for c in tree.children] == [("My_Lib", "1"), ("other", "1")]
    assert graph.flatten("App") == ["My_Lib", "other"]


# ---------------------------------------------------------------------- find_cycle


def test_no_cycle_is_none() -> None:
    graph = service({"app": ["a", "b"], "a": ["b"], "b": []})
    assert graph.find_cycle("app") is None


def test_a_self_dependency_is_a_cycle_of_one() -> None:
    assert service({"loop": ["loop"]}).find_cycle("loop") == ["loop", "loop"]


def test_a_two_cycle_is_a_closed_path_from_where_it_is_entered() -> None:
    graph = service({"a": ["b"], "b": ["a"]})
    assert graph.find_cycle("a") == ["a", "b", "a"]
    assert graph.find_cycle("b") == ["b", "a", "b"]


def test_a_three_cycle_below_the_root_starts_at_its_entry() -> None:
    graph = service({"app": ["x"], "x": ["y"], "y": ["z"], "z": ["x"]})
    assert graph.find_cycle("app") == ["x", "y", "z", "x"]


def test_only_cycles_reachable_from_the_name_count() -> None:
    graph = service({"app": ["lib"], "lib": [], "a": ["b"], "b": ["a"]})
    assert graph.find_cycle("app") is None


def test_of_two_cycles_the_one_first_in_name_order_is_found() -> None:
    graph = service({"app": ["m", "b"], "b": ["c"], "c": ["b"], "m": ["n"], "n": ["m"]})
    assert graph.find_cycle("app") == ["b", "c", "b"]


def test_a_cycle_through_chosen_versions_only() -> None:
    provider = MemoryProvider({"a": {"1.0": {"b": "*"}}, "b": {"1.0": {"a": "*"}, "2.0": {}}})
    assert DependencyGraphService(provider).find_cycle("a") is None
    provider.plugins["a"]["1.0"] = {"b": "<2"}
    assert DependencyGraphService(provider).find_cycle("a") == ["a", "b", "a"]


class NamedProvider(MemoryProvider):
    def names(self) -> list[str]:
        return list(self.plugins)


def test_without_a_name_every_plugin_the_provider_names_is_searched() -> None:
    provider = NamedProvider({"app": {"1": {}}, "x": {"1": {"y": "*"}}, "y": {"1": {"x": "*"}}})
    assert DependencyGraphService(provider).find_cycle() == ["x", "y", "x"]
    provider.plugins["y"]["1"] = {}
    assert DependencyGraphService(provider).find_cycle() is None


# ---------------------------------------------------------------------- topological_order


def test_dependencies_come_before_dependents() -> None:
    graph = service(
        {"app": ["web", "db"], "web": ["http"], "db": ["net"], "http": ["net"], "net": []}
    )
    assert graph.topological_order(["app"]) == ["net", "db", "http", "web", "app"]


def test_ties_are_broken_by_name() -> None:
    graph = service({"z": [], "a": ["y"], "y": [], "m": []})
    assert graph.topological_order(["z", "m", "a"]) == ["m", "y", "a", "z"]


def test_the_order_does_not_depend_on_the_order_of_the_names() -> None:
    graph = service({"c": ["b"], "b": ["a"], "a": [], "d": ["a"]})
    assert graph.topological_order(["d", "c"]) == graph.topological_order(["c", "d"])
    assert graph.topological_order(["d", "c"]) == ["a", "b", "c", "d"]


def test_a_cycle_raises_with_the_cycle() -> None:
    graph = service({"app": ["a"], "a": ["b"], "b": ["c"], "c": ["a"]})
    with pytest.raises(CircularDependencyError) as raised:
        graph.topological_order(["app"])
    assert raised.value.cycle == ["a", "b", "c", "a"]
    assert "a -> b -> c -> a" in str(raised.value)


def test_a_self_dependency_raises_too() -> None:
    with pytest.raises(CircularDependencyError) as raised:
        service({"loop": ["loop"]}).topological_order(["loop"])
    assert raised.value.cycle == ["loop", "loop"]


def test_missing_dependencies_still_have_a_place_in_the_order() -> None:
    graph = service({"app": ["ghost"]})
    assert graph.topological_order(["app"]) == ["ghost", "app"]


def test_without_names_every_plugin_is_ordered() -> None:
    provider = NamedProvider({"b": {"1": {"a": "*"}}, "a": {"1": {}}, "c": {"1": {}}})
    assert DependencyGraphService(provider).topological_order() == ["a", "b", "c"]


# ---------------------------------------------------------------------- flatten


def test_flatten_lists_each_dependency_once_dependencies_first_without_the_root() -> None:
    graph = service({"app": ["left", "right"], "left": ["base"], "right": ["base"], "base": []})
    assert graph.flatten("app") == ["base", "left", "right"]


def test_flatten_of_a_plugin_without_dependencies_is_empty() -> None:
    assert service({"solo": []}).flatten("solo") == []
    assert service({}).flatten("unknown") == []


def test_flatten_follows_the_given_version() -> None:
    provider = MemoryProvider(
        {"app": {"1.0": {"old": "*"}, "2.0": {"new": "*"}}, "old": {"1": {}}, "new": {"1": {}}}
    )
    graph = DependencyGraphService(provider)
    assert graph.flatten("app") == ["new"]
    assert graph.flatten("app", "1.0") == ["old"]


def test_flatten_does_not_raise_on_a_cycle_and_keeps_its_members_together() -> None:
    graph = service({"app": ["b", "z"], "b": ["c"], "c": ["b", "base"], "z": [], "base": []})
    assert graph.flatten("app") == ["base", "b", "c", "z"]
    assert service({"a": ["b"], "b": ["a"]}).flatten("a") == ["b"]
    assert service({"loop": ["loop"]}).flatten("loop") == []


def test_flatten_includes_missing_dependencies() -> None:
    assert service({"app": ["lib", "ghost"], "lib": []}).flatten("app") == ["ghost", "lib"]


# ---------------------------------------------------------------------- determinism


def random_graph(seed: int, *, acyclic: bool) -> dict[str, list[str]]:
    """40 plugins, 100 dependencies; each on a higher-numbered plugin when ``acyclic``."""
    rng = random.Random(seed)
    names = [f"p{number:02d}" for number in range(40)]
    graph: dict[str, list[str]] = {name: [] for name in names}
    for _ in range(100):
        source, target = rng.sample(names, 2)
        if acyclic:
            source, target = sorted((source, target))
        graph[source].append(target)
    return {name: sorted(set(deps)) for name, deps in graph.items()}


def reordered(graph: dict[str, list[str]]) -> dict[str, list[str]]:
    """The same graph, with every dictionary and list in the opposite order."""
    return {name: list(reversed(deps)) for name, deps in reversed(graph.items())}


@pytest.mark.parametrize("seed", range(10))
def test_the_order_is_networkx_lexicographical_topological_sort(seed: int) -> None:
    graph = random_graph(seed, acyclic=True)
    reference: nx.DiGraph[str] = nx.DiGraph()
    reference.add_nodes_from(graph)
    reference.add_edges_from((name, dep) for name, deps in graph.items() for dep in deps)
    expected = list(nx.lexicographical_topological_sort(reference.reverse()))
    assert service(graph).topological_order(list(graph)) == expected
    assert service(reordered(graph)).topological_order(list(graph)) == expected


@pytest.mark.parametrize("seed", range(10))
def test_answers_do_not_depend_on_declaration_order(seed: int) -> None:
    graph = random_graph(seed, acyclic=False)
    one, other = service(graph), service(reordered(graph))
    cycles = [one.find_cycle(name) for name in graph]
    assert any(cycles)
    assert cycles == [other.find_cycle(name) for name in graph]
    assert one.flatten("p00") == other.flatten("p00")
    assert shape(one.outline("p00")) == shape(other.outline("p00"))


def test_a_small_cyclic_tree_is_the_same_whatever_the_declaration_order() -> None:
    graph = {"a": ["b", "c", "d"], "b": ["c", "a"], "c": ["d", "b"], "d": ["a", "e"], "e": []}
    assert shape(service(graph).build_tree("a")) == shape(service(reordered(graph)).build_tree("a"))


def test_plugins_that_all_depend_on_each_other_exceed_a_node_budget() -> None:
    names = [f"p{number}" for number in range(12)]  # 11! paths from p0
    graph = DependencyGraphService(simple(dict.fromkeys(names, names)))
    with pytest.raises(TreeTooLarge, match="more than 10000 nodes"):
        graph.build_tree("p0", max_nodes=10_000)
    outline = graph.outline("p0")
    first = outline.children[1]  # p1, expanded: p0 is on the path, p1 itself too
    assert [(child.name, child.cycle) for child in first.children][:2] == [
        ("p0", True),
        ("p1", True),
    ]
    assert outline.children[2].children is first.children[2].children  # p2 expanded once


def test_without_cycles_the_outline_is_the_tree() -> None:
    graph = service({"app": ["left", "right"], "left": ["base"], "right": ["base"], "base": []})
    assert shape(graph.outline("app")) == shape(graph.build_tree("app"))


def test_a_plugin_named_twice_in_any_spelling_is_ordered_once() -> None:
    graph = service({"app": ["lib"], "lib": []})
    assert graph.topological_order(["app", "App", "lib"]) == ["lib", "app"]


def test_flatten_lists_a_dependency_once_when_two_of_its_versions_are_reached() -> None:
    # app needs lib < 2 directly and, through tool, the newest lib (2.0).
    provider = MemoryProvider(
        {
            "app": {"1.0": {"lib": "<2", "tool": "*"}},
            "tool": {"1.0": {"lib": "*"}},
            "lib": {"1.0": {}, "2.0": {}},
        }
    )
    assert DependencyGraphService(provider).flatten("app") == ["lib", "tool"]
