"""The account page's token section, and the create and revoke views (POST only, owner only)."""

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from marketplace_site.models import ApiToken
from marketplace_site.web.tokens import api_token_authenticate, api_token_create
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def logged_in(user: User, **kwargs: object) -> Client:
    client = Client(**kwargs)  # type: ignore[arg-type]
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_account_page_lists_tokens_without_their_secrets(owner: User) -> None:
    token, raw = api_token_create(user=owner, name="<b>ci</b>")
    response = logged_in(owner).get(reverse("account"))
    content = response.content.decode()
    assert response.status_code == 200
    assert 'id="api-tokens"' in content
    assert f"mp_{token.prefix}_…" in content
    assert "&lt;b&gt;ci&lt;/b&gt;" in content and "<b>ci</b>" not in content
    assert raw.split("_", 2)[2] not in content
    assert reverse("api_token_create") in content
    assert reverse("api_token_revoke", args=[token.pk]) in content
    assert reverse("api:openapi-view") in content


def test_create_shows_the_secret_once(owner: User) -> None:
    client = logged_in(owner)
    response = client.post(reverse("api_token_create"), {"name": "laptop"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    raw = response.context["secret"]
    assert raw in response.content.decode()
    assert api_token_authenticate(raw) == owner
    token = ApiToken.objects.get(user=owner)
    assert token.name == "laptop"
    # Never again: not on the account page, not in the messages.
    account = client.get(reverse("account")).content.decode()
    assert raw not in account and raw.split("_", 2)[2] not in account
    assert "laptop" in account


@pytest.mark.parametrize("name", ["", "x" * 101])
def test_create_with_a_bad_name_makes_nothing(owner: User, name: str) -> None:
    client = logged_in(owner)
    response = client.post(reverse("api_token_create"), {"name": name}, follow=True)
    assert response.redirect_chain[-1][0].endswith(reverse("account") + "#api-tokens")
    assert "The token was not made" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_create_over_the_cap_says_why(owner: User, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("marketplace_site.web.tokens.MAX_ACTIVE_TOKENS", 1)
    client = logged_in(owner)
    client.post(reverse("api_token_create"), {"name": "one"})
    response = client.post(reverse("api_token_create"), {"name": "two"}, follow=True)
    assert "revoke one you no longer use" in response.content.decode()
    assert ApiToken.objects.count() == 1


def test_create_is_post_only_and_needs_a_login(owner: User, client: Client) -> None:
    assert logged_in(owner).get(reverse("api_token_create")).status_code == 405
    response = client.post(reverse("api_token_create"), {"name": "x"})
    assert response.status_code == 302 and reverse("login") in response["Location"]
    assert not ApiToken.objects.exists()


def test_create_and_revoke_need_the_csrf_token(owner: User) -> None:
    token, _ = api_token_create(user=owner, name="ci")
    client = logged_in(owner, enforce_csrf_checks=True)
    assert client.post(reverse("api_token_create"), {"name": "x"}).status_code == 403
    assert client.post(reverse("api_token_revoke", args=[token.pk])).status_code == 403
    token.refresh_from_db()
    assert token.is_active and ApiToken.objects.count() == 1


def test_owner_revokes_with_post(owner: User) -> None:
    token, raw = api_token_create(user=owner, name="ci")
    client = logged_in(owner)
    assert client.get(reverse("api_token_revoke", args=[token.pk])).status_code == 405
    response = client.post(reverse("api_token_revoke", args=[token.pk]), follow=True)
    assert "Revoked the token" in response.content.decode()
    assert "revoked" in response.content.decode()
    token.refresh_from_db()
    assert not token.is_active
    assert api_token_authenticate(raw) is None
    # Revoking again changes nothing and says nothing.
    again = client.post(reverse("api_token_revoke", args=[token.pk]))
    assert again.status_code == 302


def test_revoke_permission_matrix(owner: User, other: User, client: Client) -> None:
    token, raw = api_token_create(user=owner, name="ci")
    url = reverse("api_token_revoke", args=[token.pk])
    anonymous = client.post(url)
    assert anonymous.status_code == 302 and reverse("login") in anonymous["Location"]
    assert logged_in(other).post(url).status_code == 404
    assert logged_in(other).post(reverse("api_token_revoke", args=[9999])).status_code == 404
    assert api_token_authenticate(raw) == owner
    assert logged_in(owner).post(url).status_code == 302
    assert api_token_authenticate(raw) is None
