"""Search on SQLite: an FTS5 table (migration 0002), ranked by bm25 one tier at a time."""

from collections.abc import Mapping

from django.db.backends.utils import CursorWrapper

from registry.search.policy import RANKING, TIERS

TABLE = "registry_plugin_fts"
# The FTS5 table's columns in their order (migrations 0002 and 0005): bm25() takes weights by
# position.
COLUMNS = ("name", "keywords", "description", "author", "readme")
# The index's tables, each with its plugin id column.
TABLES = [(TABLE, "rowid")]

_BM25 = f"bm25({TABLE}, {', '.join(str(RANKING[column].weight) for column in COLUMNS)})"
# Each tier's FTS5 column filter; none for a tier that searches every column.
_FILTERS = tuple(
    None if set(fields) == set(COLUMNS) else "{" + " ".join(fields) + "}" for fields in TIERS
)
_INSERT = (
    f"INSERT INTO {TABLE} (rowid, {', '.join(COLUMNS)})"
    f" VALUES (%s, {', '.join(['%s'] * len(COLUMNS))})"
)


def write(cursor: CursorWrapper, plugin_id: int, document: Mapping[str, str] | None) -> None:
    """Replace a plugin's row with ``document`` (field name to text), or delete it (None)."""
    cursor.execute(f"DELETE FROM {TABLE} WHERE rowid = %s", [plugin_id])
    if document is not None:
        cursor.execute(_INSERT, [plugin_id, *(document[column] for column in COLUMNS)])


def search(
    cursor: CursorWrapper, words: list[str], *, limit: int, offset: int, cap: int
) -> tuple[list[int], int]:
    """The ids of one page of matches, best first, and the count up to ``cap + 1``.

    Reads the tiers in order until the page at ``offset`` is full, one query per tier: SQLite
    runs in the process, so a query costs no round trip, and a broad prefix whose name tier
    fills the page is never ranked against the other tiers.
    """
    query = _Query(words)
    ids: list[int] = []
    total: int | None = None
    skip = offset
    for level in range(len(TIERS)):
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


class _Query:
    """FTS5 match expressions for a query's words: each word as a whole word or a prefix."""

    def __init__(self, words: list[str]) -> None:
        # Quoted, so that a word is never read as an FTS5 operator.
        self.terms = " ".join(f'"{w}"*' for w in words)

    def expression(self, level: int | None) -> str:
        """Matches in tier ``level`` and not in a tier above it; every match given None."""
        if level is None:
            return self.terms
        columns = _FILTERS[level]
        current = f"{columns} : ({self.terms})" if columns else f"({self.terms})"
        if level == 0:
            return current
        return f"({current}) NOT ({_FILTERS[level - 1]} : ({self.terms}))"

    def count(self, cursor: CursorWrapper, level: int | None, *, cap: int | None) -> int:
        limit = f" LIMIT {int(cap)}" if cap else ""
        cursor.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM {TABLE} WHERE {TABLE} MATCH %s{limit})",
            [self.expression(level)],
        )
        return int(cursor.fetchone()[0])

    def ranked(
        self, cursor: CursorWrapper, level: int, *, limit: int, offset: int, count_to: int | None
    ) -> tuple[list[int], int | None]:
        counting = (
            f"(SELECT count(*) FROM (SELECT 1 FROM {TABLE} WHERE {TABLE} MATCH %s"
            f" LIMIT {int(count_to)}))"
            if count_to
            else "NULL"
        )
        cursor.execute(
            f"""SELECT rowid, {counting} FROM {TABLE} WHERE {TABLE} MATCH %s
                ORDER BY {_BM25}, rowid
                LIMIT %s OFFSET %s""",
            [*([self.expression(None)] if count_to else []), self.expression(level), limit, offset],
        )
        rows = cursor.fetchall()
        return [row[0] for row in rows], (rows[0][1] if rows and count_to else None)
