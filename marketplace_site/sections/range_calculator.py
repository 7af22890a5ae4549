"""The resolver's part of the plugin page: a range calculator aimed at the plugin."""

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from marketplace_site.actions import Marketplace
from registry.models import Plugin, PluginVersion
from resolver.forms import RangeCalculatorForm


def plugin_section(
    request: HttpRequest, marketplace: Marketplace, plugin: Plugin, selected: PluginVersion
) -> dict[str, Any]:
    """Context for the plugin page's resolver part: a calculator form aimed at this plugin."""
    return {
        "resolver_form": RangeCalculatorForm(auto_id="resolver_%s"),
        "resolver_url": reverse("range_calculator_plugin", args=[plugin.display_name]),
    }
