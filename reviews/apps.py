from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate

MODERATORS_GROUP = "moderators"
MODERATOR_CODENAMES = ("moderate_review", "view_review", "change_review", "view_report")


def ensure_moderators_group(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    """Give the moderators group its permissions (again, after a flush empties the tables)."""
    from django.contrib.auth.models import Group, Permission

    group, _ = Group.objects.using(using).get_or_create(name=MODERATORS_GROUP)
    group.permissions.add(
        *Permission.objects.using(using).filter(
            content_type__app_label="reviews", codename__in=MODERATOR_CODENAMES
        )
    )


class ReviewsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reviews"

    def ready(self) -> None:
        # After the auth app's own post_migrate handler has created the permissions.
        post_migrate.connect(ensure_moderators_group, sender=self)
