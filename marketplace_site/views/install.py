"""The install page: plan first (a dry run that stores nothing), then install.

The page and the API's ``/install`` and ``/install/plan`` call the same two actions
(``marketplace_site.actions.install``); this module only reads the form and renders.
"""

from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.views.decorators.http import require_http_methods

from depgraph.tree import lay_out
from marketplace_site.actions import Marketplace, create_marketplace
from marketplace_site.actions.install import InstallSource, install, plan_install, yanked_in
from marketplace_site.forms import InstallForm
from marketplace_site.types import (
    CircularDependencyError,
    DependencyNode,
    DuplicateVersion,
    InvalidManifest,
    MarketplaceError,
    PluginNotFound,
    ResolutionError,
)
from marketplace_site.views.errors import http_error
from marketplace_site.web.ratelimit import RateLimited, check_request, too_many_requests
from registry.names import HeldForReview


def _layout(marketplace: Marketplace, tree: DependencyNode) -> Any:
    provider = marketplace.provider()
    return lay_out(tree, is_published=lambda name: bool(provider.versions(name)))


def _source(form: InstallForm) -> InstallSource:
    if form.cleaned_data["source"] == "manifest":
        return InstallSource(manifest=form.manifest)
    return InstallSource(
        name=form.cleaned_data["name"].strip(),
        version=form.cleaned_data["version"].strip() or None,
    )


@require_http_methods(["GET", "POST"])
def install_page(request: HttpRequest) -> HttpResponse:
    initial = {k: request.GET[k] for k in ("name", "version") if k in request.GET}
    form = InstallForm(request.POST or None, initial=initial)
    context: dict[str, Any] = {"form": form}
    action = request.POST.get("action", "plan")
    if request.method == "POST" and action == "install" and not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if request.method == "POST":
        try:
            check_request(request, "install" if action == "install" else "plan")
        except RateLimited as error:
            return too_many_requests(request, error)
    if request.method != "POST" or not form.is_valid():
        return render(request, "install/install.html", context, status=400 if form.errors else 200)

    marketplace = create_marketplace()
    source = _source(form)
    try:
        if action == "install":
            result = install(
                marketplace,
                source,
                acting_user=request.user,
                context=form.cleaned_data["context"],
            )
            context.update(
                result=result,
                layout=_layout(marketplace, result.tree),
                yanked=yanked_in(marketplace, result),
            )
        else:
            plan = plan_install(marketplace, source, acting_user=request.user)
            context.update(plan=plan, layout=_layout(marketplace, plan.tree), yanked=plan.yanked)
    except PluginNotFound as error:
        field = "version" if error.version else "name"
        missing = (
            f"{error.name} has no version {error.version}."
            if error.version
            else f"No plugin named {error.name}."
        )
        form.add_error(field, missing)
    except InvalidManifest as error:
        for key, message in error.errors.items():
            form.add_error("manifest_text" if source.publishes else "name", f"{key}: {message}")
    except DuplicateVersion as error:
        form.add_error("manifest_text", error.message)
    except ResolutionError as error:
        context["rejection"] = error.explanation
    except CircularDependencyError as error:
        context["rejection"] = error.message
    except HeldForReview as error:  # the new name waits for a moderator: nothing to run yet
        context["rejection"] = error.message
    except MarketplaceError as error:
        raise http_error(error) from error
    status = 400 if form.errors else 422 if "rejection" in context else 200
    return render(request, "install/install.html", context, status=status)


urlpatterns: list[URLPattern] = [path("install/", install_page, name="install")]
