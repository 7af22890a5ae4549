"""The plugin pages: browse, a plugin's page, publishing, yanking and removing a version."""

import hashlib
from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import URLPattern, path, reverse
from django.utils.functional import SimpleLazyObject
from django.utils.html import conditional_escape
from django.views.decorators.http import require_http_methods, require_POST

from marketplace_site import sections
from marketplace_site.actions import create_marketplace
from marketplace_site.actions import plugins as plugin_actions
from marketplace_site.forms import ManifestForm, YankForm, manifest_error_code
from marketplace_site.sections.reviews import NO_FORMS, ReviewForms
from marketplace_site.types import DuplicateVersion, InvalidManifest, MarketplaceError
from marketplace_site.views.errors import http_error
from marketplace_site.views.lookup import plugin_and_version
from marketplace_site.web import page_cache, skeleton
from marketplace_site.web.cards import cards
from marketplace_site.web.page_cache import cached_for_visitors
from marketplace_site.web.paging import page_of
from marketplace_site.web.placed_messages import at
from marketplace_site.web.ratelimit import (
    RateLimited,
    check_publish_limit,
    record_publish,
)
from registry.models import Plugin, PluginVersion
from registry.names import HeldForReview
from registry.services import NotPluginOwner, RegistryService, can_remove_version, can_yank

BROWSE_SORTS = {"name": "Name", "updated": "Last updated", "installs": "Installs"}
BROWSE_PAGE_SIZE = 20


def browse(request: HttpRequest) -> HttpResponse:
    """Every plugin, paged, by name, by last update, or by installs (installations held).

    The count changes only with a publish or a removal, which bump the content generation,
    so it is kept per generation; the page's ids come from the order's index, walked from
    the nearer end (registry/browse.py), and its cards are written in Python
    (marketplace_site/web/cards.py), the card template's markup at a fraction of the cost."""
    sort = request.GET.get("sort", "name")
    if sort not in BROWSE_SORTS:
        sort = "name"
    registry = RegistryService()
    key = f"browse-count:{page_cache.generation()}"
    total = caches["fragments"].get(key)
    if total is None:
        total = registry.browse_count()
        caches["fragments"].set(key, total, settings.PAGE_CACHE_SECONDS)
    # Paging a range costs nothing; the page's plugins are read for its slice alone.
    page = page_of(range(total), request.GET.get("page"), per_page=BROWSE_PAGE_SIZE)
    start = (page.number - 1) * BROWSE_PAGE_SIZE
    plugins = registry.browse_page(sort=sort, offset=start, limit=BROWSE_PAGE_SIZE, total=total)
    context = {"page": page, "cards": cards(plugins), "sort": sort, "sorts": BROWSE_SORTS}
    return render(request, "registry/plugin_list.html", context)


