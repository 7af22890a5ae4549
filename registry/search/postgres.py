"""Search on PostgreSQL: tsvector columns with GIN indexes (migrations 0002 and 0003).

A plugin's document is one tsvector whose lexemes carry the weight class of their field
(policy.RANKING); each tier keeps the part of it that the tier searches, in a column of its
own with its own index, so that no tier needs a recheck of weights on the heap. The names'
column lives again in a narrow table: a broad prefix matches thousands of names, and ranking
them reads each row, so rows a tenth as wide make that about a third faster.
"""

from collections.abc import Mapping
from functools import cache

from django.db.backends.utils import CursorWrapper

from registry.models import Plugin
from registry.search.listing import Listing
from registry.search.policy import RANKING, TIERS

TABLE = "registry_plugin_search"
NAME_TABLE = "registry_plugin_search_name"
# The index's tables, each with its plugin id column.
TABLES = [(TABLE, "plugin_id"), (NAME_TABLE, "plugin_id")]
# One column per tier of policy.TIERS, in order (the tables' schema, from the migrations).
TIER_COLUMNS = ("name_doc", "head_doc", "document")


def _tier_value(fields: tuple[str, ...]) -> str:
    """The SQL for a tier's tsvector, from the whole weighted document ``doc``."""
    if len(fields) == len(RANKING):
        return "doc"
    labels = ",".join(RANKING[field].label.lower() for field in fields)
    return f"ts_filter(doc, '{{{labels}}}')"


_WEIGHTED = " ||\n".join(
    f"setweight(to_tsvector('simple', %s), '{rank.label}')" for rank in RANKING.values()
)
_INSERT = f"""WITH indexed AS (
    INSERT INTO {TABLE} (plugin_id, {", ".join(TIER_COLUMNS)})
    SELECT %s, {", ".join(_tier_value(f) for _, f in zip(TIER_COLUMNS, TIERS, strict=True))}
    FROM (SELECT {_WEIGHTED} AS doc) AS weighted
    RETURNING plugin_id, name_doc
)
INSERT INTO {NAME_TABLE} SELECT * FROM indexed"""


def write(cursor: CursorWrapper, plugin_id: int, document: Mapping[str, str] | None) -> None:
    """Replace a plugin's rows with ``document`` (field name to text), or delete them (None)."""
    for table, key in TABLES:
        cursor.execute(f"DELETE FROM {table} WHERE {key} = %s", [plugin_id])
    if document is not None:
        cursor.execute(_INSERT, [plugin_id, *(document[field] for field in RANKING)])


# The tiers in one statement, since a round trip costs as much as a small query. Each part
# runs only when its condition holds: PostgreSQL evaluates a condition that reads no row once,
# before the part, and runs a WITH query only when something reads it.
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
SEARCH = f"""
WITH named AS MATERIALIZED (
    SELECT plugin_id, ts_rank(name_doc, {_TSQUERY}, 0) AS score
    FROM {NAME_TABLE} WHERE name_doc @@ {_ANCHOR} AND (name_doc @@ {_TSQUERY}) IS TRUE
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
    FROM {TABLE} WHERE document @@ {_ANCHOR} AND (document @@ {_TSQUERY}) IS TRUE
), matched_count AS MATERIALIZED (
    SELECT count(*) AS n FROM (SELECT 1 FROM matched LIMIT %(cap)s + 1) capped
), keyworded AS MATERIALIZED (
    SELECT plugin_id, ts_rank(head_doc, {_TSQUERY}, 0) AS score
    FROM {TABLE} WHERE head_doc @@ {_ANCHOR} AND (head_doc @@ {_TSQUERY}) IS TRUE
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
LEFT JOIN ({{tables}}
) ON p.id = page.plugin_id
"""


def search(
    cursor: CursorWrapper, words: list[str], *, limit: int, offset: int, cap: int
) -> tuple[list[Plugin], int]:
    """One page of matches, best first, loaded for a result card, and the count up to
    ``cap + 1``: one statement reads the ranking, the count and the page's plugin rows."""
    listing, statement = _prepared()
    query = " & ".join(f"{w}:*" for w in words)
    anchor = " & ".join(f"{w}:*" for w in words if len(w) >= ANCHOR_LENGTH) or query
    cursor.execute(
        statement, {"query": query, "anchor": anchor, "cap": cap, "limit": limit, "offset": offset}
    )
    rows = cursor.fetchall()
    total = next(int(row[3]) for row in rows if row[0] is None)
    # UNION ALL promises no order: sort as the parts did (each part has its tier).
    ranked = sorted((row for row in rows if row[0] is not None), key=lambda r: (r[0], -r[1], r[2]))
    page = [listing.plugin(row[4:]) for row in ranked[:limit]]
    return [plugin for plugin in page if plugin is not None], total


@cache
def _prepared() -> tuple[Listing, str]:
    # Made on first use: the user model and the connection's quoting are known only then.
    listing = Listing()
    return listing, SEARCH.format(columns=listing.columns, tables=listing.tables)
