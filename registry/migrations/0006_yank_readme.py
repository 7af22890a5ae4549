"""Yank (PEP 592), README and changelog on each version; the README joins the search index.

SQLite's FTS5 table gains a ``readme`` column: an FTS5 table cannot add a column, so a new one
is made and the rows copied (the README is empty on every version stored before). PostgreSQL's
index stores weighted tsvectors only, which need no new column. The statements are frozen here,
as in 0002.
"""

from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

FTS_OPTIONS = "tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3'"
OLD_COLUMNS = "name, keywords, description, author"
NEW_COLUMNS = "name, keywords, description, author, readme"


def _rebuild_fts(schema_editor: BaseDatabaseSchemaEditor, columns: str, copied: str) -> None:
    if schema_editor.connection.vendor != "sqlite":
        return
    schema_editor.execute("ALTER TABLE registry_plugin_fts RENAME TO registry_plugin_fts_old")
    schema_editor.execute(
        f"CREATE VIRTUAL TABLE registry_plugin_fts USING fts5({columns}, {FTS_OPTIONS})"
    )
    # Both column lists are this module's constants.
    copy = f"INSERT INTO registry_plugin_fts (rowid, {columns}) SELECT rowid, {copied} FROM"
    schema_editor.execute(f"{copy} registry_plugin_fts_old")  # noqa: S608
    schema_editor.execute("DROP TABLE registry_plugin_fts_old")


def add_readme_column(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _rebuild_fts(schema_editor, NEW_COLUMNS, f"{OLD_COLUMNS}, ''")


def drop_readme_column(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _rebuild_fts(schema_editor, OLD_COLUMNS, OLD_COLUMNS)


class Migration(migrations.Migration):
    dependencies = [("registry", "0005_names")]

    operations = [
        migrations.AddField(
            model_name="pluginversion",
            name="readme",
            field=models.TextField(
                blank=True, default="", help_text="Markdown, from the manifest."
            ),
        ),
        migrations.AddField(
            model_name="pluginversion",
            name="changelog",
            field=models.TextField(
                blank=True, default="", help_text="Markdown: what changed in this version."
            ),
        ),
        migrations.AlterField(
            model_name="pluginversion",
            name="published_at",
            field=models.DateTimeField(auto_now_add=True, db_index=True),
        ),
        migrations.AddField(
            model_name="pluginversion",
            name="yanked",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="pluginversion",
            name="yanked_reason",
            field=models.CharField(blank=True, default="", max_length=500),
        ),
        migrations.AddField(
            model_name="pluginversion",
            name="yanked_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddConstraint(
            model_name="pluginversion",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("yanked", False), ("yanked_at__isnull", False), _connector="OR"
                ),
                name="yanked_version_has_date",
            ),
        ),
        migrations.RunPython(add_readme_column, drop_readme_column),
    ]