def render_plugin_page(
    request: HttpRequest,
    name: str,
    *,
    review_forms: ReviewForms = NO_FORMS,
    yank_form: tuple[str, YankForm] | None = None,
    status: int = 200,
    plugin: Plugin | None = None,
) -> HttpResponse:
    """A plugin's page; a review or yank endpoint passes the form it sends back with its
    errors (a yank form with the version it is for); ``plugin`` is the plugin's row when the
    caller has read it already.

    The parts every viewer sees alike (the dependency tree, the versions, the source) are
    rendered once per content generation and kept in the "fragments" cache; only the parts
    that depend on the viewer (reviews and their forms, the install form) are built for
    each request, and the costly sections only when a fragment is missing. A GET with no
    form sent back, no message to show and no owner's controls is filled into the page's
    skeleton (marketplace_site/web/skeleton.py), kept per viewer kind.
    """
    marketplace = create_marketplace()
    if plugin is None:
        plugin = plugin_row(request, RegistryService(), name)
    plugin, selected = plugin_and_version(marketplace, request, name, plugin=plugin)
    parts = sections.plugin_page(request, marketplace, plugin, selected, review_forms=review_forms)
    key = fragment_key(request, plugin, selected)
    seconds = settings.PAGE_CACHE_SECONDS
    installable = caches["fragments"].get(f"installable:{key}")
    if installable is None:
        installable = bool(parts["depgraph"]["installable"])
        caches["fragments"].set(f"installable:{key}", installable, seconds)
    base: dict[str, Any] = {"plugin": plugin, "selected": selected}
    reviews_html = reviews_fragment(request, key, parts.pop("reviews"), base, review_forms)
    counts_html = render_to_string("includes/_plugin_counts.html", {"plugin": plugin})
    can_yank_here = can_yank(request.user, plugin)
    context: dict[str, Any] = {
        **base,
        "reviews_html": reviews_html,
        "counts_html": counts_html,
        "versions": SimpleLazyObject(lambda: marketplace.registry.version_rows(name)),
        "can_remove": can_remove_version(request.user, plugin),
        "can_yank": can_yank_here,
        "yank_form_version": yank_form[0] if yank_form else None,
        "yank_form": yank_form[1] if yank_form else SimpleLazyObject(YankForm),
        "api_install_url": SimpleLazyObject(
            lambda: request.build_absolute_uri(reverse("api:install_run"))
        ),
        "dependency_warnings": SimpleLazyObject(
            lambda: plugin_actions.dependency_warnings(marketplace, selected.to_manifest())
        ),
        "installable": installable,
        "fragment_key": key,
        "fragment_seconds": seconds,
        **parts,
    }
    template = "registry/plugin_detail.html"
    shared = (
        seconds > 0
        and request.method == "GET"
        and review_forms is NO_FORMS
        and yank_form is None
        and not can_yank_here
        and len(messages.get_messages(request)) == 0
    )
    if not shared:
        return render(request, template, context, status=status)
    user = request.user
    # Everything the page shows that is not in a hole or in the fragments' key (which also
    # decides ``installable``).
    viewer = (user.is_authenticated, user.is_staff, context["can_remove"])
    skeleton_key = (
        "skeleton:"
        + hashlib.sha256(f"{key}|{request.build_absolute_uri()}|{viewer}".encode()).hexdigest()
    )
    page: str | None = caches["fragments"].get(skeleton_key)
    if page is None:
        holes = {
            "reviews_html": skeleton.hole("reviews"),
            "counts_html": skeleton.hole("counts"),
            "csrf_token": skeleton.hole("csrf"),
            "user": skeleton.Viewer(is_staff=user.is_staff, is_authenticated=user.is_authenticated),
        }
        page = render_to_string(template, {**context, **holes}, request=request)
        caches["fragments"].set(skeleton_key, page, seconds)
    values = {
        "reviews": reviews_html,
        "counts": counts_html,
        "username": conditional_escape(user.get_username()),
    }
    # Only a page with a form asks for a CSRF token: asking sets the CSRF cookie, and a
    # visitor's response that sets a cookie is not kept in the visitor page cache.
    if skeleton.hole("csrf") in page:
        values["csrf"] = get_token(request)
    filled = skeleton.fill(page, values)
    return HttpResponse(filled, status=status)


def reviews_fragment(
    request: HttpRequest,
    key: str,
    build: Callable[[], dict[str, Any]],
    base: dict[str, Any],
    review_forms: ReviewForms,
) -> str:
    """The reviews part, rendered: it differs by viewer (their own review, votes, reports,
    moderation, and CSRF tokens of their CSRF secret), so a viewer's copy is kept under
    their user id and CSRF secret, for a GET without forms sent back."""
    secret = request.META.get("CSRF_COOKIE", "")
    # A one-off message may be shown inside the part (placed_messages): a copy holding one
    # must not be kept, nor a kept copy shown in its place.
    pending = len(messages.get_messages(request)) > 0
    keep = request.method == "GET" and review_forms is NO_FORMS and bool(secret) and not pending
    user = request.user.pk if request.user.is_authenticated else 0
    digest = hashlib.sha256(f"{secret}|{request.GET.urlencode()}".encode()).hexdigest()[:32]
    cache_key = f"reviews:{key}:{user}:{digest}"
    html: str | None = caches["fragments"].get(cache_key) if keep else None
    if html is None:
        html = render_to_string(
            "includes/_plugin_reviews.html", {**base, **build()}, request=request
        )
        if keep:
            caches["fragments"].set(cache_key, html, settings.PAGE_CACHE_SECONDS)
    return html


