"""The "My plugins" pages: installations pinned by a lock, their runs, Outdated, Upgrade
(the version changes shown before they are applied) and Uninstall.

Every page calls an action of ``marketplace_site.actions.installations`` (the API calls the
same ones); another user's installation is a 404, as an unknown one.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.views.decorators.http import require_http_methods, require_POST

from marketplace_site.actions import create_marketplace
from marketplace_site.actions import installations as actions
from marketplace_site.forms import TryPluginForm
from marketplace_site.types import (
    CircularDependencyError,
    LockMismatch,
    MarketplaceError,
    ResolutionError,
    SandboxUnavailable,
)
from marketplace_site.views.errors import http_error
from marketplace_site.web.ratelimit import RateLimited, check_request
from sandbox.results import output_json


@login_required
def installation_list(request: HttpRequest) -> HttpResponse:
    """My plugins: every installation with its lock."""
    market = create_marketplace()
    rows = actions.installations(market, request.user)
    context = {
        "installations": rows,
        "runs": actions.runs_of_installations(request.user),
    }
    return render(request, "installations/installation_list.html", context)


@login_required
@require_POST
def installation_create(request: HttpRequest) -> HttpResponse:
    """Install the published plugin named in the form (its version, or its latest)."""
    name = request.POST.get("name", "").strip()
    version = request.POST.get("version", "").strip() or None
    market = create_marketplace()
    try:
        installation = market.install(name, version, user=request.user)
    except (ResolutionError, CircularDependencyError) as error:
        why = error.explanation if isinstance(error, ResolutionError) else error.message
        messages.error(request, f"{name} cannot be installed: {why}")
        return redirect("installation_list")
    except MarketplaceError as error:
        raise http_error(error) from error
    messages.success(request, f"Installed {installation.plugin_name} {installation.version}.")
    pinned = {installation.plugin_name: installation.version, **installation.lock}
    for choice in market.yanked_choices(pinned):  # PEP 592: chosen only because pinned
        why = f": {choice.reason}" if choice.reason else "."
        messages.warning(request, f"{choice.name} {choice.version} is yanked by its owner{why}")
    return redirect("installation_detail", installation.id)


@login_required
@require_http_methods(["GET", "POST"])
def installation_detail(request: HttpRequest, installation_id: int) -> HttpResponse:
    """One installation: its lock, Outdated, and Run with a JSON context.

    Runs count against the user's "run" rate limit (the API's too); past it the page
    answers 429 with the pasted context kept and says when to try again.
    """
    market = create_marketplace()
    try:
        row = actions.owned(installation_id, request.user)
    except MarketplaceError as error:
        raise http_error(error) from error
    form = TryPluginForm(request.POST or None)
    result = None
    status = 200
    retry_after: int | None = None
    if request.method == "POST":
        if not form.is_valid():
            status = 400
        else:
            try:
                # Only a valid request counts against the quota, as for "Try it".
                check_request(request, "run")
                result = market.run_installed(
                    installation_id, form.cleaned_data["context"], user=request.user
                )
            except RateLimited as error:
                form.add_error(None, ValidationError(error.message, code=error.code))
                status, retry_after = 429, error.retry_after
            except LockMismatch as error:
                form.add_error(None, ValidationError(error.message, code=error.code))
                status = 409
            except SandboxUnavailable as error:
                form.add_error(None, ValidationError(error.message, code=error.code))
                status = error.http_status
            row.refresh_from_db()
    context: dict[str, Any] = {
        "installation": actions.to_value(row),
        "row": row,
        "pins": actions.outdated(market, installation_id, user=request.user),
        "form": form,
        "result": result,
        "result_output_json": output_json(result.output, indent=2) if result is not None else "",
    }
    response = render(request, "installations/installation_detail.html", context, status=status)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


@login_required
@require_http_methods(["GET", "POST"])
def installation_upgrade(request: HttpRequest, installation_id: int) -> HttpResponse:
    """The version changes an upgrade would make; a POST applies them."""
    market = create_marketplace()
    try:
        plan = actions.plan_upgrade(market, installation_id, user=request.user)
        if request.method == "POST" and plan.error is None and plan.changes:
            market.upgrade(installation_id, user=request.user)
            messages.success(request, f"Upgraded {plan.installation.plugin_name}.")
            return redirect("installation_detail", installation_id)
    except MarketplaceError as error:
        raise http_error(error) from error
    return render(request, "installations/installation_upgrade.html", {"plan": plan})


@login_required
@require_http_methods(["GET", "POST"])
def installation_uninstall(request: HttpRequest, installation_id: int) -> HttpResponse:
    """Confirm, then remove the installation and its lock."""
    market = create_marketplace()
    try:
        row = actions.owned(installation_id, request.user)
        if request.method == "POST":
            market.uninstall(installation_id, user=request.user)
            messages.success(request, f"Uninstalled {row.plugin_name}.")
            return redirect("installation_list")
    except MarketplaceError as error:
        raise http_error(error) from error
    context = {"installation": actions.to_value(row)}
    return render(request, "installations/installation_uninstall.html", context)


urlpatterns: list[URLPattern] = [
    path("installations/", installation_list, name="installation_list"),
    path("installations/new/", installation_create, name="installation_create"),
    path("installations/<int:installation_id>/", installation_detail, name="installation_detail"),
    path(
        "installations/<int:installation_id>/upgrade/",
        installation_upgrade,
        name="installation_upgrade",
    ),
    path(
        "installations/<int:installation_id>/uninstall/",
        installation_uninstall,
        name="installation_uninstall",
    ),
]
