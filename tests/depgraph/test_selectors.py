"""The reverse-dependency index: kept by index_version / unindex_version, read by selectors."""

from typing import Any

import pytest

from depgraph import selectors
from depgraph.models import DependencyEdge
from depgraph.services import (
    DependencyGraphService,
    index_version,
    indexed_names,
    rebuild_edges,
    unindex_version,
)
from tests.depgraph.memory import MemoryProvider
from tests.factories import make_manifest

pytestmark = pytest.mark.django_db


def used_by(name: str, **page: Any) -> list[tuple[str, str, str, tuple[str, ...]]]:
    return [
        (d.name, d.version, d.constraint, d.versions) for d in selectors.dependents(name, **page)
    ]


def test_a_published_version_is_used_by_its_dependents() -> None:
    index_version(name="Web_App", version="1.0.0", dependencies={"HTTP-lib": "^1.0", "json": "*"})
    index_version(name="cli", version="2.0", dependencies={"http_lib": ">=1.2"})
    assert used_by("http-lib") == [
        ("cli", "2.0", ">=1.2", ("2.0",)),
        ("Web_App", "1.0.0", "^1.0", ("1.0.0",)),
    ]
    assert used_by("JSON") == [("Web_App", "1.0.0", "*", ("1.0.0",))]
    assert selectors.dependents_count("HTTP.Lib") == 2
    assert used_by("cli") == []
    assert selectors.dependents_count("cli") == 0


def test_a_dependent_is_listed_once_with_its_latest_stable_version() -> None:
    for version, constraint in [("1.0", "^1"), ("2.0", "^2"), ("1.5", "^1.5"), ("3.0rc1", "^3")]:
        index_version(name="app", version=version, dependencies={"lib": constraint})
    assert used_by("lib") == [("app", "2.0", "^2", ("2.0", "1.5", "1.0", "3.0rc1"))]
    assert selectors.dependents_count("lib") == 1


def test_versions_are_ordered_by_the_one_version_model() -> None:
    # 1.0.0-0 is a SemVer pre-release (below 1.0.0), not PEP 440's post-release 1.0.0.post0.
    for version in ["1.0.0-0", "1.0.0", "0.9.0"]:
        index_version(name="app", version=version, dependencies={"lib": "*"})
    assert used_by("lib") == [("app", "1.0.0", "*", ("1.0.0", "0.9.0", "1.0.0-0"))]


def test_a_semver_pre_release_and_a_post_release_are_two_versions() -> None:
    index_version(name="app", version="1.0.0-0", dependencies={"old": "*"})
    index_version(name="app", version="1.0.0.post0", dependencies={"new": "*"})
    assert used_by("old") == [("app", "1.0.0-0", "*", ("1.0.0-0",))]
    unindex_version(name="app", version="1.0.0.post0")
    assert used_by("new") == []
    assert used_by("old") == [("app", "1.0.0-0", "*", ("1.0.0-0",))]


def test_removing_a_version_updates_the_index() -> None:
    index_version(name="app", version="1.0.0", dependencies={"lib": "^1"})
    index_version(name="app", version="2.0.0", dependencies={"lib": "^2", "extra": "*"})
    unindex_version(name="app", version="2.0")  # 2.0 is 2.0.0 by version precedence
    assert used_by("lib") == [("app", "1.0.0", "^1", ("1.0.0",))]
    assert used_by("extra") == []
    unindex_version(name="APP", version="1.0.0")
    assert used_by("lib") == []
    assert not DependencyEdge.objects.exists()


def test_removing_an_unindexed_version_changes_nothing() -> None:
    index_version(name="app", version="1.0.0", dependencies={"lib": "^1"})
    unindex_version(name="app", version="9.0")
    unindex_version(name="other", version="1.0.0")
    assert selectors.dependents_count("lib") == 1


def test_indexing_a_version_again_replaces_its_edges() -> None:
    index_version(name="app", version="1.0", dependencies={"old": "*"})
    index_version(name="app", version="1.0.0", dependencies={"new": "*"})
    assert used_by("old") == []
    assert used_by("new") == [("app", "1.0.0", "*", ("1.0.0",))]


def test_used_by_pages_count_plugins_not_versions() -> None:
    for number in range(25):
        for version in ("1.0", "2.0"):
            index_version(name=f"dep{number:02d}", version=version, dependencies={"core": "*"})
    first = selectors.dependents("core", limit=10)
    last = selectors.dependents("core", offset=20, limit=10)
    assert [d.name for d in first] == [f"dep{n:02d}" for n in range(10)]
    assert [d.name for d in last] == [f"dep{n:02d}" for n in range(20, 25)]
    assert [d.name for d in selectors.dependents("core", offset=23)] == ["dep23", "dep24"]
    assert all(d.versions == ("2.0", "1.0") for d in first)
    assert selectors.dependents_count("core") == 25


def test_a_page_of_dependents_is_one_query(django_assert_num_queries: Any) -> None:
    for number in range(30):
        index_version(name=f"dep{number}", version="1.0", dependencies={"core": "*"})
    with django_assert_num_queries(1):
        assert len(selectors.dependents("core", offset=10, limit=10)) == 10
    with django_assert_num_queries(1):
        assert selectors.dependents_count("core") == 30


def test_dependent_versions_lists_every_version_newest_first() -> None:
    index_version(name="b", version="1.0", dependencies={"lib": "^1"})
    index_version(name="b", version="2.0", dependencies={"lib": "^2"})
    index_version(name="a", version="1.0", dependencies={"lib": "*"})
    assert [(d.name, d.version, d.constraint) for d in selectors.dependent_versions("lib")] == [
        ("a", "1.0", "*"),
        ("b", "2.0", "^2"),
        ("b", "1.0", "^1"),
    ]


def test_rebuild_replaces_the_whole_index() -> None:
    index_version(name="stale", version="1.0", dependencies={"lib": "*"})
    stored = rebuild_edges(
        [
            make_manifest("app", "1.0.0", dependencies={"lib": "^1", "util": "*"}),
            make_manifest("tool", "0.1", dependencies={"lib": "*"}),
            make_manifest("lib", "1.0.0"),
        ]
    )
    assert stored == 3
    assert [d.name for d in selectors.dependents("lib")] == ["app", "tool"]
    assert indexed_names() == ["app", "tool"]


def test_find_cycle_anywhere_searches_the_indexed_plugins() -> None:
    provider = MemoryProvider(
        {
            "app": {"1": {"lib": "*"}},
            "lib": {"1": {}},
            "x": {"1": {"y": "*"}},
            "y": {"1": {"x": "*"}},
        }
    )
    for name, versions in provider.plugins.items():
        for version, dependencies in versions.items():
            index_version(name=name, version=version, dependencies=dependencies)
    graph = DependencyGraphService(provider)
    assert graph.find_cycle() == ["x", "y", "x"]
    provider.plugins["y"]["1"] = {}
    assert graph.find_cycle() is None
    assert graph.topological_order() == ["lib", "app", "y", "x"]
