"""Files browsers ask for at fixed addresses: ``/favicon.ico`` (pages link the icon under
``/static/``, served by whitenoise; browsers and feed readers still ask the root)."""

from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import URLPattern, path
from django.views.decorators.http import require_GET


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    return HttpResponsePermanentRedirect(static("icons/favicon.ico"))


urlpatterns: list[URLPattern] = [path("favicon.ico", favicon, name="favicon")]