def plugin_row(request: HttpRequest, registry: RegistryService, name: str) -> Plugin | None:
    """The published plugin ``name`` for its page: its row is read on every request (the
    install and run counts change without a content generation bump), its latest version is
    kept per content generation, which every change to a version bumps (a publish, a yank, a
    removal), in the "fragments" cache. One single-table query instead of a join that
    built two models of 40 columns on every view."""
    plugin = registry.get_plugin_row(name)
    if plugin is None or plugin.latest_id is None:
        return plugin
    key = f"latest:{page_cache.request_generation(request)}:{plugin.latest_id}"
    latest = caches["fragments"].get(key)
    if latest is None:
        latest = registry.version_by_id(plugin.latest_id)
        caches["fragments"].set(key, latest, settings.PAGE_CACHE_SECONDS)
    plugin.latest = latest
    return plugin


def fragment_key(request: HttpRequest, plugin: Plugin, selected: PluginVersion) -> str:
    """What a plugin page's shared fragments are keyed by: the content generation (bumped by
    every publish, removal and review change), the plugin and its last update, the version."""
    generation = page_cache.request_generation(request)
    return f"{generation}:{plugin.pk}:{plugin.updated_at.timestamp()}:{selected.pk}"


@cached_for_visitors
def plugin_detail(request: HttpRequest, name: str) -> HttpResponse:
    # A published plugin (nearly every request) costs one query; the reserved names are
    # looked for only when it is missing.
    registry = RegistryService()
    plugin = plugin_row(request, registry, name)
    if plugin is None:
        reserved = registry.get_reserved(name)
        if reserved is not None:
            # 410 Gone: it was here; the name stays its owner's (CONTRACTS.md remove_version).
            return render(request, "registry/plugin_removed.html", {"plugin": reserved}, status=410)
    elif name != plugin.display_name:
        # One address per plugin, as PyPI's project pages: another spelling of its name
        # (case, "-", "_", ".") answers 301 with the address of the name as published.
        address = reverse("plugin_detail", args=[plugin.display_name])
        query = request.META.get("QUERY_STRING", "")
        return redirect(f"{address}?{query}" if query else address, permanent=True)
    return render_plugin_page(request, name, plugin=plugin)


