"""The API's documentation page: Swagger UI served by the site itself.

django-ninja would load Swagger UI from a CDN (with an inline script) unless ``ninja`` is an
installed app; instead the page here uses ninja's bundled copy, served from the package by
``docs_asset`` (a fixed list of files), and no inline script, so it works offline and under
a Content Security Policy without ``unsafe-inline``.
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


class SelfHostedSwagger(DocsBase):
    template = "api/docs.html"

    def render_page(self, request: HttpRequest, api: "NinjaAPI", **kwargs: Any) -> HttpResponse:
        namespace = api.urls_namespace
        context = {
            "api": api,
            "swagger_settings": {
                "url": self.get_openapi_url(api, kwargs),
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
