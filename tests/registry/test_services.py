import pytest
from django.db import IntegrityError, transaction
from packaging.version import Version

from marketplace_site.types import (
    DuplicateVersion,
    InvalidManifest,
    PluginManifest,
    PluginNotFound,
)
from registry.models import Plugin, PluginVersion
from registry.services import NotPluginOwner, RegistryService, can_publish, can_remove_version
from registry.versioning import precedence_key
from tests.factories import make_manifest, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry() -> RegistryService:
    return RegistryService()


def test_add_then_get_returns_the_same_manifest(registry: RegistryService) -> None:
    manifest = make_manifest("csv-tools", "1.2.0", keywords=["csv"], dependencies={"a": ">=1"})
    assert registry.add(manifest) == manifest
    assert registry.get("csv-tools", "1.2.0") == manifest


def test_get_without_version_prefers_the_highest_stable_release(registry: RegistryService) -> None:
    for version in ("1.9.0", "1.10.0", "2.0.0rc1", "0.5.0"):
        registry.add(make_manifest("tool", version))
    latest = registry.get("tool")
    assert latest is not None and latest.version == "1.10.0"


def test_get_falls_back_to_a_prerelease_when_there_is_nothing_else(
    registry: RegistryService,
) -> None:
    registry.add(make_manifest("beta-only", "1.0.0b1"))
    registry.add(make_manifest("beta-only", "1.0.0a1"))
    latest = registry.get("beta-only")
    assert latest is not None and latest.version == "1.0.0b1"


def test_versions_are_ascending_by_precedence(registry: RegistryService) -> None:
    for version in ("1.10.0", "1.9.0", "1.0.0", "1.0.0rc1", "1.0.0.dev1", "1.0.0a2", "1.0.0.post1"):
        registry.add(make_manifest("tool", version))
    assert registry.versions("tool") == [
        "1.0.0.dev1", "1.0.0a2", "1.0.0rc1", "1.0.0", "1.0.0.post1", "1.9.0", "1.10.0",
    ]  # fmt: skip
    assert registry.versions("missing") == []


def test_precedence_key_sorts_like_packaging() -> None:
    versions = [
        "1!0.1",
        "2.0",
        "1.0.dev0",
        "1.0a1",
        "1.0a1.post1",
        "1.0b1.dev3",
        "1.0rc2",
        "1.0",
        "1.0.post1.dev1",
        "1.0.post1",
        "1.0.1",
        "0.9",
        "10.0",
        "1.0+local",
    ]
    by_key = sorted(versions, key=lambda v: precedence_key(Version(v)))
    assert by_key == sorted(versions, key=Version)


def test_duplicate_by_precedence_is_refused_and_changes_nothing(registry: RegistryService) -> None:
    registry.add(make_manifest("tool", "1.0.0", description="first"))
    with pytest.raises(DuplicateVersion):
        registry.add(make_manifest("tool", "1.0", description="second"))
    with pytest.raises(DuplicateVersion):
        registry.add(make_manifest("TOOL", "1.0.0", description="third"))
    assert registry.versions("tool") == ["1.0.0"]
    stored = registry.get("tool")
    assert stored is not None and stored.description == "first"


def test_the_database_enforces_one_row_per_plugin_version(registry: RegistryService) -> None:
    registry.add(make_manifest("tool", "1.0.0"))
    plugin = Plugin.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        PluginVersion.objects.create(
            plugin=plugin, version="1.0", precedence=precedence_key(Version("1.0")), entry_point="x"
        )


def test_names_are_compared_in_normalized_form(registry: RegistryService) -> None:
    registry.add(make_manifest("My_Plugin", "1.0.0"))
    registry.add(make_manifest("my-plugin", "1.1.0"))
    registry.add(make_manifest("MY.PLUGIN", "1.2.0"))
    assert Plugin.objects.count() == 1
    assert registry.versions("my_plugin") == ["1.0.0", "1.1.0", "1.2.0"]
    assert Plugin.objects.get().display_name == "My_Plugin"


def test_add_refuses_an_invalid_manifest(registry: RegistryService) -> None:
    bad = PluginManifest(name="bad name!", version="1.0", entry_point="x")
    with pytest.raises(InvalidManifest) as caught:
        registry.add(bad)
    assert "name" in caught.value.errors
    assert Plugin.objects.count() == 0


