import functools

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from registry.search import count_cap, query_words
from registry.services import RegistryService, SearchPage

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
    """One page of matches for ``?q=``. The results are read when the template first asks
    for them: the template keeps them rendered per content generation, and a search answered
    from there makes no query of its own."""
    query = request.GET.get("q", "").strip()[:200]
    number = _page_number(request)
    offset = (number - 1) * PAGE_SIZE

    @functools.cache
    def results() -> SearchPage:
        return RegistryService().search_page(query, limit=PAGE_SIZE, offset=offset)

    def next_page() -> int | None:
        pages = max(1, -(-results().total // PAGE_SIZE))
        return number + 1 if number < pages else None

    # Callables: the template calls each when it renders the results, not before.
    return render(
        request,
        "registry/plugin_search.html",
        {
            "query": query,
            "words": query_words(query),
            "plugins": lambda: results().plugins,
            "total": lambda: results().total,
            "suggestion": lambda: results().suggestion,
            "count_cap": count_cap(limit=PAGE_SIZE, offset=offset),
            "number": number,
            "previous_page": number - 1 if number > 1 else None,
            "next_page": next_page,
        },
    )
