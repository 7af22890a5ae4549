"""The sandbox's pages that need other apps: "Try it" for a plugin version."""

import json
from typing import TYPE_CHECKING, Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods

from marketplace_site.marketplace import create_marketplace
from marketplace_site.web.ratelimit import RateLimited, check_request
from sandbox import services as sandbox_services
from sandbox.forms import TryPluginForm

if TYPE_CHECKING:
    from marketplace_site.marketplace import Marketplace
    from registry.models import Plugin, PluginVersion


@login_required
@require_http_methods(["GET", "POST"])
def plugin_try(request: HttpRequest, name: str) -> HttpResponse:
    """Run a plugin version's entry point with a JSON context and show the whole result."""
    marketplace = create_marketplace()
    version = request.GET.get("version") or None
    manifest = marketplace.registry.get(name, version)
    if manifest is None:
        raise Http404(f"No plugin {name!r}" + (f" version {version}." if version else "."))
    result = None
    status = 200
    form = TryPluginForm(request.POST or None)
    if request.method == "POST":
        if not form.is_valid():
            status = 400
        else:
            # Only a valid request counts against the quota: a typo in the JSON costs nothing.
            try:
                check_request(request, "try")
            except RateLimited as error:
                form.add_error(None, ValidationError(error.message, code="rate_limited"))
                status = 429
            else:
                result = marketplace.run(
                    manifest, context=form.cleaned_data["context"], user=request.user
                )
    context = {
        "manifest": manifest,
        "form": form,
        "result": result,
        "result_output_json": (
            json.dumps(result.output, indent=2, ensure_ascii=False) if result is not None else ""
        ),
        "action": _try_url(manifest.name, version),
    }
    return render(request, "sandbox/sandboxrun_try.html", context, status=status)


def _try_url(name: str, version: str | None) -> str:
    url = reverse("plugin_try", args=[name])
    return f"{url}?{urlencode({'version': version})}" if version else url


def plugin_section(
    request: HttpRequest, marketplace: "Marketplace", plugin: "Plugin", selected: "PluginVersion"
) -> dict[str, Any]:
    """Context for includes/_plugin_sandbox.html: the Try it link and the run count."""
    return {
        "sandbox_try_url": _try_url(plugin.display_name, selected.version),
        "sandbox_run_count": sandbox_services.install_counts([plugin.display_name])[
            plugin.display_name
        ],
    }


urlpatterns: list[URLPattern] = [
    path("plugins/<str:name>/try/", plugin_try, name="plugin_try"),
]
