"""Helpers for the reviews tests (kept here rather than in tests/factories.py)."""

from typing import Any

from django.contrib.auth.models import Group, Permission, User

from registry.models import Plugin
from registry.services import RegistryService
from reviews.models import Review
from tests.factories import make_manifest, make_user

MODERATOR_CODENAMES = ("moderate_review", "view_review", "change_review", "view_report")


def moderators_group() -> Group:
    """The group the data migration creates; recreated after a transactional test's flush."""
    group, _ = Group.objects.get_or_create(name="moderators")
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="reviews", codename__in=MODERATOR_CODENAMES
        )
    )
    return group


def make_moderator(username: str = "moderator") -> User:
    user = make_user(username, is_staff=True)
    user.groups.add(moderators_group())
    return User.objects.get(pk=user.pk)  # no stale permission cache


def make_superuser(username: str = "root") -> User:
    return make_user(username, is_staff=True, is_superuser=True)


def make_plugin(name: str = "nice-plugin", *, owner: User | None = None, **fields: Any) -> Plugin:
    RegistryService().add(make_manifest(name, **fields), owner=owner)
    plugin = RegistryService().get_plugin(name)
    assert plugin is not None
    return plugin


def make_review(
    plugin_name: str, user: User, rating: int = 4, comment: str = "Works well.", **extra: Any
) -> Review:
    return Review.objects.create(
        plugin_name=plugin_name, user=user, rating=rating, comment=comment, **extra
    )
