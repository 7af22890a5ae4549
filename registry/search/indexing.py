"""Keeping the search index in step with the registry, on either database.

A plugin's document is its latest version's fields, named as in policy.RANKING; the index is
not a Django model, so publishing, removing, flushing and ``manage.py reindex`` call here.
"""

from django.db import connection, connections

from registry.models import Plugin, PluginVersion
from registry.search import postgres, sqlite, terms
from registry.search.policy import WORD


def name_text(name: str) -> str:
    """A plugin name's searchable text: "image-resizer" is "image resizer imageresizer"."""
    parts = WORD.findall(name.replace("_", " "))
    return " ".join([*parts, "".join(parts)])


def document(version: PluginVersion) -> dict[str, str]:
    """The text of each ranked field of a version (policy.RANKING's keys)."""
    return {
        "name": name_text(version.plugin.display_name),
        "keywords": " ".join(version.keywords),
        "description": version.description,
        "author": version.author,
        "readme": version.readme,
    }


def index_plugin(plugin_id: int, version: PluginVersion | None) -> None:
    """Put a plugin's latest version in the search index (or take it out, given None)."""
    found = None if version is None else document(version)
    with connection.cursor() as cursor:
        write = postgres.write if connection.vendor == "postgresql" else sqlite.write
        write(cursor, plugin_id, found)
        terms.write(cursor, plugin_id, () if found is None else terms.terms_of(found))


def index_tables(vendor: str) -> list[tuple[str, str]]:
    """The search index's tables on a database of ``vendor``, each with its plugin id column."""
    return list(postgres.TABLES if vendor == "postgresql" else sqlite.TABLES)


def _all_tables(vendor: str) -> list[tuple[str, str]]:
    # The documents' tables (a row per plugin) and the vocabulary's (a row per plugin and word).
    return [*index_tables(vendor), *terms.TABLES]


def rebuild_index() -> int:
    """Index every plugin afresh; returns how many were indexed."""
    count = 0
    with connection.cursor() as cursor:
        for table, _ in _all_tables(connection.vendor):
            cursor.execute(f"DELETE FROM {table}")
    for plugin in Plugin.objects.with_latest().iterator():
        index_plugin(plugin.pk, plugin.latest)
        count += 1
    return count


def remove_orphans(using: str = "default") -> None:
    """Drop index rows whose plugin is gone (a flush empties the plugin table but not this one).

    The index is not a Django model, so it has no foreign key: a TRUNCATE of the plugin table
    would refuse to run with one.
    """
    target = connections[using]
    present = set(target.introspection.table_names())
    with target.cursor() as cursor:
        for table, key in _all_tables(target.vendor):
            if table in present:
                cursor.execute(
                    f"DELETE FROM {table} WHERE {key} NOT IN"
                    f" (SELECT id FROM {Plugin._meta.db_table})"
                )
