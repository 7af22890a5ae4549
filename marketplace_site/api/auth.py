"""Bearer-token authentication for the API (``Authorization: Bearer mp_...``)."""

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer

from marketplace_site.api.errors import ApiError
from marketplace_site.web.tokens import api_token_authenticate


class ApiTokenAuth(HttpBearer):
    """Accepts a token made on the account page; a wrong or revoked one is a 401.

    No session fallback: a browser never sends a bearer token by itself, so the API needs no
    CSRF protection.
    """

    def authenticate(self, request: HttpRequest, token: str) -> Any | None:
        user = api_token_authenticate(token)
        if user is None:
            raise ApiError(401, "invalid_token", "The API token is invalid or has been revoked.")
        request.user = user
        return user


token_auth = ApiTokenAuth()
