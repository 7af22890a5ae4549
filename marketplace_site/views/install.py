"""The install page: plan first (a dry run that stores nothing), then install."""

from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from depgraph.tree import lay_out
from marketplace_site.forms import InstallForm
from marketplace_site.marketplace import Marketplace, create_marketplace
from marketplace_site.types import (
    CircularDependencyError,
    DependencyNode,
    DuplicateVersion,
    InstallResult,
    InvalidManifest,
    PluginManifest,
    ResolutionError,
)
from marketplace_site.web.ratelimit import RateLimited, check_request, too_many_requests
from registry.services import NotPluginOwner, can_publish


def _layout(marketplace: Marketplace, tree: DependencyNode | None) -> Any:
    if tree is None:
        return None
    provider = marketplace.provider()
    return lay_out(tree, is_published=lambda name: bool(provider.versions(name)))


def _chosen_manifest(form: InstallForm, marketplace: Marketplace) -> PluginManifest | None:
    if form.cleaned_data["source"] == "manifest":
        return form.manifest
    name = form.cleaned_data["name"].strip()
    version = form.cleaned_data["version"].strip() or None
    manifest = marketplace.registry.get(name, version)
    if manifest is None:
        missing = f"{name} has no version {version}." if version else f"No plugin named {name}."
        form.add_error("version" if version else "name", missing)
    return manifest


@require_http_methods(["GET", "POST"])
def install(request: HttpRequest) -> HttpResponse:
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
    manifest = _chosen_manifest(form, marketplace)
    if manifest is None:
        return render(request, "install/install.html", context, status=400)
    is_new = form.cleaned_data["source"] == "manifest"
    if is_new and not can_publish(request.user, manifest.name) and action == "install":
        raise PermissionDenied(NotPluginOwner(manifest.name).message)
    try:
        if action == "install":
            context["result"] = _install(request, marketplace, form, manifest, is_new=is_new)
            context["layout"] = _layout(marketplace, context["result"].tree)
        else:
            plan = marketplace.plan(manifest)
            context.update(plan=plan, layout=_layout(marketplace, plan.tree), is_new=is_new)
    except InvalidManifest as error:
        for key, message in error.errors.items():
            form.add_error("manifest_text" if is_new else "name", f"{key}: {message}")
    except DuplicateVersion as error:
        form.add_error("manifest_text", error.message)
    except NotPluginOwner as error:
        raise PermissionDenied(error.message) from error
    except ResolutionError as error:
        context["rejection"] = error.explanation
    except CircularDependencyError as error:
        context["rejection"] = "Circular dependency: " + " -> ".join(error.cycle)
    status = 400 if form.errors else 422 if "rejection" in context else 200
    return render(request, "install/install.html", context, status=status)


def _install(
    request: HttpRequest,
    marketplace: Marketplace,
    form: InstallForm,
    manifest: PluginManifest,
    *,
    is_new: bool,
) -> InstallResult:
    run_context = form.cleaned_data["context"]
    if is_new:
        return marketplace.install_plugin(manifest, owner=request.user, context=run_context)
    return marketplace.install_published(
        manifest.name, manifest.version, user=request.user, context=run_context
    )
