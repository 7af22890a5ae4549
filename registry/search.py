"""Ranked full-text search over the latest version of every plugin.

One interface, two engines: SQLite FTS5 on the embedded default, PostgreSQL full-text search
(a tsvector column with a GIN index) on PostgreSQL. Every query word matches as a whole word
or as a prefix; a match in the name ranks above one in the keywords, above one in the
description, above one in the author.
"""

import re
from collections.abc import Sequence
from functools import cache
from typing import Any, cast

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.backends.utils import CursorWrapper
from django.db.models import Field, Model

from registry.models import LISTING_FIELDS, Plugin, PluginVersion

WORD = re.compile(r"\w+", re.UNICODE)
MAX_QUERY_WORDS = 8

SQLITE_TABLE = "registry_plugin_fts"
POSTGRES_TABLE = "registry_plugin_search"
# The names alone again, in rows a tenth as wide: a broad prefix matches thousands of names,
# and ranking them reads each row, so fewer pages to read makes that about a third faster.
POSTGRES_NAME_TABLE = "registry_plugin_search_name"

SQLITE_CREATE = f"""
CREATE VIRTUAL TABLE IF NOT EXISTS {SQLITE_TABLE} USING fts5(
    name, keywords, description, author,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '1 2 3'
)
"""
SQLITE_DROP = f"DROP TABLE IF EXISTS {SQLITE_TABLE}"
POSTGRES_CREATE = [
    f"""CREATE TABLE IF NOT EXISTS {POSTGRES_TABLE} (
        plugin_id bigint PRIMARY KEY,
        name_doc tsvector NOT NULL,
        head_doc tsvector NOT NULL,
        document tsvector NOT NULL
    )""",
    f"""CREATE TABLE IF NOT EXISTS {POSTGRES_NAME_TABLE} (
        plugin_id bigint PRIMARY KEY,
        name_doc tsvector NOT NULL
    )""",
    # One index per ranking tier, so that no tier needs a recheck of weights on the heap.
    *(
        f"CREATE INDEX IF NOT EXISTS {table}_{column} ON {table} USING GIN ({column})"
        for table, column in [
            (POSTGRES_NAME_TABLE, "name_doc"),
            (POSTGRES_TABLE, "head_doc"),
            (POSTGRES_TABLE, "document"),
        ]
    ),
]
POSTGRES_DROP = f"DROP TABLE IF EXISTS {POSTGRES_TABLE}, {POSTGRES_NAME_TABLE}"


def query_words(query: str) -> list[str]:
    """The words of a query, lower-cased, at most MAX_QUERY_WORDS of them."""
    return [w.lower() for w in WORD.findall(query)][:MAX_QUERY_WORDS]


def _name_text(name: str) -> str:
    # "image-resizer" is searchable as "image", "resizer" and "imageresizer".
    parts = WORD.findall(name.replace("_", " "))
    return " ".join([*parts, "".join(parts)])


