"""The "Try it" page: run a published plugin version with your own JSON context."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.views.decorators.http import require_http_methods

from marketplace_site.actions import create_marketplace
from marketplace_site.forms import TryPluginForm
from marketplace_site.sections.try_it import try_url
from marketplace_site.types import SandboxUnavailable
from marketplace_site.web.ratelimit import RateLimited, check_request
from sandbox.results import output_json


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
                try:
                    result = marketplace.run(
                        manifest, context=form.cleaned_data["context"], user=request.user
                    )
                except SandboxUnavailable as error:
                    form.add_error(None, ValidationError(error.message, code=error.code))
                    status = error.http_status
    context = {
        "manifest": manifest,
        "form": form,
        "result": result,
        "result_output_json": output_json(result.output, indent=2) if result is not None else "",
        "action": try_url(manifest.name, version),
    }
    return render(request, "sandbox/sandboxrun_try.html", context, status=status)


urlpatterns: list[URLPattern] = [
    path("plugins/<str:name>/try/", plugin_try, name="plugin_try"),
]
