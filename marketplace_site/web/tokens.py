"""API token services: create, revoke, and authenticate a bearer token.

A token is ``mp_<prefix>_<secret>``: ``prefix`` is 8 random hex characters, public and unique,
used to find the row; ``secret`` is ``secrets.token_urlsafe(32)`` (256 bits). The database keeps
only the SHA-256 of the whole token, compared in constant time, so a copy of the database
cannot be used to call the API.
"""

import hashlib
import hmac
import secrets
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from marketplace_site.models import TOKEN_NAME_MAX_LENGTH, ApiToken
from marketplace_site.types import MarketplaceError

TOKEN_PREFIX = "mp"  # noqa: S105 - the public marker of our tokens, not a secret
MAX_ACTIVE_TOKENS = 20
# ``last_used_at`` is written at most this often, so reads do not each take a write lock.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class InvalidTokenRequest(MarketplaceError):
    """A token cannot be made as asked (no name, too many tokens); the message says why."""

    code = "invalid_token_request"


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def _split(raw: str) -> tuple[str, str] | None:
    parts = raw.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


def api_token_create(*, user: Any, name: str) -> tuple[ApiToken, str]:
    """A new token for ``user``: (the row, the token to show once and never again)."""
    name = (name or "").strip()
    if not name:
        raise InvalidTokenRequest("Give the token a name, such as the machine that will use it.")
    if len(name) > TOKEN_NAME_MAX_LENGTH:
        raise InvalidTokenRequest(
            f"The name is longer than {TOKEN_NAME_MAX_LENGTH} characters; use a shorter one."
        )
    if ApiToken.objects.for_user(user).active().count() >= MAX_ACTIVE_TOKENS:
        raise InvalidTokenRequest(
            f"You already have {MAX_ACTIVE_TOKENS} active tokens; revoke one you no longer use."
        )
    for _attempt in range(5):
        prefix = secrets.token_hex(4)
        raw = f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
        try:
            with transaction.atomic():
                token = ApiToken.objects.create(
                    user=user, name=name, prefix=prefix, token_hash=hash_token(raw)
                )
        except IntegrityError:  # pragma: no cover - a 1 in 4 billion prefix collision
            continue
        return token, raw
    raise InvalidTokenRequest("Could not make a token; please try again.")  # pragma: no cover


REVOKE_ANY_PERMISSION = "marketplace_site.change_apitoken"


def can_revoke_token(user: Any, token: ApiToken) -> bool:
    """The token's owner, or staff allowed to change tokens (to stop a leaked one)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return token.user_id == user.pk or bool(user.has_perm(REVOKE_ANY_PERMISSION))


def api_token_revoke(*, token: ApiToken, acting_user: Any) -> ApiToken:
    """Revoke a token (see ``can_revoke_token``). Revoking twice keeps the first time."""
    if not can_revoke_token(acting_user, token):
        raise PermissionError("Only the token's owner can revoke it.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def api_token_authenticate(raw: str) -> Any | None:
    """The active user a token belongs to, or None for a wrong, revoked or unknown token."""
    parts = _split(raw)
    if parts is None:
        return None
    prefix, _secret = parts
    token = ApiToken.objects.select_related("user").filter(prefix=prefix).first()
    if token is None or not hmac.compare_digest(token.token_hash, hash_token(raw.strip())):
        return None
    if token.revoked_at is not None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
