"""Every URL: each page family's module in ``marketplace_site.views`` (and each app's
``urls``) brings its own ``urlpatterns``; the JSON API is mounted at ``/api/v1/``."""

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import include, path

from marketplace_site.api import errors as api_errors
from marketplace_site.api.main import api
from marketplace_site.views import errors

urlpatterns = [
    path("", include("marketplace_site.views.search")),
    path("", include("registry.urls")),
    path("", include("marketplace_site.views.plugins")),
    path("", include("marketplace_site.views.feeds")),
    path("", include("marketplace_site.views.install")),
    path("", include("marketplace_site.views.try_it")),
    path("", include("marketplace_site.views.installations")),
    path("", include("marketplace_site.views.graph")),
    path("", include("marketplace_site.views.range_calculator")),
    path("", include("marketplace_site.views.reviews")),
    path("", include("marketplace_site.views.accounts")),
    path("", include("marketplace_site.views.tokens")),
    path("", include("marketplace_site.views.health")),
    path("", include("marketplace_site.views.site_files")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]


def handler404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Plain words for an unknown address: JSON under the API's prefix, a page elsewhere."""
    if request.path.startswith("/api/"):
        return api_errors.not_found(request, errors.not_found_message(exception))
    return errors.page_not_found(request, exception)