def _render_publish(
    request: HttpRequest, form: ManifestForm, *, status: int, **context: Any
) -> HttpResponse:
    return render(request, "registry/plugin_publish.html", {"form": form, **context}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def publish(request: HttpRequest) -> HttpResponse:
    """The publish form: every problem at once next to the manifest, a look-alike name or
    another account's name refused there too, a name held for review said so (202), and the
    rate limit (which counts stored publishes only) shown on the form, the text kept (429)."""
    form = ManifestForm(request.POST or None, request.FILES or None)
    if request.method != "POST":
        return _render_publish(request, form, status=200)
    valid = form.is_valid()
    try:
        check_publish_limit(request)
    except RateLimited as error:
        # The form again, the pasted manifest kept, rather than a page with no way on.
        response = _render_publish(request, form, status=error.http_status, limited=error)
        response["Retry-After"] = str(error.retry_after)
        return response
    marketplace = create_marketplace()
    if not valid or form.manifest is None:
        if isinstance(form.manifest_data, Mapping) and "name" not in form.manifest_errors:
            name = form.manifest_data.get("name")
            for key, message in plugin_actions.name_errors(name, request.user).items():
                form.add_manifest_error(key, message, "name_too_similar")
        return _render_publish(request, form, status=400)
    manifest = form.manifest
    status = 400
    try:
        plugin_actions.publish(marketplace, manifest, acting_user=request.user)
    except HeldForReview as held:
        record_publish(request)
        return _render_publish(request, ManifestForm(), status=202, held=held)
    except NotPluginOwner as error:
        form.add_manifest_error("name", error.message, error.code)
        status = error.http_status
    except DuplicateVersion as error:
        form.add_manifest_error("version", error.message, error.code)
    except InvalidManifest as error:
        for key, message in error.errors.items():
            form.add_manifest_error(key, message, manifest_error_code(key, message))
    except MarketplaceError as error:
        raise http_error(error) from error
    else:
        record_publish(request)
        messages.success(request, f"Published {manifest.name} {manifest.version}.")
        for message in plugin_actions.dependency_warnings(marketplace, manifest).values():
            messages.warning(request, message)
        return redirect("plugin_detail", name=manifest.name)
    return _render_publish(request, form, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def remove_version(request: HttpRequest, name: str, version: str) -> HttpResponse:
    marketplace = create_marketplace()
    try:
        if request.method == "POST":
            row = plugin_actions.remove_version(
                marketplace, name, version, acting_user=request.user
            )
        else:
            row = plugin_actions.removable_version(
                marketplace, name, version, acting_user=request.user
            )
    except MarketplaceError as error:
        raise http_error(error) from error
    if request.method == "POST":
        messages.success(request, f"Removed {row.name} {row.version}.")
        if marketplace.registry.get_plugin(name) is None:
            return redirect("home")
        return redirect("plugin_detail", name=row.plugin.display_name)
    context = {"row": row, **sections.remove_page(request, marketplace, row)}
    return render(request, "registry/pluginversion_confirm_delete.html", context)


@login_required
@require_POST
def yank_version(request: HttpRequest, name: str, version: str) -> HttpResponse:
    """Yank a version (its owner only), with the reason from the form."""
    form = YankForm(request.POST)
    if not form.is_valid():
        return render_plugin_page(request, name, yank_form=(version, form), status=400)
    try:
        row = plugin_actions.yank(
            create_marketplace(),
            name,
            version,
            reason=form.cleaned_data["reason"],
            acting_user=request.user,
        )
    except MarketplaceError as error:
        raise http_error(error) from error
    messages.success(
        request,
        f"Yanked {row.name} {row.version}: nothing installs it now unless pinned exactly.",
        extra_tags=at("versions"),
    )
    return redirect(f"{reverse('plugin_detail', args=[row.plugin.display_name])}#versions")


@login_required
@require_POST
def unyank_version(request: HttpRequest, name: str, version: str) -> HttpResponse:
    """Undo a yank (its owner only)."""
    try:
        row = plugin_actions.unyank(create_marketplace(), name, version, acting_user=request.user)
    except MarketplaceError as error:
        raise http_error(error) from error
    messages.success(
        request, f"{row.name} {row.version} is no longer yanked.", extra_tags=at("versions")
    )
    return redirect(f"{reverse('plugin_detail', args=[row.plugin.display_name])}#versions")


urlpatterns: list[URLPattern] = [
    path("plugins/", browse, name="browse"),
    path("plugins/<str:name>/", plugin_detail, name="plugin_detail"),
    path("publish/", publish, name="publish"),
    path(
        "plugins/<str:name>/versions/<str:version>/remove/", remove_version, name="remove_version"
    ),
    path("plugins/<str:name>/versions/<str:version>/yank/", yank_version, name="yank_version"),
    path(
        "plugins/<str:name>/versions/<str:version>/unyank/", unyank_version, name="unyank_version"
    ),
]
