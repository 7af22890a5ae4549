"""API tokens in the admin: listed, never added there, revoked by an action."""

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from marketplace_site.web.tokens import api_token_authenticate, api_token_create, api_token_revoke
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db


def admin_client() -> Client:
    make_user("admin", is_staff=True, is_superuser=True)
    client = Client()
    assert client.login(username="admin", password=PASSWORD)
    return client


def test_admin_lists_tokens_without_secrets_and_cannot_add(owner: User) -> None:
    token, raw = api_token_create(user=owner, name="ci")
    client = admin_client()
    listing = client.get(reverse("admin:marketplace_site_apitoken_changelist"))
    assert listing.status_code == 200
    content = listing.content.decode()
    assert f"mp_{token.prefix}_…" in content and raw not in content
    assert token.token_hash not in content
    assert client.get(reverse("admin:marketplace_site_apitoken_add")).status_code == 403
    detail = client.get(reverse("admin:marketplace_site_apitoken_change", args=[token.pk]))
    assert detail.status_code == 200 and token.token_hash not in detail.content.decode()


def test_admin_revokes_a_leaked_token(owner: User) -> None:
    token, raw = api_token_create(user=owner, name="ci")
    response = admin_client().post(
        reverse("admin:marketplace_site_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [token.pk]},
        follow=True,
    )
    assert "Revoked 1 token(s)." in response.content.decode()
    assert api_token_authenticate(raw) is None


def test_staff_without_the_permission_cannot_revoke_others_tokens(owner: User) -> None:
    token, _raw = api_token_create(user=owner, name="ci")
    with pytest.raises(PermissionError):
        api_token_revoke(token=token, acting_user=make_user("staff", is_staff=True))
    with pytest.raises(PermissionError):
        api_token_revoke(token=token, acting_user=None)
