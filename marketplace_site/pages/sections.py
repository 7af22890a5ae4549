"""The parts each capability contributes to the plugin page and the remove page.

A capability's module in this package may define ``plugin_section(request, marketplace,
plugin, selected) -> dict``, ``remove_section(request, marketplace, row) -> dict`` and
``account_section(request) -> dict``; each
returns extra template context, rendered by ``templates/includes/_plugin_<app>.html`` and
``templates/includes/_remove_<app>.html`` and ``_account_<app>.html``.
"""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest

from marketplace_site.pages import depgraph, resolver, reviews, sandbox

if TYPE_CHECKING:
    from marketplace_site.marketplace import Marketplace
    from registry.models import Plugin, PluginVersion

PluginSection = Callable[[HttpRequest, "Marketplace", "Plugin", "PluginVersion"], dict[str, Any]]
RemoveSection = Callable[[HttpRequest, "Marketplace", "PluginVersion"], dict[str, Any]]
AccountSection = Callable[[HttpRequest], dict[str, Any]]

_MODULES = (reviews, depgraph, sandbox, resolver)

PLUGIN_PAGE_SECTIONS: list[PluginSection] = [
    module.plugin_section for module in _MODULES if hasattr(module, "plugin_section")
]
REMOVE_PAGE_SECTIONS: list[RemoveSection] = [
    module.remove_section for module in _MODULES if hasattr(module, "remove_section")
]
ACCOUNT_PAGE_SECTIONS: list[AccountSection] = [
    module.account_section for module in _MODULES if hasattr(module, "account_section")
]
