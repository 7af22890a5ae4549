"""Fixtures for the API tests: users, their tokens, a client that sends a token."""

from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.test.utils import override_settings

from marketplace_site.web.tokens import api_token_create
from tests.factories import make_user

API = "/api/v1"


@pytest.fixture(autouse=True, scope="session")
def _whitenoise_without_collectstatic() -> Iterator[None]:
    """WhiteNoise warns (an error here) when STATIC_ROOT was never collected."""
    with override_settings(WHITENOISE_AUTOREFRESH=True):
        yield


class ApiClient:
    """A test client that sends JSON and, when it has one, a bearer token."""

    def __init__(self, token: str | None = None) -> None:
        self.client = Client()
        self.token = token

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self.client.get(API + path, params or {}, headers=self._headers())

    def post(self, path: str, data: Any = None, **extra: Any) -> Any:
        return self.client.post(
            API + path, data, content_type="application/json", headers=self._headers(), **extra
        )

    def post_raw(self, path: str, body: bytes, **extra: Any) -> Any:
        return self.client.generic(
            "POST", API + path, body, "application/json", headers=self._headers(), **extra
        )

    def delete(self, path: str) -> Any:
        return self.client.delete(API + path, headers=self._headers())


@pytest.fixture
def owner(db: None) -> User:
    return make_user("owner")


@pytest.fixture
def other(db: None) -> User:
    return make_user("other")


@pytest.fixture
def owner_token(owner: User) -> str:
    return api_token_create(user=owner, name="owner's laptop")[1]


@pytest.fixture
def other_token(other: User) -> str:
    return api_token_create(user=other, name="other's laptop")[1]


@pytest.fixture
def anon(db: None) -> ApiClient:
    return ApiClient()


@pytest.fixture
def as_owner(owner_token: str) -> ApiClient:
    return ApiClient(owner_token)


@pytest.fixture
def as_other(other_token: str) -> ApiClient:
    return ApiClient(other_token)
