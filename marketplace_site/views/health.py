"""``/healthz``: the health report as JSON, 200 when the site can serve runs, else 503."""

from django.http import HttpRequest, JsonResponse
from django.urls import URLPattern, path
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from marketplace_site.web.health import report


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    found = report()
    return JsonResponse(found, status=200 if found["ok"] else 503)


urlpatterns: list[URLPattern] = [path("healthz", healthz, name="healthz")]
