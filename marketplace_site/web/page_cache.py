"""A short-lived cache of whole pages for visitors who are not signed in.

A page is stored under the site's content generation, which every change to what the pages
show (a publish, a removal, a review, a reply, a vote, moderation) bumps after its
transaction commits; a bump makes every stored page unreachable at once. Run counts may
lag by up to settings.PAGE_CACHE_SECONDS (0 turns the cache off). Pages for signed-in users,
or for anyone with a session or pending messages, are never cached: they hold per-user
content and CSRF tokens.
"""

import hashlib
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject

from marketplace_site.web import sessions

GENERATION_KEY = sessions.CONTENT_GENERATION_KEY


def generation() -> int:
    value = cache.get(GENERATION_KEY)
    if value is None:
        cache.add(GENERATION_KEY, 1, timeout=None)
        value = cache.get(GENERATION_KEY, 1)
    return int(value)


def request_generation(request: HttpRequest) -> int:
    """``generation()``, read at most once per request (a page keys several things by it):
    with a session, the value read with it (``marketplace_site.web.sessions``)."""
    value = request.__dict__.get("_content_generation")
    if value is None:
        read, value = sessions.prefetched(request, GENERATION_KEY)
        if not read or value is None:
            value = generation()
        request.__dict__["_content_generation"] = value
    return int(value)


def bump() -> None:
    """Make every cached page stale (after the current transaction commits)."""

    def _bump() -> None:
        try:
            cache.incr(GENERATION_KEY)
        except ValueError:  # not set yet, or evicted
            cache.set(GENERATION_KEY, 2, timeout=None)

    transaction.on_commit(_bump)


def _bump_on_change(sender: type, **kwargs: Any) -> None:
    bump()


def connect(models: list[type]) -> None:
    for model in models:
        post_save.connect(_bump_on_change, sender=model, dispatch_uid=f"pages-{model.__name__}")
        post_delete.connect(_bump_on_change, sender=model, dispatch_uid=f"pages-{model.__name__}")


def _cacheable(request: HttpRequest) -> bool:
    return (
        settings.PAGE_CACHE_SECONDS > 0
        and request.method == "GET"
        and not request.user.is_authenticated
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
    )


def cached_for_visitors(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Serve ``view`` from the page cache to visitors who are not signed in."""

    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not _cacheable(request):
            return view(request, *args, **kwargs)
        identity = f"{request.get_host()}|{request.get_full_path()}"
        digest = hashlib.sha256(identity.encode()).hexdigest()[:32]
        key = f"pages:{generation()}:{digest}"
        content = cache.get(key)
        if content is not None:
            return HttpResponse(content)
        response = view(request, *args, **kwargs)
        if (
            response.status_code == 200
            and not response.streaming
            and not response.cookies
            and b"csrfmiddlewaretoken" not in response.content
        ):
            cache.set(key, response.content, settings.PAGE_CACHE_SECONDS)
        return response

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


def content_generation(request: HttpRequest) -> dict[str, Any]:
    """Template context processor: ``content_generation``, read from the cache only if a
    template uses it (a ``{% cache %}`` fragment keyed by it, such as the home page's), and
    ``fragment_seconds``, how long such a fragment lives (PAGE_CACHE_SECONDS; 0: not kept)."""
    return {
        "content_generation": SimpleLazyObject(lambda: request_generation(request)),
        "fragment_seconds": settings.PAGE_CACHE_SECONDS,
    }
