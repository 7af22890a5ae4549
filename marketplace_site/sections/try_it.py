"""The sandbox's part of the plugin page: the "Try it" link and the run counts."""

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.http import urlencode

from marketplace_site.actions import Marketplace
from marketplace_site.actions.installations import runs_of_installations
from registry.models import Plugin, PluginVersion
from sandbox import services as sandbox_services


def try_url(name: str, version: str | None) -> str:
    url = reverse("plugin_try", args=[name])
    return f"{url}?{urlencode({'version': version})}" if version else url


def plugin_section(
    request: HttpRequest, marketplace: Marketplace, plugin: Plugin, selected: PluginVersion
) -> dict[str, Any]:
    """Context for includes/_plugin_sandbox.html: the Try it link and the run count."""
    return {
        "sandbox_try_url": try_url(plugin.display_name, selected.version),
        "sandbox_run_count": sandbox_services.install_counts([plugin.display_name])[
            plugin.display_name
        ],
        # Runs of users' installations (a host application's calls), counted apart.
        "installation_runs": runs_of_installations(plugin_name=plugin.display_name),
    }
