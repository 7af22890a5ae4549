"""Browse pages read from an order's far end (registry/browse.py) are the pages that walking
the order from its start gives: the same plugins in the same order, at every offset."""

from datetime import timedelta

import pytest
from django.utils import timezone

from registry.browse import page, page_ids
from registry.models import BROWSE_ORDERS, Plugin
from registry.services import RegistryService
from tests.factories import make_manifest

pytestmark = pytest.mark.django_db

LISTED = 23


@pytest.fixture(autouse=True)
def catalogue() -> None:
    """24 plugins, 23 listed (plugin-13 has no version left); update times and installs take
    few values, so many plugins share them and the name orders those."""
    registry = RegistryService()
    now = timezone.now()
    for i in range(24):
        registry.add(make_manifest(f"plugin-{i:02d}"))
        Plugin.objects.filter(canonical_name=f"plugin-{i:02d}").update(
            updated_at=now - timedelta(hours=(i * 5) % 8 // 3), install_count=(i * 7) % 5 // 2
        )
    registry.remove_version("plugin-13", "1.0.0")


@pytest.mark.parametrize("sort", list(BROWSE_ORDERS))
def test_pages_read_from_either_end_are_the_pages_of_the_whole_order(sort: str) -> None:
    whole = page_ids(sort, 0, 100)
    assert len(whole) == LISTED
    for offset in range(LISTED + 2):
        for limit in (1, 4, 7):
            expected = whole[offset : offset + limit]
            assert page_ids(sort, offset, limit, total=LISTED) == expected, (offset, limit)


def test_a_page_from_the_far_end_has_its_plugins_and_versions_in_order() -> None:
    plugins = page("installs", 18, 7, total=LISTED)
    assert [plugin.pk for plugin in plugins] == page_ids("installs", 18, 5)
    assert all(plugin.latest is not None for plugin in plugins)
    names = [plugin.canonical_name for plugin in plugins]
    keys = [(-plugin.install_count, plugin.canonical_name) for plugin in plugins]
    assert keys == sorted(keys) and "plugin-13" not in names
