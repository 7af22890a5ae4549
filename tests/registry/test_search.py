from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from marketplace_site.types import PluginManifest
from registry import search
from registry.models import Plugin
from registry.services import RegistryService
from tests.factories import make_manifest, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry() -> RegistryService:
    registry = RegistryService()
    registry.add(make_manifest("image-resizer", description="Shrink photos.", keywords=["images"]))
    registry.add(make_manifest("thumbnailer", description="Makes image thumbnails quickly."))
    registry.add(make_manifest("gallery", keywords=["image", "photos"], description="Albums."))
    registry.add(make_manifest("csv-tools", description="Parse CSV.", author="Ada Lovelace"))
    return registry


def names(results: list[PluginManifest]) -> list[str]:
    return [m.name for m in results]


def test_a_name_match_ranks_above_keywords_above_description(registry: RegistryService) -> None:
    assert names(registry.search("image")) == ["image-resizer", "gallery", "thumbnailer"]


def test_prefixes_and_case_do_not_matter(registry: RegistryService) -> None:
    assert names(registry.search("IMAG")) == ["image-resizer", "gallery", "thumbnailer"]
    assert names(registry.search("thumb")) == ["thumbnailer"]


def test_every_word_must_match(registry: RegistryService) -> None:
    assert names(registry.search("image albums")) == ["gallery"]
    assert registry.search("image nonexistentword") == []


def test_author_is_searchable(registry: RegistryService) -> None:
    assert names(registry.search("lovelace")) == ["csv-tools"]


def test_words_inside_other_words_do_not_match(registry: RegistryService) -> None:
    # "mage" is inside "image" but is neither a word nor a prefix of one.
    assert registry.search("mage") == []


def test_punctuation_and_operators_are_plain_text(registry: RegistryService) -> None:
    assert names(registry.search('csv"* NEAR(')) == []
    assert names(registry.search('"csv"*^')) == ["csv-tools"]
    assert registry.search("") == []
    assert registry.search("   ***   ") == []


def test_the_index_follows_publish_and_remove(registry: RegistryService) -> None:
    registry.add(make_manifest("gallery", "2.0.0", keywords=["slideshow"], description="New."))
    assert names(registry.search("slideshow")) == ["gallery"]
    assert registry.search("albums") == []  # only the latest version is indexed
    registry.remove_version("gallery", "2.0.0")
    assert names(registry.search("albums")) == ["gallery"]
    assert registry.search("slideshow") == []


def test_search_returns_the_latest_version_and_respects_limit(registry: RegistryService) -> None:
    registry.add(make_manifest("image-resizer", "2.0.0", keywords=["images"]))
    results = registry.search("image", limit=1)
    assert [(m.name, m.version) for m in results] == [("image-resizer", "2.0.0")]


def test_search_page_counts_every_match(registry: RegistryService) -> None:
    page = registry.search_page("image", limit=2, offset=2)
    assert page.total == 3
    assert [p.display_name for p in page.plugins] == ["thumbnailer"]


@pytest.fixture
def tiered() -> list[int]:
    """Fifteen plugins matching "pix": five by name, four by keyword, six by description."""
    registry = RegistryService()
    for i in range(5):
        registry.add(make_manifest(f"pixel-{i}", description="pix " * i))
    for i in range(4):
        registry.add(make_manifest(f"kw-{i}", keywords=["pixels", "pix" * (i + 1)]))
    for i in range(6):
        registry.add(make_manifest(f"desc-{i}", description="Draws pixels. " + "pix " * i))
    full, total = search.search_plugin_ids("pix", limit=100)
    assert total == 15
    return full


# Caps that take each way through a search: every match counted and ranked in one pass;
# so many name matches that the other tiers are never read; few name matches but many in all.
@pytest.mark.parametrize("cap", [1000, 3, 6])
def test_every_page_is_a_slice_of_the_whole_ranking(
    tiered: list[int], cap: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search, "COUNT_CAP", cap)
    for limit in (1, 2, 4, 20):
        for offset in range(17):
            ids, total = search.search_plugin_ids("pix", limit=limit, offset=offset)
            assert ids == tiered[offset : offset + limit], (limit, offset)
            counted_to = search.count_cap(limit=limit, offset=offset)
            assert total == (15 if counted_to >= 15 else counted_to + 1), (limit, offset)


