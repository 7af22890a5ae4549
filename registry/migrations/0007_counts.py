"""Use counters on plugins (installs, installation runs, trial runs) with an index per browse
order; and the vocabulary of search suggestions, with PostgreSQL's ``pg_trgm`` trigram index.

The counters start at 0: ``manage.py reindex`` recounts them from the installations and the
recorded runs (which live in other apps, so this migration does not read them). The
vocabulary's statements and word rule are frozen here as when this migration was written.
"""

import re
from typing import Any

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

_WORD = re.compile(r"\w+", re.UNICODE)

CREATE = [
    """CREATE TABLE IF NOT EXISTS registry_search_term (
        plugin_id bigint NOT NULL,
        term varchar(100) NOT NULL,
        PRIMARY KEY (plugin_id, term)
    )""",
    "CREATE INDEX IF NOT EXISTS registry_search_term_term ON registry_search_term (term)",
]
# Only PostgreSQL has trigram indexes (the extension comes first, in TrigramExtension).
POSTGRES_CREATE = [
    "CREATE INDEX IF NOT EXISTS registry_search_term_trigram"
    " ON registry_search_term USING GIN (term gin_trgm_ops)",
]
DROP = "DROP TABLE IF EXISTS registry_search_term"


class TrigramOnPostgres(TrigramExtension):
    """``CREATE EXTENSION IF NOT EXISTS pg_trgm`` on PostgreSQL, nothing elsewhere (Django's
    operation skips other databases going forwards but not backwards)."""

    def database_backwards(self, app_label: Any, schema_editor: Any, *args: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, *args)


def create_terms(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    postgres = schema_editor.connection.vendor == "postgresql"
    for statement in [*CREATE, *(POSTGRES_CREATE if postgres else [])]:
        schema_editor.execute(statement)
    plugin_model = apps.get_model("registry", "Plugin")
    rows = []
    for plugin in plugin_model.objects.filter(latest__isnull=False).select_related("latest"):
        text = f"{plugin.display_name} {' '.join(plugin.latest.keywords)}".replace("_", " ")
        words = {w.lower() for w in _WORD.findall(text) if len(w) <= 100}
        rows.extend((plugin.pk, word) for word in sorted(words))
    if rows:
        with schema_editor.connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO registry_search_term (plugin_id, term) VALUES (%s, %s)", rows
            )


def drop_terms(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("registry", "0006_yank_readme")]

    operations = [
        migrations.AddField(
            model_name="plugin",
            name="install_count",
            field=models.PositiveBigIntegerField(
                default=0,
                help_text="Installations users hold now (not trial runs, not failed attempts).",
            ),
        ),
        migrations.AddField(
            model_name="plugin",
            name="installation_run_count",
            field=models.PositiveBigIntegerField(
                default=0, help_text="Runs of users' installations: a host application's calls."
            ),
        ),
        migrations.AddField(
            model_name="plugin",
            name="trial_run_count",
            field=models.PositiveBigIntegerField(
                default=0,
                help_text="Sandbox runs through Try it and the install workflow, failed ones too.",
            ),
        ),
        *(
            migrations.AddIndex(
                model_name="plugin",
                index=models.Index(
                    fields=fields,
                    name=f"plugin_browse_{sort}",
                    condition=models.Q(latest__isnull=False),
                ),
            )
            for sort, fields in [
                ("name", ["canonical_name"]),
                ("updated", ["-updated_at", "canonical_name"]),
                ("installs", ["-install_count", "canonical_name"]),
            ]
        ),
        TrigramOnPostgres(),
        migrations.RunPython(create_terms, drop_terms),
    ]
