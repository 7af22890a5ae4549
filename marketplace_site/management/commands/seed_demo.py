"""Load the demo catalog: users, plugins with versions, dependencies, READMEs and
changelogs, a yanked version, reviews, and an installation pinned before a newer dependency
came out.

Idempotent: running it again adds only what is missing.
"""

from typing import Any

from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand
from django.db import transaction

from marketplace_site import demo_data
from marketplace_site.actions import create_marketplace
from marketplace_site.actions.installations import pin_exactly
from marketplace_site.types import DuplicateVersion


class Command(BaseCommand):
    help = "Load demo users, plugins and reviews (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        marketplace = create_marketplace()
        with transaction.atomic():
            users = self._users()
            published = 0
            for owner_key, data in demo_data.manifest_dicts():
                try:
                    marketplace.publish(data, owner=users[owner_key])
                    published += 1
                except DuplicateVersion:
                    continue
            for name, version, reason in demo_data.YANKED:
                marketplace.yank(name, version, reason)
            for user_key, name, version, lock in demo_data.INSTALLATIONS:
                if not users[user_key].installations.filter(plugin_name=name).exists():
                    pin_exactly(marketplace, name, version, lock, user=users[user_key])
            reviews = 0
            for plugin_name, username, rating, comment in demo_data.REVIEWS:
                existing = marketplace.reviews.for_plugin(plugin_name, include_flagged=True)
                if all(review.user != username for review in existing):
                    marketplace.reviews.add_review(plugin_name, username, rating, comment)
                    reviews += 1
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {published} new plugin versions, {reviews} new reviews."
            )
        )
        self.stdout.write(f"Demo accounts (password for all: {demo_data.DEMO_PASSWORD}):")
        for info in demo_data.DEMO_USERS.values():
            self.stdout.write(f"  {info['username']:<8} {info['role']}")

    def _users(self) -> dict[str, User]:
        moderators, _ = Group.objects.get_or_create(name="moderators")
        users: dict[str, User] = {}
        for key, info in demo_data.DEMO_USERS.items():
            user, created = User.objects.get_or_create(
                username=info["username"], defaults={"email": info["email"]}
            )
            if created:
                user.set_password(demo_data.DEMO_PASSWORD)
                if key == "moderator":
                    user.is_staff = True
                user.save()
            if key == "moderator":
                user.groups.add(moderators)
            users[key] = user
        return users
