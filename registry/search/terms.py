"""The vocabulary that search suggestions come from: the words of plugin names and keywords.

One row per plugin and word (migration 0005), kept with the rest of the index by
``indexing.index_plugin``. On PostgreSQL a trigram index (``pg_trgm``'s ``gin_trgm_ops``)
finds the words that look like a misspelt one; on SQLite, which has no trigram index, the
words of about the same length are read and compared by ``suggest`` itself.
"""

from collections.abc import Iterable, Mapping

from django.db.backends.utils import CursorWrapper

from registry.search.policy import WORD

TABLE = "registry_search_term"
# The longest word kept: longer ones are not names or keywords anybody types.
MAX_TERM_LENGTH = 100
# pg_trgm's similarity threshold for candidates (its default is 0.3; see near_postgres).
TRIGRAM_THRESHOLD = 0.1
# The index's table and its plugin id column (as sqlite.TABLES and postgres.TABLES).
TABLES = [(TABLE, "plugin_id")]


def terms_of(document: Mapping[str, str]) -> set[str]:
    """The lower-cased words of a document's name and keywords (``indexing.document``)."""
    text = f"{document['name']} {document['keywords']}"
    return {w.lower() for w in WORD.findall(text.replace("_", " ")) if len(w) <= MAX_TERM_LENGTH}


def write(cursor: CursorWrapper, plugin_id: int, terms: Iterable[str]) -> None:
    """Replace a plugin's words with ``terms`` (none: the plugin is gone)."""
    cursor.execute(f"DELETE FROM {TABLE} WHERE plugin_id = %s", [plugin_id])
    rows = [(plugin_id, term) for term in sorted(set(terms))]
    if rows:
        cursor.executemany(f"INSERT INTO {TABLE} (plugin_id, term) VALUES (%s, %s)", rows)


def known(cursor: CursorWrapper, word: str) -> bool:
    """Whether ``word`` is a word of the vocabulary or the start of one (search matches
    prefixes, so a prefix is no misspelling). Reads the term index as a range."""
    cursor.execute(
        f"SELECT 1 FROM {TABLE} WHERE term >= %s AND term < %s LIMIT 1",
        [word, word + "\U0010ffff"],
    )
    return cursor.fetchone() is not None


def near_postgres(cursor: CursorWrapper, word: str, *, limit: int) -> list[tuple[str, int]]:
    """Words sharing trigrams with ``word`` (``pg_trgm``'s ``%`` operator, on the trigram
    index), most similar first, each with how many plugins use it."""
    # A transposition keeps few trigrams of a word ("chrat" and "chart" share 2 of 10, a
    # similarity of 0.2; "cvs" and "csv" 1 of 7), below pg_trgm's default threshold of 0.3:
    # ask for more, and let suggest.nearest() judge the candidates by edit distance.
    cursor.execute(f"SELECT set_limit({TRIGRAM_THRESHOLD})")
    cursor.execute(
        f"""SELECT term, count(*) FROM {TABLE} WHERE term %% %s
            GROUP BY term ORDER BY similarity(term, %s) DESC, count(*) DESC, term LIMIT %s""",
        [word, word, limit],
    )
    return [(str(term), int(n)) for term, n in cursor.fetchall()]


def near_sqlite(cursor: CursorWrapper, word: str, *, spread: int) -> list[tuple[str, int]]:
    """Every word within ``spread`` letters of ``word``'s length, each with how many
    plugins use it: the candidates that an edit distance of at most ``spread`` allows."""
    cursor.execute(
        f"""SELECT term, count(*) FROM {TABLE} WHERE length(term) BETWEEN %s AND %s
            GROUP BY term""",
        [len(word) - spread, len(word) + spread],
    )
    return [(str(term), int(n)) for term, n in cursor.fetchall()]
