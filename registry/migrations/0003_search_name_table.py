"""PostgreSQL: the names' tsvectors move to a narrow table of their own (see registry/search/)."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


def split_names(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    # IF NOT EXISTS: databases made while 0002 ran the live search code have the table already.
    schema_editor.execute(
        "CREATE TABLE IF NOT EXISTS registry_plugin_search_name"
        " (plugin_id bigint PRIMARY KEY, name_doc tsvector NOT NULL)"
    )
    schema_editor.execute(
        "INSERT INTO registry_plugin_search_name SELECT plugin_id, name_doc"
        " FROM registry_plugin_search ON CONFLICT DO NOTHING"
    )
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS registry_plugin_search_name_name_doc"
        " ON registry_plugin_search_name USING GIN (name_doc)"
    )
    schema_editor.execute("DROP INDEX IF EXISTS registry_plugin_search_name_doc")


def join_names(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS registry_plugin_search_name_doc"
        " ON registry_plugin_search USING GIN (name_doc)"
    )
    schema_editor.execute("DROP TABLE IF EXISTS registry_plugin_search_name")


class Migration(migrations.Migration):
    dependencies = [("registry", "0002_search_index")]

    operations = [migrations.RunPython(split_names, join_names)]
