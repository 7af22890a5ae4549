"""Ranked full-text search over the latest version of every plugin.

One interface, two engines: SQLite FTS5 on the embedded default, PostgreSQL full-text search
(a tsvector column with a GIN index) on PostgreSQL. Every query word matches as a whole word
or as a prefix; a match in the name ranks above one in the keywords, above one in the
description, above one in the author.
"""

import re

from django.db import connection
from django.db.backends.utils import CursorWrapper

from registry.models import Plugin, PluginVersion

WORD = re.compile(r"\w+", re.UNICODE)
MAX_QUERY_WORDS = 8

SQLITE_TABLE = "registry_plugin_fts"
POSTGRES_TABLE = "registry_plugin_search"

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
    # One index per ranking tier, so that no tier needs a recheck of weights on the heap.
    *(
        f"CREATE INDEX IF NOT EXISTS {POSTGRES_TABLE}_{column} ON {POSTGRES_TABLE}"
        f" USING GIN ({column})"
        for column in ("name_doc", "head_doc", "document")
    ),
]
POSTGRES_DROP = f"DROP TABLE IF EXISTS {POSTGRES_TABLE}"


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
            cursor.execute(f"DELETE FROM {POSTGRES_TABLE} WHERE plugin_id = %s", [plugin_id])
            if version is not None:
                cursor.execute(
                    f"""INSERT INTO {POSTGRES_TABLE} (plugin_id, name_doc, head_doc, document)
                        SELECT %s, ts_filter(doc, '{{a}}'), ts_filter(doc, '{{a,b}}'), doc
                        FROM (SELECT
                            setweight(to_tsvector('simple', %s), 'A') ||
                            setweight(to_tsvector('simple', %s), 'B') ||
                            setweight(to_tsvector('simple', %s), 'C') ||
                            setweight(to_tsvector('simple', %s), 'D') AS doc) AS weighted""",
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
POSTGRES_TIERS = ("name_doc", "head_doc", "document")
# Counting stops here: a page says "1,000+ matches" rather than scanning on.
COUNT_CAP = 1000


def search_plugin_ids(query: str, *, limit: int = 20, offset: int = 0) -> tuple[list[int], int]:
    """Plugin ids that match every word of the query, best first, and the match count.

    The count stops at COUNT_CAP + 1, so a larger number means "more than COUNT_CAP".
    """
    words = query_words(query)
    if not words or limit <= 0:
        return [], 0
    engine = _PostgresEngine(words) if connection.vendor == "postgresql" else _SqliteEngine(words)
    with connection.cursor() as cursor:
        ids: list[int] = []
        total: int | None = None
        skip = offset
        for level in range(len(engine.tiers)):
            if skip:
                in_tier = engine.count(cursor, level, cap=None)
                if skip >= in_tier:
                    skip -= in_tier
                    continue
            # The first ranked query also counts every match, saving a round trip.
            found, counted = engine.ranked(
                cursor, level, limit=limit - len(ids), offset=skip, count=total is None
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
            total = engine.count(cursor, None, cap=COUNT_CAP + 1)
    return ids, total


class _SqliteEngine:
    tiers = SQLITE_TIERS

    def __init__(self, words: list[str]) -> None:
        self.terms = " ".join(f'"{w}"*' for w in words)

    def expression(self, level: int | None) -> str:
        if level is None:
            return self.terms
        columns = self.tiers[level]
        current = f"{columns} : ({self.terms})" if columns else f"({self.terms})"
        if level == 0:
            return current
        return f"({current}) NOT ({self.tiers[level - 1]} : ({self.terms}))"

    def count(self, cursor: CursorWrapper, level: int | None, *, cap: int | None) -> int:
        limit = f" LIMIT {int(cap)}" if cap else ""
        cursor.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM {SQLITE_TABLE}"
            f" WHERE {SQLITE_TABLE} MATCH %s{limit})",
            [self.expression(level)],
        )
        return int(cursor.fetchone()[0])

    def ranked(
        self, cursor: CursorWrapper, level: int, *, limit: int, offset: int, count: bool
    ) -> tuple[list[int], int | None]:
        counting = (
            f"(SELECT count(*) FROM (SELECT 1 FROM {SQLITE_TABLE} WHERE {SQLITE_TABLE} MATCH %s"
            f" LIMIT {COUNT_CAP + 1}))"
            if count
            else "NULL"
        )
        cursor.execute(
            f"""SELECT rowid, {counting} FROM {SQLITE_TABLE} WHERE {SQLITE_TABLE} MATCH %s
                ORDER BY bm25({SQLITE_TABLE}, 10.0, 5.0, 2.0, 1.0), rowid
                LIMIT %s OFFSET %s""",
            [*([self.expression(None)] if count else []), self.expression(level), limit, offset],
        )
        rows = cursor.fetchall()
        return [row[0] for row in rows], (rows[0][1] if rows and count else None)


class _PostgresEngine:
    tiers = POSTGRES_TIERS

    def __init__(self, words: list[str]) -> None:
        self.query = " & ".join(f"{w}:*" for w in words)

    def condition(self, level: int | None) -> tuple[str, list[str]]:
        match = "{} @@ to_tsquery('simple', %s)"
        column = self.tiers[-1] if level is None else self.tiers[level]
        if not level:
            return match.format(column), [self.query]
        previous = self.tiers[level - 1]
        return f"{match.format(column)} AND NOT {match.format(previous)}", [self.query] * 2

    def count(self, cursor: CursorWrapper, level: int | None, *, cap: int | None) -> int:
        condition, params = self.condition(level)
        limit = f" LIMIT {int(cap)}" if cap else ""
        cursor.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM {POSTGRES_TABLE} WHERE {condition}{limit}) m",
            params,
        )
        return int(cursor.fetchone()[0])

    def ranked(
        self, cursor: CursorWrapper, level: int, *, limit: int, offset: int, count: bool
    ) -> tuple[list[int], int | None]:
        condition, params = self.condition(level)
        column = self.tiers[level]
        counting = (
            f"(SELECT count(*) FROM (SELECT 1 FROM {POSTGRES_TABLE}"
            f" WHERE document @@ to_tsquery('simple', %s) LIMIT {COUNT_CAP + 1}) m)"
            if count
            else "NULL"
        )
        cursor.execute(
            f"""SELECT plugin_id, {counting} FROM {POSTGRES_TABLE} WHERE {condition}
                ORDER BY ts_rank({column}, to_tsquery('simple', %s), 0) DESC, plugin_id
                LIMIT %s OFFSET %s""",
            [*([self.query] if count else []), *params, self.query, limit, offset],
        )
        rows = cursor.fetchall()
        return [row[0] for row in rows], (rows[0][1] if rows and count else None)


def remove_orphans(using: str = "default") -> None:
    """Drop index rows whose plugin is gone (a flush empties the plugin table but not this one).

    The index is not a Django model, so it has no foreign key: a TRUNCATE of the plugin table
    would refuse to run with one.
    """
    from django.db import connections

    target = connections[using]
    table, key = (
        (POSTGRES_TABLE, "plugin_id") if target.vendor == "postgresql" else (SQLITE_TABLE, "rowid")
    )
    if table not in target.introspection.table_names():
        return
    with target.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {table} WHERE {key} NOT IN (SELECT id FROM {Plugin._meta.db_table})"
        )


def rebuild_index() -> int:
    """Index every plugin afresh; returns how many were indexed."""
    count = 0
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {POSTGRES_TABLE}"
            if connection.vendor == "postgresql"
            else f"DELETE FROM {SQLITE_TABLE}"
        )
    for plugin in Plugin.objects.with_latest().iterator():
        index_plugin(plugin.pk, plugin.latest)
        count += 1
    return count
