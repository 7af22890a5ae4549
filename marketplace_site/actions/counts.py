"""The plugins' use counters, recounted from the rows they count.

The counters (``registry.models.Plugin``: installs, installation runs, trial runs) are kept
as things happen by the actions that make them happen; ``recount`` sets them afresh from the
installations and the recorded sandbox runs, for a database that had those rows before the
counters existed (``manage.py recount``).
"""

from collections import defaultdict

from django.db import transaction
from django.db.models import Count, Sum

from marketplace_site.models import InstalledPlugin
from registry.services import PluginCounts, plugin_counts_set
from sandbox import selectors as sandbox_selectors


def recount() -> int:
    """Set every plugin's counters from the rows; returns how many plugins changed."""
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    rows = (
        InstalledPlugin.objects.values("plugin_name")
        .annotate(installs=Count("id"), runs=Sum("run_count"))
        .order_by()
    )
    for row in rows:
        counts[row["plugin_name"]]["installs"] = int(row["installs"])
        counts[row["plugin_name"]]["installation_runs"] = int(row["runs"] or 0)
    for name, total in sandbox_selectors.most_run():
        counts[name]["trial_runs"] = total
    with transaction.atomic():
        return plugin_counts_set({name: PluginCounts(**found) for name, found in counts.items()})
