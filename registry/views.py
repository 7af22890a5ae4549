from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from registry.search import count_cap, query_words
from registry.services import RegistryService

PAGE_SIZE = 20


def _page_number(request: HttpRequest) -> int:
    try:
        return max(1, int(request.GET.get("page", "1")))
    except ValueError:
        return 1


def home(request: HttpRequest) -> HttpResponse:
    recent = RegistryService().browse(sort="updated")[:12]
    return render(request, "registry/home.html", {"recent": recent})


def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:200]
    number = _page_number(request)
    offset = (number - 1) * PAGE_SIZE
    results = RegistryService().search_page(query, limit=PAGE_SIZE, offset=offset)
    pages = max(1, -(-results.total // PAGE_SIZE))
    return render(
        request,
        "registry/plugin_search.html",
        {
            "query": query,
            "words": query_words(query),
            "plugins": results.plugins,
            "total": results.total,
            "suggestion": results.suggestion,
            "count_cap": count_cap(limit=PAGE_SIZE, offset=offset),
            "number": number,
            "previous_page": number - 1 if number > 1 else None,
            "next_page": number + 1 if number < pages else None,
        },
    )