def test_only_the_owner_publishes_further_versions(registry: RegistryService) -> None:
    owner, other = make_user(), make_user()
    registry.add(make_manifest("mine", "1.0.0"), owner=owner)
    with pytest.raises(NotPluginOwner):
        registry.add(make_manifest("mine", "2.0.0"), owner=other)
    registry.add(make_manifest("mine", "1.1.0"), owner=owner)
    assert registry.versions("mine") == ["1.0.0", "1.1.0"]
    assert can_publish(owner, "mine") and not can_publish(other, "mine")
    assert can_publish(other, "a-new-name")
    plugin = Plugin.objects.get()
    assert can_remove_version(owner, plugin) and not can_remove_version(other, plugin)


def test_list_plugins_gives_the_latest_version_of_each_by_name(registry: RegistryService) -> None:
    registry.add(make_manifest("zeta", "1.0.0"))
    registry.add(make_manifest("alpha", "1.0.0"))
    registry.add(make_manifest("alpha", "2.0.0"))
    registry.add(make_manifest("mid", "3.0.0"))
    listed = registry.list_plugins()
    assert [(m.name, m.version) for m in listed] == [
        ("alpha", "2.0.0"), ("mid", "3.0.0"), ("zeta", "1.0.0"),
    ]  # fmt: skip
    assert [m.name for m in registry.list_plugins(offset=1, limit=1)] == ["mid"]


def test_remove_version_keeps_the_rest_and_recomputes_latest(registry: RegistryService) -> None:
    registry.add(make_manifest("tool", "1.0.0"))
    registry.add(make_manifest("tool", "2.0.0"))
    assert registry.remove_version("tool", "2.0") is True
    assert registry.versions("tool") == ["1.0.0"]
    latest = registry.get("tool")
    assert latest is not None and latest.version == "1.0.0"
    assert registry.remove_version("tool", "2.0.0") is False
    assert registry.remove_version("tool", "not a version") is False
    assert registry.remove_version("nothing", "1.0") is False


def test_removing_the_last_version_removes_the_plugin(registry: RegistryService) -> None:
    registry.add(make_manifest("tool", "1.0.0", description="unique zebra words"))
    assert registry.remove_version("tool", "1.0.0") is True
    assert registry.get("tool") is None
    assert registry.get_plugin("tool") is None
    assert registry.list_plugins() == []
    assert registry.search("zebra") == []
    # The name stays reserved for its owner (CONTRACTS.md remove_version), not listed.
    reserved = registry.get_reserved("tool")
    assert reserved is not None and reserved.removed_at is not None
    assert Plugin.objects.with_latest().count() == 0


def test_dependencies_of_a_version(registry: RegistryService) -> None:
    registry.add(make_manifest("tool", "1.0.0", dependencies={"base": "^1.0"}))
    assert registry.dependencies("tool", "1.0") == {"base": "^1.0"}


def test_dependencies_of_a_version_never_published_is_not_found(registry: RegistryService) -> None:
    registry.add(make_manifest("tool", "1.0.0", dependencies={"base": "^1.0"}))
    with pytest.raises(PluginNotFound):
        registry.dependencies("tool", "2.0.0")
    with pytest.raises(PluginNotFound):
        registry.dependencies("no-such-tool", "1.0.0")


def test_get_plugin_row_reads_a_listed_plugin_by_any_spelling_with_its_owner(
    registry: RegistryService,
) -> None:
    owner = make_user("row-owner")
    registry.add(make_manifest("Row_Tool", "1.0.0"), owner=owner)
    registry.add(make_manifest("unclaimed-tool", "1.0.0"))
    Plugin.objects.filter(canonical_name="row-tool").update(install_count=7)
    row = registry.get_plugin_row("row.TOOL")
    assert row is not None
    assert (row.display_name, vars(row)["owner_username"], row.install_count) == (
        "Row_Tool",
        "row-owner",
        7,
    )
    # A datetime, with its zone, on either database (SQLite stores text).
    assert row.updated_at.tzinfo is not None
    unclaimed = registry.get_plugin_row("unclaimed-tool")
    assert unclaimed is not None and vars(unclaimed)["owner_username"] is None
    assert registry.get_plugin_row("nothing-here") is None
    # A name whose every version was removed is reserved, not listed: no row for its page.
    registry.remove_version("Row_Tool", "1.0.0")
    assert registry.get_plugin_row("row-tool") is None
