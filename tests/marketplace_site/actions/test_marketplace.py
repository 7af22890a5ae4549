"""The contract of create_marketplace() and install_plugin(), as outside code calls them."""

from typing import Any

import pytest

from marketplace_site.marketplace import Marketplace, create_marketplace
from marketplace_site.types import (
    CircularDependencyError,
    DependencyNode,
    DuplicateVersion,
    InstallResult,
    InvalidManifest,
    PluginManifest,
    ResolutionError,
)
from sandbox.models import SandboxRun

pytestmark = pytest.mark.django_db


def manifest(name: str, version: str = "1.0.0", **fields: Any) -> dict[str, Any]:
    return {"name": name, "version": version, "entry_point": "result = 1 + 1", **fields}


def snapshot(market: Marketplace) -> list[tuple[str, str]]:
    return sorted(
        (m.name, v)
        for m in market.registry.list_plugins()
        for v in market.registry.versions(m.name)
    )


@pytest.fixture
def market() -> Marketplace:
    market = create_marketplace()
    market.publish(manifest("base", "1.0.0"))
    market.publish(manifest("base", "1.5.0"))
    market.publish(manifest("base", "2.0.0"))
    market.publish(manifest("mid", "1.2.0", dependencies={"base": "<2"}))
    market.publish(manifest("util", "0.3.0", dependencies={"base": ">=1.0"}))
    return market


def test_the_five_services_are_attributes() -> None:
    market = create_marketplace()
    for attribute in ("registry", "resolver", "sandbox", "reviews", "depgraph"):
        assert getattr(market, attribute) is not None


def test_install_registers_resolves_and_runs(market: Marketplace) -> None:
    result = market.install_plugin(
        manifest(
            "app",
            dependencies={"mid": "^1.0", "util": ">=0.1"},
            entry_point="greeting = 'hello ' + name\nresult = greeting",
        ),
        context={"name": "ada"},
    )
    assert isinstance(result, InstallResult)
    assert result.resolved == {"mid": "1.2.0", "util": "0.3.0", "base": "1.5.0"}
    assert result.sandbox.success and result.sandbox.output == "hello ada"
    assert market.registry.get("app") == result.manifest
    assert isinstance(result.tree, DependencyNode)
    assert result.tree.name == "app" and result.tree.constraint is None
    children = {child.name: child for child in result.tree.children}
    assert children["mid"].version == "1.2.0" and children["mid"].constraint == "^1.0"
    assert [grandchild.version for grandchild in children["mid"].children] == ["1.5.0"]


def test_install_accepts_a_manifest_object(market: Marketplace) -> None:
    result = market.install_plugin(PluginManifest.from_dict(manifest("solo")))
    assert result.resolved == {} and result.sandbox.output == 2


def test_each_install_is_recorded_as_a_run(market: Marketplace) -> None:
    market.install_plugin(manifest("counted"))
    assert SandboxRun.objects.filter(plugin_name="counted").count() == 1


@pytest.mark.parametrize(
    ("bad", "error"),
    [
        ({"version": "1.0.0", "entry_point": "x"}, InvalidManifest),
        (manifest("bad name!"), InvalidManifest),
        (manifest("dep-typo", dependencies={"base": ">>>2"}), InvalidManifest),
        (manifest("base", "1.5"), DuplicateVersion),
        (manifest("top", dependencies={"mid": "^1", "base": ">=2"}), ResolutionError),
        (manifest("ghost-user", dependencies={"ghost": ">=1"}), ResolutionError),
    ],
)
def test_a_rejected_install_leaves_the_registry_as_it_was(
    market: Marketplace, bad: dict[str, Any], error: type[Exception]
) -> None:
    before = snapshot(market)
    with pytest.raises(error):
        market.install_plugin(bad)
    assert snapshot(market) == before
    assert SandboxRun.objects.count() == 0


def test_a_conflict_is_explained(market: Marketplace) -> None:
    with pytest.raises(ResolutionError) as caught:
        market.install_plugin(manifest("top", dependencies={"mid": "^1", "base": ">=2"}))
    explanation = caught.value.explanation
    assert "mid 1.2.0" in explanation and "base" in explanation


def test_a_cycle_is_rejected_and_nothing_is_stored(market: Marketplace) -> None:
    market.registry.add(PluginManifest.from_dict(manifest("pong", dependencies={"ping": "^1"})))
    before = snapshot(market)
    with pytest.raises(CircularDependencyError) as caught:
        market.install_plugin(manifest("ping", dependencies={"pong": "^1"}))
    assert caught.value.cycle[0] == caught.value.cycle[-1]
    assert set(caught.value.cycle) == {"ping", "pong"}
    assert snapshot(market) == before


def test_a_failing_plugin_stays_registered(market: Marketplace) -> None:
    result = market.install_plugin(manifest("broken", entry_point="1 / 0"))
    assert not result.sandbox.success
    assert result.sandbox.error is not None and "ZeroDivisionError" in result.sandbox.error
    assert market.registry.get("broken") is not None


def test_plan_stores_nothing_and_runs_nothing(market: Marketplace) -> None:
    plan = market.plan(manifest("planned", dependencies={"mid": "^1"}))
    assert plan.error is None and plan.resolved == {"mid": "1.2.0", "base": "1.5.0"}
    assert plan.tree is not None and plan.tree.name == "planned"
    assert market.registry.get("planned") is None
    conflict = market.plan(manifest("top", dependencies={"mid": "^1", "base": ">=2"}))
    assert conflict.error and conflict.error_code == "resolution_failed"
    assert SandboxRun.objects.count() == 0


def test_publish_keeps_the_reverse_dependency_index_in_step(market: Marketplace) -> None:
    from depgraph import selectors

    assert {d.name for d in selectors.dependents("base")} == {"mid", "util"}
    market.remove_version("util", "0.3.0")
    assert {d.name for d in selectors.dependents("base")} == {"mid"}


def test_reindex_rebuilds_search_and_edge_indexes(market: Marketplace) -> None:
    from io import StringIO

    from django.core.management import call_command
    from django.db import connection

    from depgraph import selectors
    from depgraph.models import DependencyEdge
    from registry import search

    DependencyEdge.objects.all().delete()
    with connection.cursor() as cursor:
        for table, _ in search.index_tables(connection.vendor):
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - a module constant
    assert selectors.dependents("base") == [] and market.registry.search("mid") == []
    out = StringIO()
    call_command("reindex", stdout=out)
    assert "Indexed 3 plugins for search and 2 dependency edges." in out.getvalue()
    assert {d.name for d in selectors.dependents("base")} == {"mid", "util"}
    assert [m.name for m in market.registry.search("mid")] == ["mid"]


def test_the_dependency_graph_sees_what_was_published_since(market: Marketplace) -> None:
    graph_before = market.depgraph.build_tree("mid")
    assert [child.version for child in graph_before.children] == ["1.5.0"]
    market.publish(manifest("base", "1.9.0"))
    assert [child.version for child in market.depgraph.build_tree("mid").children] == ["1.9.0"]
