"""``{% messages_at ... as here %}`` and ``{% messages_left as rest %}``: see
``marketplace_site.web.placed_messages``."""

from typing import Any

from django import template

from marketplace_site.web import placed_messages

register = template.Library()


def _take(context: template.Context, place: str) -> list[Any]:
    request = context.get("request")
    messages = context.get("messages")
    if request is None or not messages:
        return []
    return placed_messages.take(request, messages, place)


@register.simple_tag(takes_context=True)
def messages_at(context: template.Context, *parts: object) -> list[Any]:
    """The messages placed at ``parts`` joined by "-" (``"review", 12``: ``review-12``)."""
    return _take(context, "-".join(str(part) for part in parts))


@register.simple_tag(takes_context=True)
def messages_left(context: template.Context) -> list[Any]:
    """Every message no part of the page has shown: base.html shows them at the top."""
    return _take(context, "")


@register.filter
def message_role(message: Any) -> str:
    return placed_messages.role(message)
