"""The site's URLs plus ``/baseline/``: one template, one query (see ``settings_baseline``)."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from marketplace_site.urls import urlpatterns as site_urlpatterns
from registry.models import Plugin


def baseline(request: HttpRequest) -> HttpResponse:
    """The cheapest useful Django page: one query, one small template."""
    plugin = Plugin.objects.order_by("canonical_name").values("display_name").first()
    return render(request, "load/baseline.html", {"plugin": plugin})


# The site's list is untyped (URLPattern and URLResolver mixed).
urlpatterns: list[Any] = [
    path("baseline/", baseline, name="baseline"),
    *site_urlpatterns,
]
