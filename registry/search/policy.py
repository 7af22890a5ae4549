"""The search policy: how matches rank, and what the words of a query are.

The ranking policy is the one table below, read by both databases' rankers and the indexer
(as Warehouse keeps its search fields and boosts at the top of ``search/queries.py``).
"""

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class FieldRank:
    """How a match in one field of a plugin's latest version ranks.

    ``tier``: results come tier by tier, lowest first; a plugin is in the lowest tier ``t``
    such that every query word matches in some field of tier ``t`` or lower.
    ``weight``: the field's weight within a tier on SQLite (an FTS5 ``bm25`` column weight).
    ``label``: the field's weight class on PostgreSQL, ``A`` to ``D`` (``ts_rank`` weighs
    them 1.0, 0.4, 0.2 and 0.1: PostgreSQL manual, "Ranking Search Results").
    """

    tier: int
    weight: float
    label: str


# A match in the name ranks above one in the keywords, above one in the description, above
# one in the author, above one in the README (the lowest weight: long text, many words). The
# order of the rows is the order of a document's fields. PostgreSQL has four weight classes,
# so the README shares the lowest with the author there.
RANKING: dict[str, FieldRank] = {
    "name": FieldRank(tier=0, weight=10.0, label="A"),
    "keywords": FieldRank(tier=1, weight=5.0, label="B"),
    "description": FieldRank(tier=2, weight=2.0, label="C"),
    "author": FieldRank(tier=2, weight=1.0, label="D"),
    "readme": FieldRank(tier=2, weight=0.25, label="D"),
}

# The fields that each tier searches, lowest tier first: a tier's own and those of the tiers
# above it, so that the last tier searches every field.
TIERS: tuple[tuple[str, ...], ...] = tuple(
    tuple(field for field, rank in RANKING.items() if rank.tier <= level)
    for level in sorted({rank.tier for rank in RANKING.values()})
)

WORD = re.compile(r"\w+", re.UNICODE)
MAX_QUERY_WORDS = 8


def query_words(query: str) -> list[str]:
    """The words of a query (runs of letters, digits and ``_``), lower-cased, at most
    MAX_QUERY_WORDS of them: anything else, quotes and operators included, is plain text."""
    return [w.lower() for w in WORD.findall(query)][:MAX_QUERY_WORDS]
