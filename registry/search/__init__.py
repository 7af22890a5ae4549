"""Ranked full-text search over the latest version of every plugin.

One interface, two engines: SQLite FTS5 on the embedded default (``sqlite``), PostgreSQL
full-text search (``postgres``: tsvector columns with GIN indexes) on PostgreSQL. Every query
word matches as a whole word or as a prefix; how matches rank is the one table in ``policy``
(name, then keywords, then description, then author). ``indexing`` keeps the index in step
with the registry; ``listing`` loads PostgreSQL's rows as result cards; ``suggest`` corrects
misspelt words from the vocabulary of plugin names and keywords (``terms``).
"""

from django.db import connection

from registry.models import Plugin
from registry.search import postgres, sqlite
from registry.search.indexing import index_plugin, index_tables, rebuild_index, remove_orphans
from registry.search.policy import TIERS, query_words
from registry.search.suggest import SUGGEST_BELOW, corrected_query

__all__ = [
    "COUNT_CAP",
    "SUGGEST_BELOW",
    "TIERS",
    "count_cap",
    "index_plugin",
    "index_tables",
    "query_words",
    "rebuild_index",
    "remove_orphans",
    "search_page",
    "search_plugin_ids",
    "suggestion",
]

# Counting stops past this many matches (or past the requested page, if that is further):
# a page says "more than 100 match" rather than visiting every match to count it.
COUNT_CAP = 100


def count_cap(*, limit: int, offset: int) -> int:
    """How far a search counts: far enough to know whether a page follows the requested one."""
    return max(COUNT_CAP, offset + limit)


def search_page(query: str, *, limit: int = 20, offset: int = 0) -> tuple[list[Plugin], int]:
    """One page of matches, best first, as plugins loaded for a result card; and the count.

    The count stops at ``count_cap() + 1``, so a larger number means "more than that".
    """
    if connection.vendor != "postgresql":
        ids, total = search_plugin_ids(query, limit=limit, offset=offset)
        by_id = {p.pk: p for p in Plugin.objects.for_listing().filter(pk__in=ids).order_by()}
        return [by_id[i] for i in ids if i in by_id], total
    words = query_words(query)
    if not words or limit <= 0:
        return [], 0
    with connection.cursor() as cursor:
        return postgres.search(
            cursor, words, limit=limit, offset=offset, cap=count_cap(limit=limit, offset=offset)
        )


def search_plugin_ids(query: str, *, limit: int = 20, offset: int = 0) -> tuple[list[int], int]:
    """The ids of one page of matches, best first, and the count (as ``search_page``)."""
    if connection.vendor == "postgresql":  # one statement reads ids and rows alike
        plugins, total = search_page(query, limit=limit, offset=offset)
        return [plugin.pk for plugin in plugins], total
    words = query_words(query)
    if not words or limit <= 0:
        return [], 0
    with connection.cursor() as cursor:
        return sqlite.search(
            cursor, words, limit=limit, offset=offset, cap=count_cap(limit=limit, offset=offset)
        )


def suggestion(query: str, *, total: int) -> str | None:
    """ "Did you mean ...?": the query with misspelt words corrected when a search found
    fewer than SUGGEST_BELOW plugins (``total``), else None."""
    words = query_words(query)
    if total >= SUGGEST_BELOW or not words:
        return None
    return corrected_query(words)
