"""A ``MarketplaceError`` a page does not show as a field error, as Django's HTTP error."""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from marketplace_site.types import MarketplaceError


def http_error(error: MarketplaceError) -> Exception:
    """The exception Django renders as the error's page: 404, 403, or the error itself
    (a 400-class problem the view should have shown next to its field)."""
    if error.http_status == 404:
        return Http404(error.message)
    if error.http_status == 403:
        return PermissionDenied(error.message)
    return error
