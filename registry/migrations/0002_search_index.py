"""The full-text search index: FTS5 on SQLite, a tsvector table with GIN on PostgreSQL.

The statements are frozen here as they were when this migration was written: the live search
code (``registry.search``) may change its tables only through a later migration (0003 moves
the names to a narrow table of their own).
"""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

SQLITE_CREATE = """
CREATE VIRTUAL TABLE IF NOT EXISTS registry_plugin_fts USING fts5(
    name, keywords, description, author,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '1 2 3'
)
"""
SQLITE_DROP = "DROP TABLE IF EXISTS registry_plugin_fts"
POSTGRES_CREATE = [
    """CREATE TABLE IF NOT EXISTS registry_plugin_search (
        plugin_id bigint PRIMARY KEY,
        name_doc tsvector NOT NULL,
        head_doc tsvector NOT NULL,
        document tsvector NOT NULL
    )""",
    # One index per ranking tier, so that no tier needs a recheck of weights on the heap.
    "CREATE INDEX IF NOT EXISTS registry_plugin_search_name_doc"
    " ON registry_plugin_search USING GIN (name_doc)",
    "CREATE INDEX IF NOT EXISTS registry_plugin_search_head_doc"
    " ON registry_plugin_search USING GIN (head_doc)",
    "CREATE INDEX IF NOT EXISTS registry_plugin_search_document"
    " ON registry_plugin_search USING GIN (document)",
]
POSTGRES_DROP = "DROP TABLE IF EXISTS registry_plugin_search"


def create_index(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    postgres = schema_editor.connection.vendor == "postgresql"
    for statement in POSTGRES_CREATE if postgres else [SQLITE_CREATE]:
        schema_editor.execute(statement)


def drop_index(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    postgres = schema_editor.connection.vendor == "postgresql"
    schema_editor.execute(POSTGRES_DROP if postgres else SQLITE_DROP)


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]

    operations = [migrations.RunPython(create_index, drop_index)]
