"""The integration layer's public names at the path CONTRACTS.md gives them.

The code lives in ``marketplace_site.actions``; code outside the project imports
``create_marketplace`` and ``Marketplace`` from here.
"""

from marketplace_site.actions import InstallPlan, Marketplace, create_marketplace

__all__ = ["InstallPlan", "Marketplace", "create_marketplace"]
