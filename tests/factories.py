"""Plain factory functions for tests (no factory library: the models are small)."""

from itertools import count
from typing import Any

from django.contrib.auth.models import Group, User

from marketplace_site.types import PluginManifest

_sequence = count(1)
PASSWORD = "correct-horse-battery-staple"


def make_user(username: str | None = None, **extra: Any) -> User:
    username = username or f"user{next(_sequence)}"
    return User.objects.create_user(username=username, password=PASSWORD, **extra)


def make_moderator(username: str = "moderator") -> User:
    """A staff user in the moderators group (its permissions come from the reviews app)."""
    user = make_user(username, is_staff=True)
    user.groups.add(Group.objects.get(name="moderators"))
    return User.objects.get(pk=user.pk)  # no stale permission cache


def make_manifest(name: str | None = None, version: str = "1.0.0", **fields: Any) -> PluginManifest:
    data: dict[str, Any] = {
        "name": name or f"plugin-{next(_sequence)}",
        "version": version,
        "entry_point": fields.pop("entry_point", "result = 1 + 1"),
        "description": fields.pop("description", "A plugin made by a test."),
        **fields,
    }
    return PluginManifest.from_dict(data)
