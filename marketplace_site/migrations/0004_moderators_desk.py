"""The moderators group gets exactly the moderator's desk: reviews (moderate, view, change),
reports, the moderation audit trail, sandbox runs (view) and the queue of names held for
review (registry 0005)."""

from django.db import migrations

# Frozen here: later changes to the group come with their own migration.
PERMISSIONS = (
    "reviews.moderate_review",
    "reviews.view_review",
    "reviews.change_review",
    "reviews.view_report",
    "reviews.view_moderationevent",
    "sandbox.view_sandboxrun",
    "registry.moderate_names",
    "registry.view_heldversion",
)


def grant(apps, schema_editor):
    from marketplace_site.web.moderators import moderators_group_sync

    moderators_group_sync(using=schema_editor.connection.alias, apps=apps, permissions=PERMISSIONS)


def revoke(apps, schema_editor):
    from marketplace_site.web.moderators import moderators_group_sync

    moderators_group_sync(
        using=schema_editor.connection.alias,
        apps=apps,
        permissions=PERMISSIONS[:4] + PERMISSIONS[6:],  # as reviews 0002 and registry 0005 left it
    )


class Migration(migrations.Migration):
    dependencies = [
        ("marketplace_site", "0003_installations"),
        ("reviews", "0003_moderation_events"),
        ("sandbox", "0001_initial"),
        ("registry", "0005_names"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
