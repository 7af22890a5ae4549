"""Pages of the browse orders (``BROWSE_ORDERS``) however deep, each read from its index.

A page's ids are read from the order's index alone (each index ends with the id), and only
those rows are then joined to their version: a page deep in 100,000 plugins does not join
every row it skips. Skipping still walks the index, one entry per plugin skipped (50,000
entries: 5-10 ms on SQLite, 15-30 ms on PostgreSQL on a busy machine), so a page in the
second half of the order is read walking the index backwards from its far end: no page
walks more than half of it, a random page a quarter on average.
"""

from typing import Any

from django.db.models import QuerySet

from registry.models import BROWSE_ORDERS, CARD_FIELDS, LISTED, Plugin


def _backwards(order: tuple[str, ...]) -> list[str]:
    return [name.removeprefix("-") if name.startswith("-") else f"-{name}" for name in order]


def _ids(sort: str, offset: int, limit: int, total: int | None) -> tuple[QuerySet[Any], bool]:
    """The query of ``page_ids``, and whether it reads the order backwards."""
    order = BROWSE_ORDERS.get(sort, BROWSE_ORDERS["name"])
    listed = Plugin.objects.filter(LISTED)
    if total is None or 2 * offset + limit <= total:
        return listed.order_by(*order).values_list("pk", flat=True)[offset : offset + limit], False
    stop = min(offset + limit, total)
    if stop <= offset:
        return listed.none().values_list("pk", flat=True), True
    backwards = listed.order_by(*_backwards(order)).values_list("pk", flat=True)
    return backwards[total - stop : total - offset], True


def page_ids(sort: str, offset: int, limit: int, *, total: int | None = None) -> list[int]:
    """The ids of the listed plugins at positions ``offset`` to ``offset + limit - 1``
    (0-based) of order ``sort`` (``BROWSE_ORDERS``; an unknown one reads as "name").

    ``total``, how many plugins are listed (``RegistryService.browse_count``), lets a page
    past the middle be read from the end; a ``total`` out of date by some plugins shifts such
    a page by as many."""
    query, backwards = _ids(sort, offset, limit, total)
    ids = list(query)
    return ids[::-1] if backwards else ids


def page(sort: str, offset: int, limit: int, *, total: int | None = None) -> list[Plugin]:
    """The plugins of ``page_ids``, in that order, each with its latest version and what a
    card shows (``CARD_FIELDS``): one query, the ids' query inside it, so that only the
    page's rows are joined to their version."""
    query, _ = _ids(sort, offset, limit, total)
    order = BROWSE_ORDERS.get(sort, BROWSE_ORDERS["name"])
    rows = Plugin.objects.filter(pk__in=query).select_related("latest").only(*CARD_FIELDS)
    return list(rows.order_by(*order))
