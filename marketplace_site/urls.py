"""Every URL: each page family's module in ``marketplace_site.views`` (and each app's
``urls``) brings its own ``urlpatterns``; the JSON API is mounted at ``/api/v1/``."""

from django.contrib import admin
from django.urls import include, path

from marketplace_site.api.main import api

urlpatterns = [
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
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]
