"""A signed-in user is read from the worker's copy until any account changes, then afresh;
the session, the content generation and the accounts generation come in one cache read."""

from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from marketplace_site.marketplace import create_marketplace
from marketplace_site.web import sessions, users
from marketplace_site.web.sessions import SessionStore
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client: Client, django_capture_on_commit_callbacks: Any) -> tuple[Client, User]:
    with django_capture_on_commit_callbacks(execute=True):
        user = make_user("reader")
        create_marketplace().publish({"name": "app", "version": "1.0.0", "entry_point": "1"})
    client.force_login(user)
    return client, user


def plugin_page(client: Client) -> tuple[str, list[str]]:
    """The plugin page's text and the SQL of its queries."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("plugin_detail", args=["app"]))
    assert response.status_code == 200
    return response.content.decode(), [query["sql"] for query in captured.captured_queries]


def account_reads(queries: list[str]) -> list[str]:
    """The queries that read a user's row by id (Django's ModelBackend.get_user)."""
    return [sql for sql in queries if 'FROM "auth_user" WHERE "auth_user"."id" =' in sql]


def test_a_repeat_view_reads_no_account_row_and_the_cache_once(
    signed_in: tuple[Client, User],
) -> None:
    client, _ = signed_in
    plugin_page(client)
    text, queries = plugin_page(client)
    assert "reader" in text and "Log out" in text
    assert account_reads(queries) == []
    # The session, the content generation and the accounts generation: one read.
    assert len([sql for sql in queries if "marketplace_cache" in sql]) == 1


def test_a_password_change_ends_the_session_on_the_next_request(
    signed_in: tuple[Client, User], django_capture_on_commit_callbacks: Any
) -> None:
    client, user = signed_in
    plugin_page(client)
    with django_capture_on_commit_callbacks(execute=True):
        user.set_password("another secret")
        user.save()
    text, _ = plugin_page(client)
    assert "Log out" not in text and "Log in" in text


@pytest.mark.parametrize(
    ("change", "shown"),
    [({"is_staff": True}, "Admin"), ({"username": "renamed"}, "renamed")],
)
def test_a_change_to_the_account_shows_on_the_next_request(
    signed_in: tuple[Client, User],
    django_capture_on_commit_callbacks: Any,
    change: dict[str, Any],
    shown: str,
) -> None:
    client, user = signed_in
    assert shown not in plugin_page(client)[0]
    with django_capture_on_commit_callbacks(execute=True):
        for field, value in change.items():
            setattr(user, field, value)
        user.save()
    assert shown in plugin_page(client)[0]


def test_a_deactivated_or_deleted_account_is_signed_out(
    signed_in: tuple[Client, User], django_capture_on_commit_callbacks: Any
) -> None:
    client, user = signed_in
    other = Client()
    other.force_login(make_user("second"))
    plugin_page(client), plugin_page(other)
    with django_capture_on_commit_callbacks(execute=True):
        user.is_active = False
        user.save()
        User.objects.get(username="second").delete()
    assert "Log in" in plugin_page(client)[0]
    assert "Log in" in plugin_page(other)[0]


def test_a_lost_accounts_generation_never_brings_back_an_old_copy(
    signed_in: tuple[Client, User],
) -> None:
    client, user = signed_in
    plugin_page(client)  # a copy is kept under the current token
    # A change the signals never see (a bulk update), and the token lost from the cache:
    # the token made again is new, so the copy under the old one is not used.
    User.objects.filter(pk=user.pk).update(username="changed-behind")
    cache.delete(users.GENERATION_KEY)
    text, queries = plugin_page(client)
    assert "changed-behind" in text
    assert len(account_reads(queries)) == 1


def test_a_session_the_cache_lost_is_read_back_from_the_table(
    signed_in: tuple[Client, User],
) -> None:
    client, _ = signed_in
    plugin_page(client)
    cache.clear()
    text, _ = plugin_page(client)
    assert "reader" in text and "Log out" in text
    assert "reader" in plugin_page(client)[0]


def test_a_copy_answers_only_the_session_hash_it_matches(
    signed_in: tuple[Client, User], django_capture_on_commit_callbacks: Any
) -> None:
    # A session made before the password changed, presented to a worker whose copy is
    # newer: the copy does not match its hash, and Django's own check signs it out.
    client, user = signed_in
    stale = Client()
    stale.cookies = client.cookies
    with django_capture_on_commit_callbacks(execute=True):
        user.set_password("changed")
        user.save()
    fresh = Client()
    fresh.force_login(user)
    assert "Log out" in plugin_page(fresh)[0]  # the copy now holds the new hash
    assert "Log in" in plugin_page(stale)[0]


def request_with(session_key: str | None) -> HttpRequest:
    request = RequestFactory().get("/")
    request.session = SessionStore(session_key)
    return request


def test_a_cookie_naming_no_session_reads_as_signed_out() -> None:
    request = request_with("x" * 32)
    assert users.get_user(request).is_authenticated is False
    assert request.session.keys() == set()


def test_a_cache_that_fails_leaves_the_session_to_the_table(
    signed_in: tuple[Client, User], monkeypatch: pytest.MonkeyPatch
) -> None:
    client, user = signed_in
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    store = SessionStore(key)

    def unavailable(keys: list[str]) -> dict[str, object]:
        raise ConnectionError("the cache server is down")

    monkeypatch.setattr(store._cache, "get_many", unavailable)
    request = RequestFactory().get("/")
    request.session = store
    assert users.get_user(request) == user
    # Nothing was read from the cache: the generations are unknown, not taken as fresh.
    assert sessions.prefetched(request, users.GENERATION_KEY) == (True, None)


def test_a_session_made_in_this_request_has_read_no_generations() -> None:
    request = request_with(None)
    request.session["seen"] = True
    request.session.save()  # a key now, and nothing loaded
    assert sessions.prefetched(request, users.GENERATION_KEY) == (False, None)


def test_a_token_made_meanwhile_by_another_request_is_left_to_it(
    signed_in: tuple[Client, User],
) -> None:
    client, user = signed_in
    cache.delete(users.GENERATION_KEY)
    request = request_with(client.cookies[settings.SESSION_COOKIE_NAME].value)
    assert sessions.prefetched(request, users.GENERATION_KEY) == (True, None)
    cache.set(users.GENERATION_KEY, "made-by-another-request")
    # The row is read, and no copy kept under a token this request did not make.
    with CaptureQueriesContext(connection) as captured:
        assert users.get_user(request) == user
    assert len(account_reads([query["sql"] for query in captured.captured_queries])) == 1
    assert cache.get(users.GENERATION_KEY) == "made-by-another-request"
