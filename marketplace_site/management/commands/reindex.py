"""Rebuild the derived indexes from the published versions: search and dependency edges;
and the plugins' use counters from the installations and recorded runs.

For a database filled by other means than publishing (a restore, a loaddata).
"""

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from depgraph.services import rebuild_edges
from marketplace_site.actions.counts import recount
from registry import search
from registry.models import PluginVersion


class Command(BaseCommand):
    help = "Rebuild the search index and the dependency graph's edges from every version."

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            plugins = search.rebuild_index()
            versions = PluginVersion.objects.select_related("plugin").iterator()
            edges = rebuild_edges(row.to_manifest() for row in versions)
            counted = recount()
        self.stdout.write(f"Indexed {plugins} plugins for search and {edges} dependency edges.")
        self.stdout.write(f"Recounted the use counters of {counted} plugins.")
