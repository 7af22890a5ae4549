"""The signed-in user of a request, from this process's copy while no account has changed.

Django reads the user's row on every request of a signed-in session. This keeps a copy of
each row a worker has read (in the per-process "fragments" cache) under the accounts
generation: a random token in the shared default cache, which any saved or deleted account
replaces once its transaction commits, so every worker's copies become unreachable at once:
a password change, a deactivation or a staff flag takes effect on the next request, on
every worker, as with a read of the row. The token is read with the session
(``marketplace_site.web.sessions``), in the same round trip.

A copy is used only when the session's auth hash matches it, as Django checks a row read
from the table; anything else (no token, no copy, another hash, a key-rotation fallback)
goes through ``django.contrib.auth.get_user`` unchanged. Only with sessions in the shared
cache: with ``CACHE_BACKEND=locmem`` a token would be each worker's own, and every request
reads the row.
"""

import secrets
from typing import Any

from django.conf import settings
from django.contrib import auth
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.middleware import AuthenticationMiddleware as DjangoAuthentication
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache, caches
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest
from django.utils.crypto import constant_time_compare
from django.utils.functional import SimpleLazyObject

from marketplace_site.web import sessions

GENERATION_KEY = sessions.USERS_GENERATION_KEY
# How long a worker keeps a copy: a bound on memory, not on staleness (the token is that).
COPY_SECONDS = 300


def bump() -> None:
    """Make every worker's copies of accounts unreachable (after the current transaction
    commits). A new random token, never a counter: a token the cache lost and made again
    can never bring back copies kept under an old one."""
    transaction.on_commit(lambda: cache.set(GENERATION_KEY, secrets.token_hex(8), timeout=None))


def _bump_on_change(sender: type, **kwargs: Any) -> None:
    bump()


def connect(user_model: type) -> None:
    """Replace the token whenever an account is saved or deleted."""
    post_save.connect(_bump_on_change, sender=user_model, dispatch_uid="users-generation")
    post_delete.connect(_bump_on_change, sender=user_model, dispatch_uid="users-generation")


def _generation(request: HttpRequest) -> str | None:
    """The accounts token as read with the session, made when the cache has none; None when
    sessions are not kept in the shared cache (no copies then)."""
    read, token = sessions.prefetched(request, GENERATION_KEY)
    if not read:
        return None
    if token is None:
        # Made now, before this request reads the row: a copy of it may be kept under it.
        token = secrets.token_hex(8)
        if not cache.add(GENERATION_KEY, token, timeout=None):
            return None  # another request made one meanwhile: read the row
    return str(token)


def get_user(request: HttpRequest) -> AbstractBaseUser | AnonymousUser:
    """The request's user, as ``django.contrib.auth.get_user`` answers it."""
    token = _generation(request)
    if token is None:
        return auth.get_user(request)
    session = request.session
    user_id = session.get(SESSION_KEY)
    backend = session.get(BACKEND_SESSION_KEY)
    session_hash = session.get(HASH_SESSION_KEY)
    if user_id is None or backend not in settings.AUTHENTICATION_BACKENDS or not session_hash:
        return auth.get_user(request)
    copies = caches["fragments"]
    key = f"user:{token}:{backend}:{user_id}"
    # The cache unpickles a new object on every read: nothing one request caches on its
    # user (permissions) reaches another.
    copy: AbstractBaseUser | None = copies.get(key)
    if copy is not None and constant_time_compare(session_hash, copy.get_session_auth_hash()):
        return copy
    user = auth.get_user(request)
    if user.is_authenticated and str(user.pk) == str(user_id):
        copies.set(key, user, COPY_SECONDS)
    return user


class AuthenticationMiddleware(DjangoAuthentication):
    """Django's, with ``request.user`` from ``get_user`` above."""

    def process_request(self, request: HttpRequest) -> None:
        super().process_request(request)

        def user() -> AbstractBaseUser | AnonymousUser:
            # Once per request, as Django's middleware does.
            found: AbstractBaseUser | AnonymousUser | None = getattr(request, "_cached_user", None)
            if found is None:
                found = request._cached_user = get_user(request)  # type: ignore[attr-defined]
            return found

        request.user = SimpleLazyObject(user)  # type: ignore[assignment]
