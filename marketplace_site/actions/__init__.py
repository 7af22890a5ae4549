"""The integration layer: workflows that span apps, one entry function per user action.

``create_marketplace()`` composes the five services into a ``Marketplace`` (the contract of
CONTRACTS.md). The modules beside it hold the user actions: each takes the acting user, asks
the apps' permission predicates itself (``can_publish``, ``can_review``...), and raises a
``MarketplaceError`` that carries its HTTP status, so the page and the API that call it differ
only in how they parse the request and render the answer.
"""

from marketplace_site.actions.marketplace import InstallPlan, Marketplace, create_marketplace

__all__ = ["InstallPlan", "Marketplace", "create_marketplace"]
