"""Page sections: what each capability adds to a page that several apps compose.

A section builds template context and nothing else (no view, no URL). The plugin page gets
``templates/includes/_plugin_<part>.html`` from ``plugin_page``, the remove page
``_remove_<part>.html`` from ``remove_page``, and the account page ``_account_<part>.html``
from ``account_page``. To add a part, write its builder in a module here and call it below.
"""

import functools
from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from marketplace_site.actions import Marketplace
from marketplace_site.sections import depgraph, range_calculator, reviews, try_it
from marketplace_site.sections.reviews import NO_FORMS, ReviewForms
from registry.models import Plugin, PluginVersion


def plugin_page(
    request: HttpRequest,
    marketplace: Marketplace,
    plugin: Plugin,
    selected: PluginVersion,
    *,
    review_forms: ReviewForms = NO_FORMS,
) -> dict[str, Any]:
    """The plugin page's parts; ``review_forms`` are forms a review POST sent back invalid.

    ``depgraph`` is built on first use, and ``reviews`` is a function that builds the reviews
    part's context: the page keeps both rendered in the fragment cache, so a page served
    from there builds neither. The Try it link and the range calculator's form are built
    on first use too, for the same reason."""
    sandbox = functools.cache(lambda: try_it.plugin_section(request, marketplace, plugin, selected))
    resolver = functools.cache(
        lambda: range_calculator.plugin_section(request, marketplace, plugin, selected)
    )
    return {
        "reviews": lambda: reviews.plugin_section(
            request, marketplace, plugin, selected, review_forms
        ),
        "depgraph": SimpleLazyObject(
            lambda: depgraph.plugin_section(request, marketplace, plugin, selected)["depgraph"]
        ),
        # A template calls a callable it is given when it renders it.
        "sandbox_try_url": lambda: sandbox()["sandbox_try_url"],
        "resolver_form": lambda: resolver()["resolver_form"],
        "resolver_url": lambda: resolver()["resolver_url"],
    }


def remove_page(
    request: HttpRequest, marketplace: Marketplace, row: PluginVersion
) -> dict[str, Any]:
    """The remove page's parts: the plugins that depend on the version."""
    return depgraph.remove_section(request, marketplace, row)


def account_page(request: HttpRequest) -> dict[str, Any]:
    """The account page's parts: the user's reviews."""
    return reviews.account_section(request)
