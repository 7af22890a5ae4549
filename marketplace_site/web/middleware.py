"""Refuse oversized request bodies before anything reads them.

``CsrfViewMiddleware`` reads ``request.POST`` before any view runs, and for a multipart
upload that streams the whole body to a temporary file. This middleware, placed before it,
answers 413 from the declared ``Content-Length`` alone, so an oversized upload is never read.
A body without a declared length (chunked) is read by Django as empty.
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from marketplace_site.api.errors import error_response

API_PREFIX = "/api/"


def declared_length(request: HttpRequest) -> int:
    try:
        return max(0, int(request.META.get("CONTENT_LENGTH") or 0))
    except ValueError:
        return 0


def body_too_large_response(request: HttpRequest, limit: int) -> HttpResponse:
    limit_kib = limit // 1024
    detail = f"The request body is larger than {limit_kib} KiB."
    if request.path.startswith(API_PREFIX):
        return error_response(413, "too_large", detail)
    return render(request, "413.html", {"limit_kib": limit_kib}, status=413)


class RequestBodyLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit: int = settings.REQUEST_BODY_MAX_BYTES
        if declared_length(request) > limit:
            return body_too_large_response(request, limit)
        return self.get_response(request)
