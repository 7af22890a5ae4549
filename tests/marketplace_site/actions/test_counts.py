"""``recount``: the use counters set afresh from the rows they count (installations, their
runs, and the recorded trial runs), for a database whose rows predate the counters."""

from typing import Any

from marketplace_site.actions import counts
from registry.models import Plugin
from registry.services import PluginCounts
from sandbox.models import SandboxRun
from tests.factories import make_user


def test_recount_sets_each_counter_from_its_rows(marketplace: Any) -> None:
    marketplace.publish({"name": "app", "version": "1.0.0", "entry_point": "result = 1"})
    marketplace.publish({"name": "quiet", "version": "1.0.0", "entry_point": "result = 2"})
    ann, bea = make_user("ann"), make_user("bea")
    installation = marketplace.install("app", user=ann)
    marketplace.install("app", user=bea)
    for _ in range(3):
        marketplace.run_installed(installation.id, {}, user=ann)
    # Trial runs recorded before the counters existed, a failed one too: rows only.
    for success in (True, False):
        SandboxRun.objects.create(
            plugin_name="app", version="1.0.0", success=success, duration_ms=1.0
        )
    Plugin.objects.update(install_count=0, installation_run_count=0, trial_run_count=0)

    assert counts.recount() == 1  # "quiet" had nothing to count
    recounted = PluginCounts.of(Plugin.objects.get(canonical_name="app"))
    trial_runs = SandboxRun.objects.filter(plugin_name="app").count()
    assert recounted == PluginCounts(installs=2, installation_runs=3, trial_runs=trial_runs)
    assert trial_runs == 2  # installation runs are not trial runs
    assert PluginCounts.of(Plugin.objects.get(canonical_name="quiet")) == PluginCounts()
