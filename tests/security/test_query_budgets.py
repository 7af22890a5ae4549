"""Every page runs the same number of queries for a catalog of 10 plugins as for one of 500."""

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from depgraph.services import index_version
from marketplace_site.marketplace import create_marketplace
from marketplace_site.views.plugins import BROWSE_SORTS as SORTS
from marketplace_site.web.tokens import api_token_create
from registry.models import Plugin, PluginVersion
from registry.search import TIERS, index_plugin
from registry.versioning import parse_version, precedence_key
from reviews.models import HelpfulVote, OwnerReply, Review
from tests.factories import make_manifest, make_user

pytestmark = pytest.mark.django_db

SMALL, LARGE = 10, 500
# Reviews of the focus plugin and by the critic grow with the catalog up to this many: more
# than one page of each, so a query per review would show.
MAX_REVIEWS = 45
# No page needs more than this, whatever it shows.
MAX_QUERIES_PER_PAGE = 30

PAGES = [
    "/",
    *(f"/plugins/?sort={sort}" for sort in SORTS),
    "/plugins/?page=2",
    "/search/?q=plugin",
    "/search/?q=bulk+number",
    "/plugins/focus/",
    "/plugins/focus/?rpage=2",
    "/plugins/core/",  # used by every plugin
    "/plugins/core/?upage=2",
    "/plugins/focus/graph/",
    "/users/critic/reviews/",
    "/users/critic/reviews/?page=2",
    "/install/",
    "/install/?name=focus",
    "/api/v1/plugins",
    "/api/v1/plugins?limit=100&sort=updated",
    "/api/v1/search?q=plugin&limit=100",
    "/api/v1/plugins/focus",
    "/api/v1/plugins/core/versions/1.0.0",
    "/api/v1/plugins/focus/reviews?limit=100",
]
SIGNED_IN_PAGES = ["/accounts/", "/plugins/focus/", "/plugins/core/", "/install/?name=focus"]


def bulk_publish(start: int, stop: int, owner: User) -> None:
    """Plugins bulk-0000... each depending on core, with their index rows (fast, for 500)."""
    plugins = Plugin.objects.bulk_create(
        Plugin(canonical_name=f"bulk-{i:04d}", display_name=f"bulk-{i:04d}", owner=owner)
        for i in range(start, stop)
    )
    parsed = parse_version("1.0.0")
    assert parsed is not None
    key = precedence_key(parsed)
    versions = PluginVersion.objects.bulk_create(
        PluginVersion(
            plugin=plugin,
            version="1.0.0",
            precedence=key,
            name=plugin.display_name,
            entry_point="result = 1",
            description=f"A bulk plugin, number {plugin.display_name[5:]}.",
            author="Bulk Author",
            keywords=["bulk", "plugin"],
            dependencies={"core": ">=1.0"},
        )
        for plugin in plugins
    )
    for plugin, version in zip(plugins, versions, strict=True):
        plugin.latest = version
    Plugin.objects.bulk_update(plugins, ["latest"])
    for plugin, version in zip(plugins, versions, strict=True):
        version.plugin = plugin
        index_plugin(plugin.pk, version)
        index_version(name=plugin.display_name, version="1.0.0", dependencies={"core": ">=1.0"})


def add_reviews(count: int, author: User, critic: User) -> None:
    """Reviews of focus (with replies and votes) and the critic's reviews of other plugins."""
    have = Review.objects.filter(plugin_name="focus").count()
    for i in range(have, count):
        review = Review.objects.create(
            plugin_name="focus", user=make_user(f"reviewer{i}"), rating=1 + i % 5, comment=f"#{i}"
        )
        OwnerReply.objects.create(review=review, author=author, text=f"Thanks #{i}")
        HelpfulVote.objects.create(review=review, user=critic)
    reviewed = set(Review.objects.filter(user=critic).values_list("plugin_name", flat=True))
    targets = Plugin.objects.exclude(canonical_name__in=reviewed | {"focus"}).order_by("pk")
    for plugin in targets[: max(0, count - len(reviewed))]:
        Review.objects.create(plugin_name=plugin.canonical_name, user=critic, rating=4)


def query_counts(client: Client, pages: list[str], headers: dict[str, str]) -> dict[str, int]:
    counts = {}
    for page in pages:
        client.get(page, headers=headers)  # warm whatever a first request fills in
        with CaptureQueriesContext(connection) as queries:
            response = client.get(page, headers=headers)
        assert response.status_code == 200, page
        counts[page] = len(queries)
    return counts


def measure(author: User, token: str) -> dict[str, int]:
    anonymous = query_counts(Client(), PAGES, {})
    owner = Client()
    owner.force_login(author)
    signed_in = query_counts(owner, SIGNED_IN_PAGES, {})
    api = query_counts(
        Client(), [p for p in PAGES if p.startswith("/api/")], {"Authorization": f"Bearer {token}"}
    )
    return {
        **anonymous,
        **{f"{page} (owner)": count for page, count in signed_in.items()},
        **{f"{page} (token)": count for page, count in api.items()},
    }


def test_pages_run_a_constant_number_of_queries(settings: Any) -> None:
    author = make_user("author")
    critic = make_user("critic")
    market = create_marketplace()
    market.publish(make_manifest("core", keywords=["plugin"]), owner=author)
    market.publish(make_manifest("helper", dependencies={"core": "^1.0"}), owner=author)
    market.publish(
        make_manifest(
            "focus",
            keywords=["plugin", "focus"],
            dependencies={"core": ">=1.0", "helper": "*"},
        ),
        owner=author,
    )
    market.publish(
        make_manifest("focus", version="1.1.0", dependencies={"core": "*"}), owner=author
    )
    token = api_token_create(user=author, name="budget")[1]

    bulk_publish(0, SMALL - 3, author)
    add_reviews(SMALL, author, critic)
    small = measure(author, token)

    bulk_publish(SMALL - 3, LARGE - 3, author)
    add_reviews(MAX_REVIEWS, author, critic)
    assert Plugin.objects.count() == LARGE
    large = measure(author, token)
    print("queries per page (10 -> 500 plugins):")
    for page, count in large.items():
        print(f"  {page}: {small[page]} -> {count}")

    # Search ranks in tiers and stops at the one that fills the page: one more query for a
    # bigger catalog at most per tier, a bound that does not grow further.
    def allowance(page: str) -> int:
        return len(TIERS) if "/search" in page else 0

    grew = {
        page: (small[page], large[page])
        for page in small
        if large[page] > small[page] + allowance(page)
    }
    assert grew == {}, "queries grew with the catalog (10 plugins, 500 plugins)"
    assert max(large.values()) <= MAX_QUERIES_PER_PAGE, large
