"""The full-text search index: FTS5 on SQLite, a tsvector table with GIN on PostgreSQL."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

from registry import search


def create_index(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    statements = (
        search.POSTGRES_CREATE
        if schema_editor.connection.vendor == "postgresql"
        else [search.SQLITE_CREATE]
    )
    for statement in statements:
        schema_editor.execute(statement)


def drop_index(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    schema_editor.execute(
        search.POSTGRES_DROP
        if schema_editor.connection.vendor == "postgresql"
        else search.SQLITE_DROP
    )


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]

    operations = [migrations.RunPython(create_index, drop_index)]
