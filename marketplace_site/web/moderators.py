"""The ``moderators`` group: staff who run the moderator's desk in the admin, without superuser.

One list says what the desk needs, and ``moderators_group_sync`` gives the group exactly that
(permissions added by hand elsewhere are taken away): hide, restore and dismiss reports on
reviews, read reports and the moderation audit trail, read sandbox runs, and approve or reject
the names held for review. The site composes
the apps, so it owns a group whose permissions span two of them.
"""

from typing import Any

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions

MODERATORS_GROUP = "moderators"
MODERATOR_PERMISSIONS: tuple[str, ...] = (
    "reviews.moderate_review",
    "reviews.view_review",
    "reviews.change_review",
    "reviews.view_report",
    "reviews.view_moderationevent",
    "sandbox.view_sandboxrun",
    "registry.moderate_names",
    "registry.view_heldversion",
)


def moderators_group_sync(
    *,
    using: str = "default",
    apps: Any = global_apps,
    permissions: tuple[str, ...] = MODERATOR_PERMISSIONS,
) -> Any:
    """Create the group if needed and set its permissions to exactly ``permissions``
    (``"app_label.codename"`` strings).

    ``apps`` is a migration's historical registry (a migration passes its own frozen list) or
    the live one. Permissions are normally made
    after every migration (``post_migrate``); they are made here first, so the group never
    misses one. Returns the group.
    """
    labels = sorted({permission.split(".")[0] for permission in permissions})
    for label in labels:
        app_config = apps.get_app_config(label)
        # A historical app config has no models module; create_permissions skips such apps.
        had_module = getattr(app_config, "models_module", None)
        app_config.models_module = had_module or True
        create_permissions(app_config, apps=apps, verbosity=0, using=using)
        app_config.models_module = had_module
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    group, _ = group_model.objects.using(using).get_or_create(name=MODERATORS_GROUP)
    wanted = []
    for permission in permissions:
        app_label, codename = permission.split(".")
        wanted.append(
            permission_model.objects.using(using).get(
                content_type__app_label=app_label, codename=codename
            )
        )
    group.permissions.set(wanted)
    return group
