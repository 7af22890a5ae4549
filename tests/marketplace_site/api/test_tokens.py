"""Token services: made with a high-entropy secret, stored hashed, revocable."""

import hashlib
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.utils import timezone

from marketplace_site.models import ApiToken
from marketplace_site.web.tokens import (
    MAX_ACTIVE_TOKENS,
    InvalidTokenRequest,
    api_token_authenticate,
    api_token_create,
    api_token_revoke,
)
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_create_returns_a_token_that_authenticates(owner: User) -> None:
    token, raw = api_token_create(user=owner, name="  ci  ")
    assert token.name == "ci"
    assert raw.startswith(f"mp_{token.prefix}_")
    assert len(raw.split("_", 2)[2]) >= 43  # token_urlsafe(32): 256 bits
    assert api_token_authenticate(raw) == owner
    assert str(token) == f"ci (mp_{token.prefix}_…)"


def test_the_database_never_contains_the_secret(owner: User) -> None:
    token, raw = api_token_create(user=owner, name="ci")
    secret = raw.split("_", 2)[2]
    assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {ApiToken._meta.db_table}")  # noqa: S608
        rows = cursor.fetchall()
    dump = repr(rows)
    assert secret not in dump and raw not in dump
    assert token.prefix in dump and token.token_hash in dump


def test_each_token_is_different(owner: User) -> None:
    raws = {api_token_create(user=owner, name=f"t{i}")[1] for i in range(5)}
    assert len(raws) == 5
    assert ApiToken.objects.for_user(owner).count() == 5


@pytest.mark.parametrize(
    "raw",
    ["", "nonsense", "mp_", "mp__x", "mp_abc_", "xx_abcdef12_secret", "mp_deadbeef_wrong"],
)
def test_malformed_or_unknown_tokens_do_not_authenticate(owner: User, raw: str) -> None:
    api_token_create(user=owner, name="ci")
    assert api_token_authenticate(raw) is None


def test_a_right_prefix_with_a_wrong_secret_does_not_authenticate(owner: User) -> None:
    token, raw = api_token_create(user=owner, name="ci")
    assert api_token_authenticate(f"mp_{token.prefix}_{'x' * 43}") is None
    assert api_token_authenticate(raw + "x") is None


def test_revoked_tokens_and_inactive_users_do_not_authenticate(owner: User) -> None:
    token, raw = api_token_create(user=owner, name="ci")
    api_token_revoke(token=token, acting_user=owner)
    assert api_token_authenticate(raw) is None
    assert not token.is_active

    _second, other_raw = api_token_create(user=owner, name="two")
    owner.is_active = False
    owner.save()
    assert api_token_authenticate(other_raw) is None


def test_only_the_owner_revokes_and_revoking_twice_keeps_the_first_time(owner: User) -> None:
    token, _raw = api_token_create(user=owner, name="ci")
    with pytest.raises(PermissionError):
        api_token_revoke(token=token, acting_user=make_user())
    api_token_revoke(token=token, acting_user=owner)
    first = token.revoked_at
    api_token_revoke(token=token, acting_user=owner)
    token.refresh_from_db()
    assert token.revoked_at == first


def test_last_used_is_recorded_at_most_once_a_minute(owner: User) -> None:
    token, raw = api_token_create(user=owner, name="ci")
    assert token.last_used_at is None
    api_token_authenticate(raw)
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    api_token_authenticate(raw)
    token.refresh_from_db()
    assert token.last_used_at == first
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - timedelta(minutes=2))
    api_token_authenticate(raw)
    token.refresh_from_db()
    assert token.last_used_at is not None and token.last_used_at > first - timedelta(minutes=1)
    assert token.last_used_at <= timezone.now()


@pytest.mark.parametrize("name", ["", "   ", "x" * 101])
def test_a_token_needs_a_short_name(owner: User, name: str) -> None:
    with pytest.raises(InvalidTokenRequest):
        api_token_create(user=owner, name=name)


def test_active_tokens_are_capped(owner: User) -> None:
    tokens = [api_token_create(user=owner, name=f"t{i}")[0] for i in range(MAX_ACTIVE_TOKENS)]
    with pytest.raises(InvalidTokenRequest, match="revoke one"):
        api_token_create(user=owner, name="one more")
    api_token_revoke(token=tokens[0], acting_user=owner)
    api_token_create(user=owner, name="one more")


def test_queryset_vocabulary(owner: User) -> None:
    kept, _ = api_token_create(user=owner, name="kept")
    gone, _ = api_token_create(user=owner, name="gone")
    api_token_revoke(token=gone, acting_user=owner)
    assert list(ApiToken.objects.for_user(owner).active()) == [kept]
    assert list(ApiToken.objects.for_user(owner)) == [gone, kept]  # newest first
