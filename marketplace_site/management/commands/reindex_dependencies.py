"""Rebuild the dependency graph's edge index from every published version."""

from typing import Any

from django.core.management.base import BaseCommand

from depgraph.services import rebuild_edges
from registry.models import PluginVersion


class Command(BaseCommand):
    help = "Rebuild the dependency graph's edge index from every published version."

    def handle(self, *args: Any, **options: Any) -> None:
        versions = PluginVersion.objects.select_related("plugin").iterator()
        count = rebuild_edges(row.to_manifest() for row in versions)
        self.stdout.write(f"Indexed {count} dependency edges.")
