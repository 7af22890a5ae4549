"""Plain factory functions for tests (no factory library: the models are small).

Every test module that needs a user, a moderator, a plugin, a review or a published version
takes it from here.
"""

from itertools import count
from typing import Any

from django.contrib.auth.models import Group, User

from marketplace_site.actions import Marketplace, create_marketplace
from marketplace_site.types import PluginManifest
from marketplace_site.web.moderators import moderators_group_sync
from registry.models import Plugin
from registry.services import RegistryService
from reviews.models import Review

_sequence = count(1)
PASSWORD = "correct-horse-battery-staple"


def make_user(username: str | None = None, **extra: Any) -> User:
    username = username or f"user{next(_sequence)}"
    return User.objects.create_user(username=username, password=PASSWORD, **extra)


def moderators_group() -> Group:
    """The group the site's data migration creates, with exactly its permissions; made again
    after a transactional test's flush (which empties it)."""
    group: Group = moderators_group_sync()
    return group


def make_moderator(username: str = "moderator") -> User:
    """A staff user in the moderators group (its permissions come from the reviews app)."""
    user = make_user(username, is_staff=True)
    user.groups.add(moderators_group())
    return User.objects.get(pk=user.pk)  # no stale permission cache


def make_superuser(username: str = "root") -> User:
    return make_user(username, is_staff=True, is_superuser=True)


def make_manifest(name: str | None = None, version: str = "1.0.0", **fields: Any) -> PluginManifest:
    data: dict[str, Any] = {
        "name": name or f"plugin-{next(_sequence)}",
        "version": version,
        "entry_point": fields.pop("entry_point", "result = 1 + 1"),
        "description": fields.pop("description", "A plugin made by a test."),
        **fields,
    }
    return PluginManifest.from_dict(data)


def publish(
    name: str,
    version: str = "1.0.0",
    owner: User | None = None,
    *,
    marketplace: Marketplace | None = None,
    **fields: Any,
) -> PluginManifest:
    """Publish a version through the integration layer (its dependency edges indexed too)."""
    market = marketplace or create_marketplace()
    return market.publish(make_manifest(name, version, **fields), owner=owner)


def make_plugin(name: str = "nice-plugin", *, owner: User | None = None, **fields: Any) -> Plugin:
    """A plugin row, stored by the registry alone (no dependency edges)."""
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
