"""Per-user rate limits: a fixed-window counter in the database.

``settings.RATE_LIMITS`` maps an action ("publish", "review", ...) to (requests, window in
seconds). A request counts against its user, or against its client address when anonymous.
The counter for a window is a database row (``RateCounter``) that every worker shares. It is
counted with an UPDATE of ``count + 1`` and read back in the same transaction, so requests
that arrive together are each counted: a cache's get-then-set ``incr`` could lose one.
"""

import functools
import math
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from marketplace_site.models import RateCounter
from marketplace_site.types import MarketplaceError

ViewFunc = Callable[..., HttpResponse]


class RateLimited(MarketplaceError):
    """Too many requests of one action in the current window (429, with ``Retry-After``)."""

    code = "rate_limited"
    http_status = 429

    def __init__(self, *, action: str, limit: int, window: int, retry_after: int) -> None:
        self.action = action
        self.limit = limit
        self.window = window
        self.retry_after = retry_after
        super().__init__(self.message)

    @property
    def message(self) -> str:
        label = ACTION_LABELS.get(self.action, "requests")
        return (
            f"You have reached the limit of {self.limit} {label} per {_duration(self.window)}. "
            f"Try again in {_duration(self.retry_after)}."
        )

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


ACTION_LABELS = {
    "publish": "publishes",
    "review": "reviews and replies",
    "report": "reports",
    "plan": "install plans",
    "install": "installs",
    "try": "trial runs",
    "run": "runs of installations",
}


def _duration(seconds: int) -> str:
    if seconds >= 3600 and seconds % 3600 == 0:
        hours = seconds // 3600
        return "hour" if hours == 1 else f"{hours} hours"
    if seconds >= 120:
        return f"{math.ceil(seconds / 60)} minutes"
    return "1 second" if seconds == 1 else f"{seconds} seconds"


def _now() -> float:
    return time.time()


def client_key(request: HttpRequest) -> str:
    """Who a request counts against: its user, or its client address when anonymous."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return f"ip:{request.META.get('REMOTE_ADDR') or 'unknown'}"


def rate_limit_take(*, action: str, who: str) -> None:
    """Count one request of ``action`` by ``who``; raise ``RateLimited`` past the limit."""
    limit, window = settings.RATE_LIMITS[action]
    if limit <= 0:
        return
    now = _now()
    start = int(now // window) * window
    used = _count(f"{action}:{who}:{start}", window_ends=start + window)
    if used > limit:
        retry_after = max(1, math.ceil(start + window - now))
        raise RateLimited(action=action, limit=limit, window=window, retry_after=retry_after)


def _window(action: str, who: str) -> tuple[int, int, float, str]:
    limit, window = settings.RATE_LIMITS[action]
    now = _now()
    start = int(now // window) * window
    return limit, window, now, f"{action}:{who}:{start}"


def rate_limit_check(*, action: str, who: str) -> None:
    """Raise ``RateLimited`` when ``who`` has used up ``action`` in this window, counting
    nothing: for actions that count only what succeeded (``rate_limit_record``)."""
    limit, window, now, key = _window(action, who)
    if limit <= 0:
        return
    used = RateCounter.objects.filter(key=key).values_list("count", flat=True).first() or 0
    if used >= limit:
        start = int(now // window) * window
        retry_after = max(1, math.ceil(start + window - now))
        raise RateLimited(action=action, limit=limit, window=window, retry_after=retry_after)


def rate_limit_record(*, action: str, who: str) -> None:
    """Count one ``action`` that succeeded (a stored publish) against ``who``."""
    limit, window, now, key = _window(action, who)
    if limit > 0:
        start = int(now // window) * window
        _count(key, window_ends=start + window)


def _count(key: str, *, window_ends: float) -> int:
    """Add one to the window's counter and return the new count."""
    counters = RateCounter.objects.filter(key=key)
    with transaction.atomic():
        # INSERT ... ON CONFLICT DO NOTHING: the first request of a window makes the row.
        ends = datetime.fromtimestamp(window_ends, tz=UTC)
        RateCounter.objects.bulk_create(
            [RateCounter(key=key, window_ends=ends)], ignore_conflicts=True
        )
        counters.update(count=F("count") + 1)
        used = counters.values_list("count", flat=True).get()
    if used == 1:  # a new window: forget the ones that have ended
        RateCounter.objects.filter(window_ends__lt=datetime.fromtimestamp(_now(), tz=UTC)).delete()
    return used


def check_request(request: HttpRequest, action: str) -> None:
    rate_limit_take(action=action, who=client_key(request))


def too_many_requests(request: HttpRequest, error: RateLimited) -> HttpResponse:
    """The 429 page, in the site's layout, with ``Retry-After``."""
    response = render(request, "429.html", {"error": error}, status=429)
    response["Retry-After"] = str(error.retry_after)
    return response


def rate_limited(
    action: str, *, methods: tuple[str, ...] = ("POST",)
) -> Callable[[ViewFunc], ViewFunc]:
    """Count ``methods`` requests to a view as ``action``; past the limit, answer 429."""

    def decorator(view: ViewFunc) -> ViewFunc:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method in methods:
                try:
                    check_request(request, action)
                except RateLimited as error:
                    return too_many_requests(request, error)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def check_publish_limit(request: HttpRequest) -> None:
    """``RateLimited`` when the user's stored publishes reached the limit of this window."""
    rate_limit_check(action="publish", who=client_key(request))


def record_publish(request: HttpRequest) -> None:
    """Count a stored publish (a rejected one is not counted)."""
    rate_limit_record(action="publish", who=client_key(request))
