"""Pages that combine capabilities: the plugin page, publishing and removing versions."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from marketplace_site.marketplace import create_marketplace
from marketplace_site.pages import sections
from marketplace_site.pages.lookup import plugin_and_version
from marketplace_site.types import DuplicateVersion, InvalidManifest
from marketplace_site.web.page_cache import cached_for_visitors
from marketplace_site.web.ratelimit import rate_limited
from registry.forms import ManifestForm
from registry.services import NotPluginOwner, RegistryService, can_publish, can_remove_version
from sandbox import selectors as sandbox_selectors

BROWSE_SORTS = {"name": "Name", "updated": "Last updated", "installs": "Installs"}
BROWSE_PAGE_SIZE = 20


def browse(request: HttpRequest) -> HttpResponse:
    """Every plugin, paged, by name, by last update, or by installs (runs recorded)."""
    sort = request.GET.get("sort", "name")
    if sort not in BROWSE_SORTS:
        sort = "name"
    registry = RegistryService()
    plugins: Any = registry.browse(sort=sort)
    if sort == "installs":
        # Runs live in the sandbox app: order the names there, then fetch one page here.
        counts = dict(sandbox_selectors.most_run())
        names = list(registry.browse(sort="name").values_list("canonical_name", flat=True))
        names.sort(key=lambda name: -counts.get(name, 0))  # stable: ties stay by name
        page = Paginator(names, BROWSE_PAGE_SIZE).get_page(request.GET.get("page"))
        by_name = registry.browse().in_bulk(list(page.object_list), field_name="canonical_name")
        page.object_list = [by_name[name] for name in page.object_list if name in by_name]
        for plugin in page.object_list:
            plugin.run_count = counts.get(plugin.canonical_name, 0)
    else:
        page = Paginator(plugins, BROWSE_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "sort": sort, "sorts": BROWSE_SORTS}
    return render(request, "registry/plugin_list.html", context)


@cached_for_visitors
def plugin_detail(request: HttpRequest, name: str) -> HttpResponse:
    marketplace = create_marketplace()
    plugin, selected = plugin_and_version(marketplace, request, name)
    context = {
        "plugin": plugin,
        "selected": selected,
        "versions": marketplace.registry.version_rows(name),
        "can_remove": can_remove_version(request.user, plugin),
        "api_install_url": request.build_absolute_uri(reverse("api:install_run")),
    }
    for section in sections.PLUGIN_PAGE_SECTIONS:
        context.update(section(request, marketplace, plugin, selected))
    return render(request, "registry/plugin_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
@rate_limited("publish")
def publish(request: HttpRequest) -> HttpResponse:
    form = ManifestForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid() and form.manifest is not None:
        manifest = form.manifest
        if not can_publish(request.user, manifest.name):
            raise PermissionDenied(NotPluginOwner(manifest.name).message)
        try:
            create_marketplace().publish(manifest, owner=request.user)
        except NotPluginOwner as error:
            raise PermissionDenied(error.message) from error
        except DuplicateVersion as error:
            form.add_manifest_error("version", error.message, error.code)
        except InvalidManifest as error:
            for key, message in error.errors.items():
                form.add_manifest_error(key, message, f"invalid_{key}")
        else:
            messages.success(request, f"Published {manifest.name} {manifest.version}.")
            return redirect("plugin_detail", name=manifest.name)
    return render(
        request, "registry/plugin_publish.html", {"form": form}, status=400 if form.errors else 200
    )


@login_required
@require_http_methods(["GET", "POST"])
def remove_version(request: HttpRequest, name: str, version: str) -> HttpResponse:
    marketplace = create_marketplace()
    row = marketplace.registry.get_version_row(name, version)
    if row is None:
        raise Http404(f"{name} has no version {version}.")
    if not can_remove_version(request.user, row.plugin):
        raise PermissionDenied("Only the plugin's owner can remove its versions.")
    if request.method == "POST":
        marketplace.remove_version(name, version)
        messages.success(request, f"Removed {row.name} {row.version}.")
        if marketplace.registry.get_plugin(name) is None:
            return redirect("home")
        return redirect("plugin_detail", name=row.plugin.display_name)
    context = {"row": row}
    for section in sections.REMOVE_PAGE_SECTIONS:
        context.update(section(request, marketplace, row))
    return render(request, "registry/pluginversion_confirm_delete.html", context)
