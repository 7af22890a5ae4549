from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _drop_search_orphans(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    from registry import search

    search.remove_orphans(using)


class RegistryConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "registry"

    def ready(self) -> None:
        # flush (and so every TransactionTestCase) ends with post_migrate: keep the search
        # index in step with the emptied plugin table.
        post_migrate.connect(_drop_search_orphans, sender=self)
