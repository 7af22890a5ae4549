"""Search that forgives typos: "did you mean chart?" for "chrat".

Each query word that is neither a word of a plugin name or keyword nor the start of one is
replaced by the nearest such word, if one is near enough. Candidates come from trigram
similarity (PostgreSQL's ``pg_trgm``) or, on SQLite, from every word of about the same
length; both are then judged alike, by the optimal string alignment distance (Levenshtein
with adjacent transpositions, as a typo is usually one of those) from rapidfuzz.
"""

from django.db import connection
from rapidfuzz.distance import OSA

from registry.search import terms

# A search finding fewer plugins than this gets a suggestion.
SUGGEST_BELOW = 3
# Words shorter than this are left alone: too many words are one edit from "cs".
MIN_WORD_LENGTH = 3
# The most edits a correction may make: one per four letters, at least one.
LETTERS_PER_EDIT = 4
# How many trigram candidates PostgreSQL hands over for judging.
CANDIDATES = 100


def max_edits(word: str) -> int:
    return max(1, len(word) // LETTERS_PER_EDIT)


def nearest(word: str, candidates: list[tuple[str, int]]) -> str | None:
    """The candidate fewest edits from ``word`` within ``max_edits``; ties go to the word
    more plugins use, then to the alphabetically first. None if none is near enough."""
    limit = max_edits(word)
    best: tuple[int, int, str] | None = None
    for term, plugins in candidates:
        edits = OSA.distance(word, term, score_cutoff=limit)
        if edits > limit or term == word:
            continue
        key = (edits, -plugins, term)
        if best is None or key < best:
            best = key
    return None if best is None else best[2]


def corrected_query(words: list[str]) -> str | None:
    """The query with each misspelt word corrected, or None if no word needs (or has) one.

    ``words``: the query's words (``policy.query_words``)."""
    corrected = list(words)
    with connection.cursor() as cursor:
        for i, word in enumerate(words):
            if len(word) < MIN_WORD_LENGTH or terms.known(cursor, word):
                continue
            if connection.vendor == "postgresql":
                candidates = terms.near_postgres(cursor, word, limit=CANDIDATES)
            else:
                candidates = terms.near_sqlite(cursor, word, spread=max_edits(word))
            corrected[i] = nearest(word, candidates) or word
    return " ".join(corrected) if corrected != words else None
