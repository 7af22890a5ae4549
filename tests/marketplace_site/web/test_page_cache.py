"""Visitors get plugin pages from the cache; any change to what they show is seen at once."""

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from marketplace_site.marketplace import create_marketplace
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache_on(settings: Any) -> None:
    settings.PAGE_CACHE_SECONDS = 60


def get_page(client: Client, *, expect_cached: bool | None = None) -> str:
    with CaptureQueriesContext(connection) as queries:
        content = client.get(reverse("plugin_detail", args=["app"])).content.decode()
    if expect_cached is not None:
        # A cached page costs the generation and the page lookups, nothing else.
        assert (len(queries) <= 2) is expect_cached, [q["sql"][:80] for q in queries]
    return content


def test_a_change_is_visible_on_the_next_visit(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    market = create_marketplace()
    with django_capture_on_commit_callbacks(execute=True):
        market.publish({"name": "app", "version": "1.0.0", "entry_point": "1"})
    assert "1.0.0" in get_page(client, expect_cached=False)
    get_page(client, expect_cached=True)

    with django_capture_on_commit_callbacks(execute=True):
        market.publish({"name": "app", "version": "2.0.0", "entry_point": "1"})
    assert "2.0.0" in get_page(client, expect_cached=False)

    with django_capture_on_commit_callbacks(execute=True):
        market.reviews.add_review("app", "reader", 5, "Fresh review text.")
    assert "Fresh review text." in get_page(client, expect_cached=False)


def test_signed_in_users_never_get_a_cached_page(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        create_marketplace().publish({"name": "app", "version": "1.0.0", "entry_point": "1"})
    get_page(Client())  # fills the cache for visitors
    make_user("ada")
    client.login(username="ada", password=PASSWORD)
    content = get_page(client, expect_cached=False)
    assert "ada" in content and "csrfmiddlewaretoken" in content
