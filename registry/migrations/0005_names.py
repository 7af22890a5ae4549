"""Names (issue 17): look-alike forms, reserved names, the moderators' queue, released names.

The ``moderators`` group (reviews 0002) is given the queue: ``moderate_names`` and
``view_heldversion``. Releasing a name stays with administrators (``release_name``).

The look-alike form of every existing plugin is filled in with a frozen copy of
``registry.names.lookalike`` as of this migration, so later changes to it do not change what
this migration does.
"""

import re

import django.db.models.deletion
from django.conf import settings
from django.contrib.auth.management import create_permissions
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


def _lookalike(name: str) -> str:
    text = re.sub(r"[-_.]+", "", name.strip().lower())
    for sequence, replacement in (("rn", "m"), ("vv", "w")):
        text = text.replace(sequence, replacement)
    return text.translate(str.maketrans("01l5", "oiis"))


def fill_lookalikes(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    plugin_model = apps.get_model("registry", "Plugin")
    rows = list(plugin_model.objects.only("pk", "display_name"))
    for row in rows:
        row.lookalike = _lookalike(row.display_name)
    plugin_model.objects.bulk_update(rows, ["lookalike"], batch_size=500)


MODERATOR_CODENAMES = ("moderate_names", "view_heldversion")


def grant_moderators(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    # Permissions are normally created after all migrations (post_migrate): make these now.
    app_config = apps.get_app_config("registry")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    group, _ = group_model.objects.get_or_create(name="moderators")
    group.permissions.add(
        *permission_model.objects.filter(
            content_type__app_label="registry", codename__in=MODERATOR_CODENAMES
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0004_semver_precedence"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.CreateModel(
            name="NameRelease",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("canonical_name", models.CharField(db_index=True, max_length=100)),
                ("display_name", models.CharField(max_length=100)),
                ("previous_owner", models.CharField(blank=True, default="", max_length=150)),
                ("released_by", models.CharField(max_length=150)),
                ("released_at", models.DateTimeField(auto_now_add=True)),
                ("removed_at", models.DateTimeField(blank=True, null=True)),
                ("reviews_deleted", models.PositiveIntegerField(default=0)),
                ("reason", models.TextField(blank=True, default="")),
            ],
            options={
                "ordering": ["-released_at"],
            },
        ),
        migrations.AlterModelOptions(
            name="plugin",
            options={
                "ordering": ["canonical_name"],
                "permissions": [("release_name", "Can release a reserved plugin name")],
            },
        ),
        migrations.AddField(
            model_name="plugin",
            name="lookalike",
            field=models.CharField(
                db_index=True,
                default="",
                help_text="The name as it looks: case, '-_.' and confusable characters folded (registry.names.lookalike).",
                max_length=100,
            ),
        ),
        migrations.AddField(
            model_name="plugin",
            name="removed_at",
            field=models.DateTimeField(
                blank=True,
                help_text="When its owner removed the last version; the name stays reserved for them.",
                null=True,
            ),
        ),
        migrations.CreateModel(
            name="HeldVersion",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("canonical_name", models.CharField(db_index=True, max_length=100)),
                ("version", models.CharField(max_length=100)),
                (
                    "manifest",
                    models.JSONField(
                        help_text="The manifest as submitted (PluginManifest.to_dict)."
                    ),
                ),
                (
                    "similar_to",
                    models.CharField(
                        help_text="The popular plugin whose name this one is one edit from.",
                        max_length=100,
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "decision",
                    models.CharField(
                        choices=[
                            ("pending", "Waiting for a moderator"),
                            ("approved", "Approved and published"),
                            ("rejected", "Rejected"),
                        ],
                        db_index=True,
                        default="pending",
                        max_length=10,
                    ),
                ),
                ("decided_by", models.CharField(blank=True, default="", max_length=150)),
                ("decided_at", models.DateTimeField(blank=True, null=True)),
                (
                    "reason",
                    models.TextField(blank=True, default="", help_text="Why it was rejected."),
                ),
                (
                    "owner",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="held_versions",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["created_at"],
                "permissions": [("moderate_names", "Can approve or reject names held for review")],
            },
        ),
        migrations.RunPython(fill_lookalikes, migrations.RunPython.noop, elidable=True),
        migrations.RunPython(grant_moderators, migrations.RunPython.noop),
    ]
