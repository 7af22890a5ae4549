from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def create_cache_tables(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    """``migrate`` also makes the database cache's table (the visitor page cache), so a site
    set up with ``migrate`` alone works; ``createcachetable`` skips an existing table."""
    from django.core.management import call_command

    call_command("createcachetable", database=using, verbosity=0)


def sync_moderators_group(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    """The moderators group with exactly its permissions, again after a flush empties it."""
    from marketplace_site.web.moderators import moderators_group_sync

    moderators_group_sync(using=using)


class MarketplaceSiteConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "marketplace_site"
    verbose_name = "Marketplace"

    def ready(self) -> None:
        from django.core import checks

        from marketplace_site.web.health import check_health

        checks.register(check_health, "marketplace")
        from django.contrib.auth import get_user_model

        from depgraph.models import DependencyEdge
        from marketplace_site.web import page_cache, users
        from registry.models import Plugin, PluginVersion
        from reviews.models import HelpfulVote, OwnerReply, Review

        page_cache.connect([Plugin, PluginVersion, DependencyEdge, Review, OwnerReply, HelpfulVote])
        users.connect(get_user_model())
        post_migrate.connect(
            create_cache_tables, sender=self, dispatch_uid="marketplace_create_cache_tables"
        )
        post_migrate.connect(
            sync_moderators_group, sender=self, dispatch_uid="marketplace_sync_moderators_group"
        )
