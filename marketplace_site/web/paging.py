"""Paging for the site's pages: which page a request asks for, and links to its neighbours.

Every paged list reads its page number the same way: anything unreadable is the first page,
and a number past the end is the last one (Django's ``Paginator.get_page`` rule).
"""

from collections.abc import Sequence
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest


def page_number(text: str | None, num_pages: int) -> int:
    """The page asked for, within 1..num_pages; anything unreadable is the first page."""
    try:
        number = int(text or 1)
    except ValueError:
        return 1
    return min(max(number, 1), num_pages)


def page_of(items: Sequence[Any] | QuerySet[Any], text: str | None, *, per_page: int) -> Page[Any]:
    """One page of ``items`` (a list, or a query that counts and slices in the database).

    ``text`` is the page number as the address gives it: a number past the end gives the
    last page, and one below 1 or not a number the first (Django's ``get_page`` would read
    ``0`` as past the end and show the last page)."""
    paginator = Paginator(items, per_page)
    return paginator.page(page_number(text, paginator.num_pages))


def query_with(request: HttpRequest, **params: Any) -> str:
    """The request's query string with ``params`` set: a link that keeps the other choices."""
    query = request.GET.copy()
    for key, value in params.items():
        query[key] = str(value)
    return query.urlencode()
