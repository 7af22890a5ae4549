"""Pages make as many queries with a large catalogue as with a small one (not timed: the
speed itself is tests/benchmarks' to measure)."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from marketplace_site.actions import Marketplace
from tests.factories import make_user

pytestmark = pytest.mark.django_db

PAGES = [
    "/",
    "/search/?q=chart",
    "/search/?q=chrat",  # few results: the suggestion's queries too
    "/plugins/",
    "/plugins/?sort=updated",
    "/plugins/?sort=installs&page=2",
    "/plugins/chart-0/",
    "/api/v1/plugins?sort=installs",
    "/api/v1/search?q=chart",
]


def grow(marketplace: Marketplace, start: int, stop: int) -> None:
    """Plugins chart-<start>..chart-<stop - 1>, each depending on the one before, each
    installed and reviewed by its own user: every section of a page has rows to read."""
    for i in range(start, stop):
        dependencies = {f"chart-{i - 1}": ">=1.0"} if i else {}
        marketplace.publish(
            {
                "name": f"chart-{i}",
                "version": "1.0.0",
                "entry_point": "result = 1",
                "keywords": ["chart", f"k{i}"],
                "dependencies": dependencies,
            }
        )
        user = make_user(f"user-{i}")
        marketplace.install(f"chart-{i}", user=user)
        marketplace.reviews.add_review(f"chart-{i}", user.username, 4, "Fine.")


def queries(client: Client, path: str) -> int:
    # The first request may make the cache's generation key; count the steady state.
    assert client.get(path).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("signed_in", [False, True])
def test_query_counts_do_not_grow_with_the_catalogue(
    client: Client, marketplace: Marketplace, signed_in: bool
) -> None:
    if signed_in:
        client.force_login(make_user("reader"))
    # Both catalogues fill a page of results (20), so each search reads the same tiers.
    grow(marketplace, 0, 22)
    small = {path: queries(client, path) for path in PAGES}
    grow(marketplace, 22, 50)
    large = {path: queries(client, path) for path in PAGES}
    assert large == small


# Searches with a query are left out: how many ranking tiers a search reads depends on how
# many plugins match, which is what this test varies.
CARD_PAGES = ["/", "/plugins/", "/plugins/?sort=installs", "/search/?q=", "/api/v1/plugins"]


def test_a_page_of_cards_costs_the_same_queries_for_one_card_as_for_several(
    client: Client, marketplace: Marketplace
) -> None:
    """No card reads a field of its own (an N+1): yanked versions included, which a card marks."""
    grow(marketplace, 0, 1)
    one = {path: queries(client, path) for path in CARD_PAGES}
    grow(marketplace, 1, 6)
    marketplace.registry.yank("chart-3", "1.0.0", "broken")
    several = {path: queries(client, path) for path in CARD_PAGES}
    assert several == one
