"""Search that forgives typos: suggestions from the words of plugin names and keywords.

Runs on whichever database the test run uses: the suite runs once on SQLite (rapidfuzz over
words of about the same length) and once on PostgreSQL (pg_trgm's trigram index).
"""

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from registry import search
from registry.search.suggest import nearest
from registry.services import RegistryService
from tests.factories import make_manifest

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry() -> RegistryService:
    registry = RegistryService()
    registry.add(make_manifest("chart-data", keywords=["charts", "plotting"]))
    registry.add(make_manifest("bar-chart", keywords=["chart"], description="Bars."))
    registry.add(make_manifest("chat-bot", keywords=["messaging"], description="Talks."))
    registry.add(make_manifest("csv-tools", keywords=["spreadsheet"], description="Parse CSV."))
    return registry


def test_a_transposed_word_suggests_the_name_it_misspells(registry: RegistryService) -> None:
    page = registry.search_page("chrat")
    assert page.plugins == [] and page.total == 0
    # "chat" is one edit away too; "chart" is the word more plugins use.
    assert page.suggestion == "chart"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("spreadsheat", "spreadsheet"),  # a keyword, one letter wrong
        ("plottnig", "plotting"),
        ("cvs tools", "csv tools"),  # only the misspelt word changes
        ("messagin", None),  # a prefix of a keyword finds it: nothing to correct
        ("zzzzqqq", None),  # nothing near
        ("cs", None),  # too short to correct
    ],
)
def test_suggestions_correct_each_misspelt_word(
    registry: RegistryService, query: str, expected: str | None
) -> None:
    assert registry.search_page(query).suggestion == expected


def test_a_search_with_enough_results_suggests_nothing(registry: RegistryService) -> None:
    registry.add(make_manifest("chart-kit"))
    registry.add(make_manifest("chart-pro"))
    # "chrat" matches nothing, but "chart" is a word of 4 names; a search for "char" finds
    # them and needs no suggestion.
    page = registry.search_page("char")
    assert page.total >= search.SUGGEST_BELOW and page.suggestion is None


def test_the_vocabulary_follows_publish_and_remove(registry: RegistryService) -> None:
    registry.add(make_manifest("gallery", keywords=["photos"]))
    assert registry.search_page("photso").suggestion == "photos"
    registry.remove_version("gallery", "1.0.0")
    assert registry.search_page("photso").suggestion is None


def test_the_search_page_offers_the_correction(client: Client, registry: RegistryService) -> None:
    content = client.get(reverse("search"), {"q": "chrat"}).content.decode()
    assert "Did you mean" in content and 'href="?q=chart"' in content


def test_the_search_api_returns_the_suggestion(client: Client, registry: RegistryService) -> None:
    body = client.get("/api/v1/search", {"q": "chrat"}).json()
    assert body["count"] == 0 and body["suggestion"] == "chart"
    assert client.get("/api/v1/search", {"q": "chart"}).json()["suggestion"] is None


def test_postgresql_finds_candidates_with_the_trigram_index(registry: RegistryService) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("pg_trgm is PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute("SELECT extname FROM pg_extension WHERE extname = 'pg_trgm'")
        assert cursor.fetchone() is not None
        found = [term for term, _ in search.terms.near_postgres(cursor, "chrat", limit=10)]
    assert "chart" in found and "chat" in found


def test_nearest_prefers_fewer_edits_then_more_plugins() -> None:
    assert nearest("chrat", [("chat", 5), ("chart", 1)]) == "chat"
    assert nearest("chrat", [("chat", 1), ("chart", 3)]) == "chart"
    assert nearest("chrat", [("chat", 3), ("chart", 3)]) == "chart"
    assert nearest("plotting", [("plot", 9)]) is None  # 4 edits: too far


def test_the_vocabulary_has_a_row_per_plugin_and_word() -> None:
    registry = RegistryService()
    registry.add(make_manifest("zebra_tool", keywords=["Stripes", "zebra"]))

    def words() -> list[str]:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT term FROM {search.terms.TABLE} ORDER BY term")  # noqa: S608
            return [row[0] for row in cursor.fetchall()]

    assert words() == ["stripes", "tool", "zebra", "zebratool"]
    registry.add(make_manifest("zebra_tool", "2.0.0", keywords=["horse"]))
    assert words() == ["horse", "tool", "zebra", "zebratool"]
    search.rebuild_index()
    assert words() == ["horse", "tool", "zebra", "zebratool"]
    registry.remove_version("zebra_tool", "2.0.0")
    registry.remove_version("zebra_tool", "1.0.0")
    assert words() == []