def test_the_whole_ranking_goes_name_then_keywords_then_description(tiered: list[int]) -> None:
    names = list(Plugin.objects.in_bulk(tiered).values())
    by_id = {plugin.pk: plugin.display_name for plugin in names}
    prefixes = [by_id[i].split("-")[0] for i in tiered]
    assert prefixes == ["pixel"] * 5 + ["kw"] * 4 + ["desc"] * 6


def test_a_search_is_one_statement_on_postgresql(
    tiered: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs in the process: a query per tier costs no round trip")
    # The three ways through, as above: all counted; many names; few names but many in all.
    for cap, limit, offset in [(1000, 4, 6), (3, 1, 0), (6, 4, 6)]:
        monkeypatch.setattr(search, "COUNT_CAP", cap)
        with CaptureQueriesContext(connection) as queries:
            plugins, _ = search.search_page("pix", limit=limit, offset=offset)
            assert [p.latest.version for p in plugins if p.latest] == ["1.0.0"] * limit
        assert [p.pk for p in plugins] == tiered[offset : offset + limit]
        assert len(queries) == 1  # the ranking, the count and the plugins' rows


def test_a_short_word_still_narrows_a_search_with_a_longer_one() -> None:
    # On PostgreSQL only the longer word goes to the index; the short one is checked per row.
    registry = RegistryService()
    registry.add(make_manifest("pixel-art", description="Draws sprites."))
    registry.add(make_manifest("pixel-tools", description="Edits sprites."))
    registry.add(make_manifest("drawer", keywords=["pixel"]))
    assert names(registry.search("pixel dr")) == ["drawer", "pixel-art"]
    assert names(registry.search("dr pixel")) == ["drawer", "pixel-art"]
    assert names(registry.search("pixel dr xyz")) == []


def test_results_carry_what_a_card_shows(django_assert_num_queries: Any) -> None:
    registry = RegistryService()
    owner = make_user("ada")
    registry.add(make_manifest("gallery", keywords=["photos", "albums"], author="Ada"), owner)
    registry.add(make_manifest("gallery-lite", description="A smaller gallery."))
    plugins, total = search.search_page("gallery")
    assert total == 2

    def card(plugin: Plugin) -> tuple[Any, ...]:
        latest = plugin.latest
        assert latest is not None
        owner = plugin.owner.username if plugin.owner else None
        shown = (plugin.pk, plugin.display_name, plugin.canonical_name, plugin.updated_at)
        return (*shown, latest.version, latest.description, latest.keywords, latest.author, owner)

    expected = sorted(card(p) for p in Plugin.objects.for_listing())
    with django_assert_num_queries(0):
        assert sorted(card(p) for p in plugins) == expected
    # Fields a card does not show are still there, loaded on use.
    assert plugins[0].latest is not None and plugins[0].latest.entry_point == "result = 1 + 1"


def test_every_index_table_follows_publish_and_remove() -> None:
    registry = RegistryService()
    registry.add(make_manifest("zebra-tool"))
    plugin_id = Plugin.objects.get(canonical_name="zebra-tool").pk

    def rows() -> list[int]:
        with connection.cursor() as cursor:
            counts = []
            for table, key in search.index_tables(connection.vendor):
                cursor.execute(f"SELECT count(*) FROM {table} WHERE {key} = %s", [plugin_id])  # noqa: S608
                counts.append(cursor.fetchone()[0])
        return counts

    assert rows() == [1] * len(search.index_tables(connection.vendor))
    registry.add(make_manifest("zebra-tool", "2.0.0"))
    assert rows() == [1] * len(search.index_tables(connection.vendor))
    registry.remove_version("zebra-tool", "2.0.0")
    registry.remove_version("zebra-tool", "1.0.0")
    assert rows() == [0] * len(search.index_tables(connection.vendor))


def test_a_plugin_deleted_behind_the_registry_is_left_out_of_results() -> None:
    # A restore or a raw delete can leave index rows whose plugin is gone (the index is not
    # a model, so nothing cascades): the results skip them instead of failing.
    registry = RegistryService()
    registry.add(make_manifest("gallery"))
    registry.add(make_manifest("gallery-lite"))
    Plugin.objects.filter(canonical_name="gallery").delete()
    plugins, _ = search.search_page("gallery")
    assert [plugin.display_name for plugin in plugins] == ["gallery-lite"]
    assert names(registry.search("gallery")) == ["gallery-lite"]
