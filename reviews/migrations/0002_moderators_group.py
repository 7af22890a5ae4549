"""The ``moderators`` group: staff who hide reviews and handle reports, without superuser."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "moderators"
CODENAMES = ("moderate_review", "view_review", "change_review", "view_report")


def grant_moderators(apps, schema_editor):
    # Permissions are normally created after all migrations (post_migrate); make sure the
    # ones granted here exist now.
    app_config = apps.get_app_config("reviews")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    permissions = Permission.objects.filter(
        content_type__app_label="reviews", codename__in=CODENAMES
    )
    group.permissions.add(*permissions)


def revoke_moderators(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=GROUP).first()
    if group is not None:
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="reviews", codename__in=CODENAMES)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("reviews", "0001_initial"),
    ]

    operations = [migrations.RunPython(grant_moderators, revoke_moderators)]
