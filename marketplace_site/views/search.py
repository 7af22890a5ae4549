"""The search page: the registry answers a query; before one is typed, the page shows the
plugins people install most and the newest, which only the composed site can count."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path

from marketplace_site.sections.search import empty_search
from registry import views as registry_views


def search(request: HttpRequest) -> HttpResponse:
    if request.GET.get("q", "").strip():
        return registry_views.search(request)
    return render(request, "registry/plugin_search.html", {"query": "", **empty_search()})


# Included before registry.urls, so this page answers /search/.
urlpatterns: list[URLPattern] = [path("search/", search, name="search")]
