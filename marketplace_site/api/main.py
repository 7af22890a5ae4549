"""The ``NinjaAPI`` instance mounted at ``/api/v1/``, and what it adds around ninja's views.

Around every operation: a body over the size cap is refused (413) before it is read, and
ninja's plain-text 405 becomes the JSON error shape. Under the prefix: the self-hosted docs'
files, a JSON index at the root, and a JSON 404 for any other path.
"""

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.urls import URLPattern, URLResolver, path, re_path, reverse
from ninja import NinjaAPI
from ninja.renderers import JSONRenderer

from marketplace_site.api import install, installations, plugins, reviews
from marketplace_site.api.docs import SelfHostedSwagger, docs_asset
from marketplace_site.api.errors import ApiError, error_response, install_error_handlers
from marketplace_site.api.parser import LimitedJSONParser, check_body_size
from sandbox.results import output_json

if TYPE_CHECKING:
    from ninja.openapi.schema import OpenAPISchema
    from ninja.operation import Operation

DESCRIPTION = """\
The Plugin Marketplace's JSON API: browse, search and publish plugins, review them, check
version constraints, plan or run installs, and install plugins for a host application
(pinned by a lock) and run them.

Write operations need an API token, made on your account page and sent as
`Authorization: Bearer <token>`. Every error is `{"error": code, "detail": ...}`; for an
invalid manifest `detail` maps each field to its problem.
"""

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
ViewFunc = Callable[..., HttpResponseBase]


def guard_view(view: ViewFunc) -> ViewFunc:
    """Refuse oversized bodies before ninja reads them; answer a wrong method in JSON."""

    @functools.wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method in BODY_METHODS:
            try:
                check_body_size(request)
            except ApiError as error:
                return error_response(error.status, error.code, error.detail)
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and not response.get("Content-Type", "").startswith(
            "application/json"
        ):
            allowed = response.get("Allow", "")
            json_response = error_response(
                405, "method_not_allowed", f"{request.method} is not allowed here; use {allowed}."
            )
            json_response["Allow"] = allowed
            return json_response
        return response

    return guarded


def api_index(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    return JsonResponse(
        {
            "title": api.title,
            "version": api.version,
            "docs": reverse(f"{api.urls_namespace}:openapi-view"),
            "openapi": reverse(f"{api.urls_namespace}:openapi-json"),
        }
    )


RETRY_AFTER_HEADER = {
    "description": "Seconds until the rate limit's window ends and requests count again.",
    "schema": {"type": "integer", "minimum": 1},
}


def api_not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    return error_response(404, "not_found", f"There is no API endpoint at {request.path}.")


class RunOutputRenderer(JSONRenderer):
    """ninja's JSON renderer, able to write a run's output of any size (``10 ** 5000``).

    A plugin's output may hold integers past Python's 4,300-digit conversion limit, which
    ``json.dumps`` refuses; the sandbox's writer handles them.
    """

    def render(self, request: HttpRequest, data: Any, *, response_status: int) -> str:
        return output_json(data, encoder=self.encoder_class)


class MarketplaceApi(NinjaAPI):
    def get_openapi_operation_id(self, operation: "Operation") -> str:
        return operation.view_func.__name__

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> "OpenAPISchema":
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        # ninja has no way to declare a response header; a 429 always carries this one.
        for item in schema["paths"].values():
            for operation in item.values():
                limited = operation.get("responses", {}).get(429)
                if limited is not None:
                    limited["headers"] = {"Retry-After": RETRY_AFTER_HEADER}
        return schema

    def _get_urls(self) -> list[URLResolver | URLPattern]:
        patterns: list[URLResolver | URLPattern] = []
        for pattern in super()._get_urls():
            if isinstance(pattern, URLPattern) and pattern.name == "api-root":
                continue  # ninja's root raises an HTML 404; api_index replaces it
            if isinstance(pattern, URLPattern):
                pattern.callback = guard_view(pattern.callback)
            patterns.append(pattern)
        return [
            *patterns,
            path("docs/assets/<str:name>", docs_asset, name="docs-asset"),
            path("", api_index, name="api-root"),
            re_path(r"^(?P<rest>.*)$", api_not_found, name="not-found"),
        ]


api = MarketplaceApi(
    title="Plugin Marketplace API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    docs=SelfHostedSwagger(),
    docs_url="/docs",
    openapi_url="/openapi.json",
    parser=LimitedJSONParser(),
    renderer=RunOutputRenderer(),
)
install_error_handlers(api)
for resource in (plugins, reviews, install, installations):
    api.add_router("", resource.router)
