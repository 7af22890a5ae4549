"""The API's documentation page: Swagger UI served by the site itself.

django-ninja would load Swagger UI from a CDN (with an inline script) unless ``ninja`` is an
installed app; instead the page here uses ninja's bundled copy, served from the package by
``docs_asset`` (a fixed list of files), and no inline script, so it works offline and under
a Content Security Policy without ``unsafe-inline``. Without JavaScript the page lists every
endpoint from the OpenAPI schema in plain HTML and links the schema itself.
"""

import mimetypes
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ninja
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET
from ninja.openapi.docs import DocsBase

from marketplace_site.api.errors import error_response

if TYPE_CHECKING:
    from ninja import NinjaAPI

ASSET_DIR = Path(ninja.__file__).resolve().parent / "static" / "ninja"
ASSETS = frozenset(
    {"swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-init.js", "favicon.png", "favicon.svg"}
)


HTTP_METHODS = ("get", "post", "put", "patch", "delete")


def endpoints(schema: Any) -> list[dict[str, str]]:
    """One row per operation in an OpenAPI schema: ``method`` (upper case), ``path``,
    ``summary``, ``description``; in the schema's order of paths, then methods."""
    rows = []
    for route, operations in schema.get("paths", {}).items():
        for method in HTTP_METHODS:
            operation = operations.get(method)
            if operation is None:
                continue
            rows.append(
                {
                    "method": method.upper(),
                    "path": route,
                    "summary": str(operation.get("summary") or ""),
                    "description": str(operation.get("description") or ""),
                }
            )
    return rows


class SelfHostedSwagger(DocsBase):
    template = "api/docs.html"

    def render_page(self, request: HttpRequest, api: "NinjaAPI", **kwargs: Any) -> HttpResponse:
        namespace = api.urls_namespace
        openapi_url = self.get_openapi_url(api, kwargs)
        context = {
            "api": api,
            "openapi_url": openapi_url,
            "endpoints": endpoints(api.get_openapi_schema(path_params=kwargs)),
            "swagger_settings": {
                "url": openapi_url,
                "layout": "BaseLayout",
                "deepLinking": True,
            },
            "asset_url": reverse(f"{namespace}:docs-asset", args=["-"]).removesuffix("-"),
        }
        return render(request, self.template, context)


@require_GET
@cache_control(max_age=86400, public=True)
def docs_asset(request: HttpRequest, name: str) -> HttpResponseBase:
    if name not in ASSETS:
        return error_response(404, "not_found", "No such documentation file.")
    path = ASSET_DIR / name
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return FileResponse(path.open("rb"), content_type=content_type)
