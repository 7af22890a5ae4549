"""Messages shown where the action happened.

A view that redirects to a part of a page (``/plugins/x/#review-12``) tags its message with
that part's place (``messages.success(request, text, extra_tags=at("review-12"))``); the part's
template shows it there (``{% messages_at "review" 12 as here %}``, in
``marketplace_site.templatetags.placed_messages``), so the browser, scrolled to the part, has
the message in view. A message without a place, or whose place is not on the page, is shown at
the top of the page, as before.
"""

from collections.abc import Iterable
from typing import Any

PLACE_TAG = "at:"


def at(*parts: object) -> str:
    """The ``extra_tags`` that place a message: ``at("review", 12)`` is ``"at:review-12"``."""
    return PLACE_TAG + "-".join(str(part) for part in parts)


def place_of(message: Any) -> str:
    """The place a message was tagged with, or ``""``."""
    for tag in str(getattr(message, "extra_tags", "") or "").split():
        if tag.startswith(PLACE_TAG):
            return tag.removeprefix(PLACE_TAG)
    return ""


def take(request: Any, messages: Iterable[Any], place: str) -> list[Any]:
    """The messages for ``place`` not shown yet on this page, now marked shown.

    ``place=""`` takes every message left (the top of the page). Iterating the message storage
    twice in one request gives the same ``Message`` objects, so identity tells them apart.
    """
    shown: set[int] = request.__dict__.setdefault("_placed_messages_shown", set())
    taken = [
        message
        for message in messages
        if id(message) not in shown and (not place or place_of(message) == place)
    ]
    shown.update(id(message) for message in taken)
    return taken


def role(message: Any) -> str:
    """``alert`` for an error (read out at once), ``status`` for the rest (read when idle)."""
    return "alert" if "error" in str(getattr(message, "tags", "")).split() else "status"
