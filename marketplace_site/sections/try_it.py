"""The sandbox's part of the plugin page: the "Try it" link.

The run counts are the plugin's own counters (``registry.models.Plugin``), read with the
plugin itself: no query here."""

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.http import urlencode

from marketplace_site.actions import Marketplace
from registry.models import Plugin, PluginVersion


def try_url(name: str, version: str | None) -> str:
    url = reverse("plugin_try", args=[name])
    return f"{url}?{urlencode({'version': version})}" if version else url


def plugin_section(
    request: HttpRequest, marketplace: Marketplace, plugin: Plugin, selected: PluginVersion
) -> dict[str, Any]:
    """Context for includes/_plugin_sandbox.html: the Try it link."""
    return {"sandbox_try_url": try_url(plugin.display_name, selected.version)}
