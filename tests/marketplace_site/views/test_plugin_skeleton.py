"""The plugin page filled into its kept skeleton is the page the template renders, for every
kind of viewer; what differs per request (name, token, reviews, counts) is never shared."""

import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from marketplace_site.marketplace import create_marketplace
from marketplace_site.web import skeleton
from registry.models import Plugin
from tests.factories import make_user

pytestmark = pytest.mark.django_db

Capture = Callable[..., AbstractContextManager[Any]]
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


def page(client: Client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200
    text = response.content.decode()
    assert not skeleton.has_holes(text)
    # A masked CSRF token differs on every render, whoever renders it.
    return TOKEN.sub('name="csrfmiddlewaretoken" value="…"', text)


@pytest.fixture
def catalogue(django_capture_on_commit_callbacks: Capture) -> dict[str, User]:
    market = create_marketplace()
    owner = make_user("owner")
    people = {
        "reader": make_user("R&D<team>"),
        "staff": make_user("moderator", is_staff=True),
        "superuser": make_user("root", is_staff=True, is_superuser=True),
    }
    with django_capture_on_commit_callbacks(execute=True):
        market.publish(
            {"name": "app", "version": "1.0.0", "entry_point": "1", "readme": "# App"},
            owner=owner,
        )
        market.publish({"name": "app", "version": "2.0.0", "entry_point": "2"}, owner=owner)
        market.reviews.add_review("app", people["reader"].username, 4, "Mine, <i>with</i> marks.")
    return people


@pytest.mark.parametrize("who", ["reader", "staff", "superuser", "visitor with a session"])
@pytest.mark.parametrize("query", ["", "?version=1.0.0"])
@pytest.mark.parametrize("installs", [1, 2])
def test_the_filled_skeleton_is_the_rendered_page(
    settings: Any, catalogue: dict[str, User], who: str, query: str, installs: int
) -> None:
    Plugin.objects.filter(canonical_name="app").update(install_count=installs)
    client = Client()
    if who in catalogue:
        client.force_login(catalogue[who])
    else:
        session = client.session
        session["seen"] = True  # a session cookie: no visitor page cache
        session.save()
        client.cookies["sessionid"] = session.session_key or ""
    path = reverse("plugin_detail", args=["app"]) + query
    settings.PAGE_CACHE_SECONDS = 0  # nothing kept: the template renders the whole page
    rendered = page(client, path)
    settings.PAGE_CACHE_SECONDS = 60
    assert page(client, path) == rendered  # the skeleton is made
    assert page(client, path) == rendered  # and filled from where it is kept


def test_each_viewer_sees_their_own_name_and_the_counts_of_now(
    settings: Any, catalogue: dict[str, User]
) -> None:
    settings.PAGE_CACHE_SECONDS = 60
    path = reverse("plugin_detail", args=["app"])
    reader, other = Client(), Client()
    reader.force_login(catalogue["reader"])
    other.force_login(make_user("other"))
    account = f'<a href="{reverse("account")}">'
    first = page(reader, path)
    assert f"{account}R&amp;D&lt;team&gt;</a>" in first and "R&D<team>" not in first
    assert '<span class="badge">your review</span>' in first
    # The same kept skeleton, another viewer: their name, not the first one's review badge.
    second = page(other, path)
    assert f"{account}other</a>" in second and f"{account}R&amp;D" not in second
    assert '<span class="badge">your review</span>' not in second
    # Counts change without a content generation bump (an install run), and show at once.
    Plugin.objects.filter(canonical_name="app").update(install_count=41, trial_run_count=3)
    again = page(other, path)
    assert '<dd id="installs"><strong>41</strong>' in again
    assert '<dd id="trial-runs"><strong>3</strong>' in again


def test_a_readme_cannot_place_a_hole(
    settings: Any, django_capture_on_commit_callbacks: Capture
) -> None:
    settings.PAGE_CACHE_SECONDS = 60
    # What a hole looks like, without this process's nonce, which no page shows.
    forged = "\ue000" + "0" * 16 + ":username\ue001"
    with django_capture_on_commit_callbacks(execute=True):
        create_marketplace().publish(
            {"name": "forge", "version": "1.0.0", "entry_point": "1", "readme": forged}
        )
    client = Client()
    client.force_login(make_user("victim"))
    path = reverse("plugin_detail", args=["forge"])
    page(client, path)
    text = page(client, path)
    assert forged in text and text.count("victim") == 1


def test_the_owner_gets_the_page_rendered_with_their_yank_forms(
    settings: Any, catalogue: dict[str, User]
) -> None:
    settings.PAGE_CACHE_SECONDS = 60
    owner = Client()
    owner.force_login(User.objects.get(username="owner"))
    reader = Client()
    reader.force_login(catalogue["reader"])
    path = reverse("plugin_detail", args=["app"])
    page(reader, path)  # a reader's skeleton is kept
    for _ in range(2):
        text = page(owner, path)
        assert "Yank" in text and f'<a href="{reverse("account")}">owner</a>' in text


def test_a_skeleton_serves_only_its_kind_of_viewer(
    settings: Any, catalogue: dict[str, User]
) -> None:
    settings.PAGE_CACHE_SECONDS = 60
    path = reverse("plugin_detail", args=["app"])
    admin_link = f'<a href="{reverse("admin:index")}">Admin</a>'
    clients = {}
    for who in ("reader", "staff", "superuser"):
        clients[who] = Client()
        clients[who].force_login(catalogue[who])
    visitor = Client()
    for _ in range(2):
        assert admin_link not in page(clients["reader"], path)
        assert admin_link in page(clients["staff"], path)
        superuser_page = page(clients["superuser"], path)
        assert admin_link in superuser_page and "Remove" in superuser_page
        assert "Log in" in page(visitor, path)
