"""Yank (PEP 592) in the registry: listed, skipped by "the latest", undone by unyank."""

import pytest

from registry.models import YANK_REASON_MAX_LENGTH, PluginVersion
from registry.services import RegistryService, can_yank
from tests.factories import make_manifest, make_superuser, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry() -> RegistryService:
    registry = RegistryService()
    for version in ("1.0.0", "1.1.0", "2.0.0-beta.1"):
        registry.add(make_manifest("csv-tools", version))
    return registry


def test_a_yanked_version_stays_listed_but_get_skips_it(registry: RegistryService) -> None:
    assert registry.yank("csv-tools", "1.1.0", reason="Corrupts quoted fields")
    assert registry.versions("csv-tools") == ["1.0.0", "1.1.0", "2.0.0-beta.1"]
    latest = registry.get("csv-tools")
    assert latest is not None and latest.version == "1.0.0"
    # Asked for by its version, it is still there (an exact pin installs it).
    pinned = registry.get("csv-tools", "1.1.0")
    assert pinned is not None and pinned.version == "1.1.0"
    row = registry.get_version_row("csv-tools", "1.1")
    assert row is not None and row.yanked and row.yanked_reason == "Corrupts quoted fields"
    assert row.yanked_at is not None
    plugin = registry.get_plugin("csv-tools")
    assert plugin is not None and plugin.latest is not None and plugin.latest.version == "1.0.0"
    assert [m.version for m in registry.list_plugins()] == ["1.0.0"]


def test_unyank_makes_it_the_latest_again(registry: RegistryService) -> None:
    registry.yank("csv-tools", "1.1.0")
    assert registry.unyank("csv-tools", "1.1.0")
    latest = registry.get("csv-tools")
    assert latest is not None and latest.version == "1.1.0"
    row = PluginVersion.objects.get(version="1.1.0")
    assert not row.yanked and row.yanked_reason == "" and row.yanked_at is None


def test_yanking_again_replaces_the_reason_and_keeps_the_date(registry: RegistryService) -> None:
    registry.yank("csv-tools", "1.1.0", reason="first")
    first = PluginVersion.objects.get(version="1.1.0").yanked_at
    registry.yank("csv-tools", "1.1.0", reason="  second  ")
    row = PluginVersion.objects.get(version="1.1.0")
    assert row.yanked_reason == "second" and row.yanked_at == first


def test_every_version_yanked(registry: RegistryService) -> None:
    for version in registry.versions("csv-tools"):
        registry.yank("csv-tools", version)
    assert registry.get("csv-tools") is None
    # The plugin stays findable, shown with its latest (yanked) version.
    plugin = registry.get_plugin("csv-tools")
    assert plugin is not None and plugin.latest is not None
    assert plugin.latest.version == "1.1.0" and plugin.latest.yanked
    assert [m.name for m in registry.search("csv")] == ["csv-tools"]
    registry.unyank("csv-tools", "1.0.0")
    latest = registry.get("csv-tools")
    assert latest is not None and latest.version == "1.0.0"


def test_unknown_versions_and_plugins(registry: RegistryService) -> None:
    assert not registry.yank("csv-tools", "9.9.9")
    assert not registry.yank("nothing-here", "1.0.0")
    assert not registry.yank("csv-tools", "not a version")
    assert not registry.unyank("csv-tools", "9.9.9")


def test_a_reason_too_long_or_unstorable_is_refused(registry: RegistryService) -> None:
    with pytest.raises(ValueError, match="longer than"):
        registry.yank("csv-tools", "1.0.0", reason="x" * (YANK_REASON_MAX_LENGTH + 1))
    with pytest.raises(ValueError, match="NUL"):
        registry.yank("csv-tools", "1.0.0", reason="bad\x00")
    assert not PluginVersion.objects.filter(yanked=True).exists()


def test_yanked_among(registry: RegistryService) -> None:
    registry.add(make_manifest("text-utils", "1.0.0"))
    registry.yank("csv-tools", "1.1.0", reason="r")
    registry.yank("text-utils", "1.0.0")
    rows = registry.yanked_among({"CSV_Tools": "1.1", "text-utils": "1.0.0", "csv-tools-x": "1"})
    assert [(row.plugin.canonical_name, row.version) for row in rows] == [
        ("csv-tools", "1.1.0"),
        ("text-utils", "1.0.0"),
    ]
    assert registry.yanked_among({"csv-tools": "1.0.0", "text-utils": "nonsense"}) == []


def test_only_the_owner_may_yank() -> None:
    owner, other = make_user(), make_user()
    RegistryService().add(make_manifest("owned", "1.0.0"), owner=owner)
    RegistryService().add(make_manifest("unclaimed", "1.0.0"))
    plugin = RegistryService().get_plugin("owned")
    unclaimed = RegistryService().get_plugin("unclaimed")
    assert plugin is not None and unclaimed is not None
    assert can_yank(owner, plugin)
    assert not can_yank(other, plugin)
    assert not can_yank(make_superuser(), plugin)
    assert not can_yank(None, plugin)
    assert not can_yank(owner, unclaimed)


def test_yanking_again_without_a_reason_keeps_the_reason() -> None:
    registry = RegistryService()
    registry.add(make_manifest("kept"))
    assert registry.yank("kept", "1.0.0", "Loses the last row")
    assert registry.yank("kept", "1.0.0")
    row = registry.get_version_row("kept", "1.0.0")
    assert row is not None and row.yanked_reason == "Loses the last row"
    assert registry.yank("kept", "1.0.0", "Worse: drops the header")
    row = registry.get_version_row("kept", "1.0.0")
    assert row is not None and row.yanked_reason == "Worse: drops the header"