def index_plugin(plugin_id: int, version: PluginVersion | None) -> None:
    """Put a plugin's latest version in the search index (or take it out, given None)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table in (POSTGRES_TABLE, POSTGRES_NAME_TABLE):
                cursor.execute(f"DELETE FROM {table} WHERE plugin_id = %s", [plugin_id])
            if version is not None:
                cursor.execute(
                    f"""WITH indexed AS (
                            INSERT INTO {POSTGRES_TABLE} (plugin_id, name_doc, head_doc, document)
                            SELECT %s, ts_filter(doc, '{{a}}'), ts_filter(doc, '{{a,b}}'), doc
                            FROM (SELECT
                                setweight(to_tsvector('simple', %s), 'A') ||
                                setweight(to_tsvector('simple', %s), 'B') ||
                                setweight(to_tsvector('simple', %s), 'C') ||
                                setweight(to_tsvector('simple', %s), 'D') AS doc) AS weighted
                            RETURNING plugin_id, name_doc
                        )
                        INSERT INTO {POSTGRES_NAME_TABLE} SELECT * FROM indexed""",
                    [plugin_id, *_document(version)],
                )
        else:
            cursor.execute(f"DELETE FROM {SQLITE_TABLE} WHERE rowid = %s", [plugin_id])
            if version is not None:
                cursor.execute(
                    f"INSERT INTO {SQLITE_TABLE} (rowid, name, keywords, description, author)"
                    " VALUES (%s, %s, %s, %s, %s)",
                    [plugin_id, *_document(version)],
                )


def _document(version: PluginVersion) -> list[str]:
    return [
        _name_text(version.plugin.display_name),
        " ".join(version.keywords),
        version.description,
        version.author,
    ]


# Matches rank in tiers, each tier by relevance within it: every query word in the name;
# else in the name or keywords; else anywhere. Ranking stops at the tier that fills the page,
# so a broad prefix does not score every matching plugin.
SQLITE_TIERS = ("{name}", "{name keywords}", None)
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
        return _postgres_search(
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
        return _sqlite_search(
            cursor,
            _SqliteQuery(words),
            limit=limit,
            offset=offset,
            cap=count_cap(limit=limit, offset=offset),
        )


def _sqlite_search(
    cursor: CursorWrapper, query: "_SqliteQuery", *, limit: int, offset: int, cap: int
) -> tuple[list[int], int]:
    """Read the tiers in order until the page at ``offset`` is full, one query per tier."""
    ids: list[int] = []
    total: int | None = None
    skip = offset
    for level in range(len(SQLITE_TIERS)):
        if skip:
            in_tier = query.count(cursor, level, cap=None)
            if skip >= in_tier:
                skip -= in_tier
                continue
        # The first ranked query also counts every match, saving a round trip.
        found, counted = query.ranked(
            cursor,
            level,
            limit=limit - len(ids),
            offset=skip,
            count_to=cap + 1 if total is None else None,
        )
        total = counted if total is None else total
        ids.extend(found)
        skip = 0
        if len(ids) >= limit:
            break
    else:
        # Every tier was read to its end: the count is exact without another query.
        if ids or not offset:
            return ids, offset + len(ids)
    if total is None:
        total = query.count(cursor, None, cap=cap + 1)
    return ids, total


class _SqliteQuery:
    def __init__(self, words: list[str]) -> None:
        self.terms = " ".join(f'"{w}"*' for w in words)

    def expression(self, level: int | None) -> str:
        if level is None:
            return self.terms
        columns = SQLITE_TIERS[level]
        current = f"{columns} : ({self.terms})" if columns else f"({self.terms})"
        if level == 0:
            return current
        return f"({current}) NOT ({SQLITE_TIERS[level - 1]} : ({self.terms}))"

    def count(self, cursor: CursorWrapper, level: int | None, *, cap: int | None) -> int:
        limit = f" LIMIT {int(cap)}" if cap else ""
        cursor.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM {SQLITE_TABLE}"
            f" WHERE {SQLITE_TABLE} MATCH %s{limit})",
            [self.expression(level)],
        )
        return int(cursor.fetchone()[0])

    def ranked(
        self, cursor: CursorWrapper, level: int, *, limit: int, offset: int, count_to: int | None
    ) -> tuple[list[int], int | None]:
        counting = (
            f"(SELECT count(*) FROM (SELECT 1 FROM {SQLITE_TABLE} WHERE {SQLITE_TABLE} MATCH %s"
            f" LIMIT {int(count_to)}))"
            if count_to
            else "NULL"
        )
        cursor.execute(
            f"""SELECT rowid, {counting} FROM {SQLITE_TABLE} WHERE {SQLITE_TABLE} MATCH %s
                ORDER BY bm25({SQLITE_TABLE}, 10.0, 5.0, 2.0, 1.0), rowid
                LIMIT %s OFFSET %s""",
            [*([self.expression(None)] if count_to else []), self.expression(level), limit, offset],
        )
        rows = cursor.fetchall()
        return [row[0] for row in rows], (rows[0][1] if rows and count_to else None)


# The same tiers in one PostgreSQL statement, since a round trip costs as much as a small
# query. Each part runs only when its condition holds: PostgreSQL evaluates a condition that
# reads no row once, before the part, and runs a WITH query only when something reads it.
# - Many name matches: the page is the best of them, and nothing else is read.
# - Few matches in all: count them and rank them all (tier, then score) in one pass.
# - Else: the name tier, then keywords, then the rest, each only if the page reaches it.
# The page's plugins are joined in, so a search is one round trip in all.
_TSQUERY = "to_tsquery('simple', %(query)s)"
# A short prefix such as "re" matches much of the index: looking it up costs more than
# checking it on the rows that the longer words found. So the index gets the words of at
# least ANCHOR_LENGTH letters (all words if none is that long), and every row is checked
# against the whole query; IS TRUE keeps that check out of the index.
ANCHOR_LENGTH = 4
_ANCHOR = "to_tsquery('simple', %(anchor)s)"
_NAMED = "(SELECT n FROM named_count)"
_MATCHED = "(SELECT n FROM matched_count)"
_KEYWORDED = "(SELECT n FROM keyworded_count)"
_PAGE_END = "%(offset)s + %(limit)s"
_MANY_NAMED = f"({_NAMED} > %(cap)s)"
_MANY_MATCHED = f"(NOT {_MANY_NAMED} AND {_MATCHED} > %(cap)s)"
_NEEDS_KEYWORDS = f"({_MANY_MATCHED} AND {_NAMED} < {_PAGE_END})"
_NEEDS_OTHERS = f"({_NEEDS_KEYWORDS} AND {_NAMED} + {_KEYWORDED} < {_PAGE_END})"
POSTGRES_SEARCH = f"""
WITH named AS MATERIALIZED (
    SELECT plugin_id, ts_rank(name_doc, {_TSQUERY}, 0) AS score
    FROM {POSTGRES_NAME_TABLE} WHERE name_doc @@ {_ANCHOR} AND (name_doc @@ {_TSQUERY}) IS TRUE
), named_count AS MATERIALIZED (
    SELECT count(*) AS n FROM named
), matched AS MATERIALIZED (
    -- Read only as far as a part needs: the count stops after cap + 1 rows.
    SELECT plugin_id,
        CASE WHEN name_doc @@ {_TSQUERY} THEN 0 WHEN head_doc @@ {_TSQUERY} THEN 1 ELSE 2 END
            AS tier,
        CASE WHEN name_doc @@ {_TSQUERY} THEN ts_rank(name_doc, {_TSQUERY}, 0)
            WHEN head_doc @@ {_TSQUERY} THEN ts_rank(head_doc, {_TSQUERY}, 0)
            ELSE ts_rank(document, {_TSQUERY}, 0) END AS score
    FROM {POSTGRES_TABLE} WHERE document @@ {_ANCHOR} AND (document @@ {_TSQUERY}) IS TRUE
), matched_count AS MATERIALIZED (
    SELECT count(*) AS n FROM (SELECT 1 FROM matched LIMIT %(cap)s + 1) capped
), keyworded AS MATERIALIZED (
    SELECT plugin_id, ts_rank(head_doc, {_TSQUERY}, 0) AS score
    FROM {POSTGRES_TABLE} WHERE head_doc @@ {_ANCHOR} AND (head_doc @@ {_TSQUERY}) IS TRUE
        AND NOT name_doc @@ {_TSQUERY}
), keyworded_count AS MATERIALIZED (
    SELECT count(*) AS n FROM keyworded
), page (tier, score, plugin_id, total) AS (
SELECT NULL, NULL, NULL, CASE WHEN {_MANY_NAMED} THEN %(cap)s + 1 ELSE {_MATCHED} END
UNION ALL
SELECT *, NULL FROM (
    SELECT 0, score, plugin_id FROM named WHERE {_MANY_NAMED} OR {_MANY_MATCHED}
    ORDER BY score DESC, plugin_id LIMIT %(limit)s OFFSET %(offset)s
) name_tier
UNION ALL
SELECT *, NULL FROM (
    SELECT tier, score, plugin_id FROM matched WHERE NOT {_MANY_NAMED} AND NOT {_MANY_MATCHED}
    ORDER BY tier, score DESC, plugin_id LIMIT %(limit)s OFFSET %(offset)s
) every_tier
UNION ALL
SELECT *, NULL FROM (
    SELECT 1, score, plugin_id FROM keyworded WHERE {_NEEDS_KEYWORDS}
    ORDER BY score DESC, plugin_id LIMIT %(limit)s
    OFFSET CASE WHEN {_NEEDS_KEYWORDS} THEN GREATEST(0, %(offset)s - {_NAMED}) ELSE 0 END
) keyword_tier
UNION ALL
SELECT *, NULL FROM (
    SELECT 2, score, plugin_id FROM matched WHERE tier = 2 AND {_NEEDS_OTHERS}
    ORDER BY score DESC, plugin_id LIMIT %(limit)s
    OFFSET CASE WHEN {_NEEDS_OTHERS}
        THEN GREATEST(0, %(offset)s - {_NAMED} - {_KEYWORDED}) ELSE 0 END
) other_tier
)
SELECT page.tier, page.score, page.plugin_id, page.total, {{columns}} FROM page
LEFT JOIN ({Plugin._meta.db_table} p
    JOIN {PluginVersion._meta.db_table} v ON v.id = p.latest_id
    LEFT JOIN {{user_table}} u ON u.{{user_pk}} = p.owner_id
) ON p.id = page.plugin_id
"""


def _postgres_search(
    cursor: CursorWrapper, words: list[str], *, limit: int, offset: int, cap: int
) -> tuple[list[Plugin], int]:
    listing = _listing()
    query = " & ".join(f"{w}:*" for w in words)
    anchor = " & ".join(f"{w}:*" for w in words if len(w) >= ANCHOR_LENGTH) or query
    cursor.execute(
        listing.statement,
        {"query": query, "anchor": anchor, "cap": cap, "limit": limit, "offset": offset},
    )
    rows = cursor.fetchall()
    total = next(int(row[3]) for row in rows if row[0] is None)
    # UNION ALL promises no order: sort as the parts did (each part has its tier).
    ranked = sorted((row for row in rows if row[0] is not None), key=lambda r: (r[0], -r[1], r[2]))
    page = [listing.plugin(row[4:]) for row in ranked[:limit]]
    return [plugin for plugin in page if plugin is not None], total


class _Listing:
    """A result card's columns (LISTING_FIELDS) read by the search statement, as models.

    The same rows as ``Plugin.objects.for_listing()`` without a second round trip: made by
    ``Model.from_db`` with the fields' own converters, so other fields stay deferred.
    """

    def __init__(self) -> None:
        user_model: type[Model] = get_user_model()
        self.parts = [
            _ListingPart(Plugin, "p", None),
            _ListingPart(PluginVersion, "v", "latest"),
            _ListingPart(user_model, "u", "owner"),
        ]
        quote = connection.ops.quote_name
        columns = ", ".join(
            f"{part.alias}.{quote(str(field.column))}"
            for part in self.parts
            for field in part.fields
        )
        self.statement = POSTGRES_SEARCH.format(
            columns=columns,
            user_table=quote(user_model._meta.db_table),
            user_pk=quote(str(user_model._meta.pk.column)),
        )

    def plugin(self, values: Sequence[Any]) -> Plugin | None:
        """The plugin of one row, or None if it vanished after the index saw it."""
        made: list[Any] = []
        for part in self.parts:
            row, values = values[: len(part.fields)], values[len(part.fields) :]
            made.append(None if row[0] is None else part.make(row))
        plugin, latest, owner = made
        if plugin is None or latest is None:
            return None
        plugin.latest, plugin.owner = latest, owner
        return cast(Plugin, plugin)


class _ListingPart:
    """The columns of one model (reached from a plugin through ``via``) and how to load them."""

    def __init__(self, model: type[Model], alias: str, via: str | None) -> None:
        names = [
            name.split("__", 1)[1] if via else name
            for name in LISTING_FIELDS
            if (name.split("__", 1)[0] if "__" in name else None) == via
        ]
        self.model, self.alias = model, alias
        self.fields = [
            cast("Field[Any, Any]", model._meta.get_field(name))
            for name in [model._meta.pk.name, *(["owner", "latest"] if via is None else []), *names]
        ]
        self.converters = []
        for field in self.fields:
            col = field.get_col(alias)
            steps = [*connection.ops.get_db_converters(col), *field.get_db_converters(connection)]
            self.converters.append((col, steps))
        # from_db() takes the loaded values in the model's field order.
        order = {field.attname: i for i, field in enumerate(self.fields)}
        self.attnames = [f.attname for f in model._meta.concrete_fields if f.attname in order]
        self.positions = [order[name] for name in self.attnames]

    def make(self, row: Sequence[Any]) -> Model:
        values = list(row)
        for i, (col, steps) in enumerate(self.converters):
            for convert in steps:
                values[i] = convert(values[i], col, connection)
        return self.model.from_db(
            connection.alias, self.attnames, [values[i] for i in self.positions]
        )


@cache
def _listing() -> _Listing:
    return _Listing()


def remove_orphans(using: str = "default") -> None:
    """Drop index rows whose plugin is gone (a flush empties the plugin table but not this one).

    The index is not a Django model, so it has no foreign key: a TRUNCATE of the plugin table
    would refuse to run with one.
    """
    from django.db import connections

    target = connections[using]
    tables = index_tables(target.vendor)
    present = set(target.introspection.table_names())
    with target.cursor() as cursor:
        for table, key in tables:
            if table in present:
                cursor.execute(
                    f"DELETE FROM {table} WHERE {key} NOT IN"
                    f" (SELECT id FROM {Plugin._meta.db_table})"
                )


def rebuild_index() -> int:
    """Index every plugin afresh; returns how many were indexed."""
    count = 0
    with connection.cursor() as cursor:
        for table, _ in index_tables(connection.vendor):
            cursor.execute(f"DELETE FROM {table}")
    for plugin in Plugin.objects.with_latest().iterator():
        index_plugin(plugin.pk, plugin.latest)
        count += 1
    return count


def index_tables(vendor: str) -> list[tuple[str, str]]:
    """The search index's tables on this database, each with its plugin id column."""
    if vendor == "postgresql":
        return [(POSTGRES_TABLE, "plugin_id"), (POSTGRES_NAME_TABLE, "plugin_id")]
    return [(SQLITE_TABLE, "rowid")]
