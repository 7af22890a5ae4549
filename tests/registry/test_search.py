import pytest

from registry.services import RegistryService
from tests.factories import make_manifest

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry() -> RegistryService:
    registry = RegistryService()
    registry.add(make_manifest("image-resizer", description="Shrink photos.", keywords=["images"]))
    registry.add(make_manifest("thumbnailer", description="Makes image thumbnails quickly."))
    registry.add(make_manifest("gallery", keywords=["image", "photos"], description="Albums."))
    registry.add(make_manifest("csv-tools", description="Parse CSV.", author="Ada Lovelace"))
    return registry


def names(results: list) -> list[str]:
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
