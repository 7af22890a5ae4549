"""Error pages: a ``MarketplaceError`` a page does not show as a field error becomes Django's
HTTP error, and the 404 page speaks plain words."""

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import Resolver404

from marketplace_site.types import MarketplaceError

NO_PAGE = "No page at this address"


def not_found_message(exception: Exception | None) -> str:
    """What a person reads on a 404: the view's own message when it gave one in words
    ("There is no plugin named 'x'."), else ``NO_PAGE``. An address no URL pattern matches
    raises ``Resolver404``, whose argument is the resolver's internal report; Django's own page
    would then show the class name."""
    if isinstance(exception, Resolver404) or exception is None:
        return NO_PAGE + "."
    message = exception.args[0] if exception.args else ""
    return message if isinstance(message, str) and message else NO_PAGE + "."


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """The site's 404 page (``handler404``), with or without ``DEBUG``."""
    return render(
        request,
        "404.html",
        {"message": not_found_message(exception), "request_path": request.path},
        status=404,
    )


def http_error(error: MarketplaceError) -> Exception:
    """The exception Django renders as the error's page: 404, 403, or the error itself
    (a 400-class problem the view should have shown next to its field)."""
    if error.http_status == 404:
        return Http404(error.message)
    if error.http_status == 403:
        return PermissionDenied(error.message)
    return error
