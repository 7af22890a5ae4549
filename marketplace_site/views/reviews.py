"""The review endpoints behind the plugin page's forms, and a user's public reviews.

Each endpoint validates input, calls one action or ``reviews.services`` function and
redirects back to the plugin page with a message; invalid input renders the plugin page
again with the errors (status 400), a permission problem is a 403, and nothing changes in
either case.
"""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.views.decorators.http import require_GET, require_POST

from marketplace_site import actions
from marketplace_site.actions import reviews as review_actions
from marketplace_site.sections.reviews import (
    ANCHOR,
    ReviewForms,
    has_reply,
    plugin_url,
    with_plugins,
)
from marketplace_site.types import MarketplaceError
from marketplace_site.views.errors import http_error
from marketplace_site.views.plugins import render_plugin_page
from marketplace_site.web.paging import page_of
from marketplace_site.web.placed_messages import at
from marketplace_site.web.ratelimit import rate_limited
from registry.models import Plugin
from reviews import selectors, services
from reviews.forms import FlagForm, ReplyForm, ReportForm, ReviewForm
from reviews.models import Review


def _plugin_or_404(marketplace: actions.Marketplace, name: str) -> Plugin:
    try:
        return review_actions.reviewable_plugin(marketplace, name)
    except MarketplaceError as error:
        raise http_error(error) from error


def _review_or_404(plugin: Plugin, review_id: int, user: Any) -> Review:
    review = (
        Review.objects.for_plugin(plugin.canonical_name)
        .select_related("user")
        .filter(pk=review_id)
        .first()
    )
    if review is None or not services.can_view_review(user, review):
        raise Http404("That review does not exist or has been removed.")
    return review


def _back(plugin: Plugin, review: Review | None = None) -> HttpResponse:
    """Back to the part of the plugin page the action was taken in: the review itself, or the
    reviews section. The message is placed there too (``_say``), so it is in view."""
    anchor = f"#review-{review.pk}" if review is not None else ANCHOR
    return redirect(plugin_url(plugin) + anchor)


def _say(request: HttpRequest, level: int, text: str, review: Review | None = None) -> None:
    """A message shown in the review it concerns, or at the top of the reviews section."""
    place = at("review", review.pk) if review is not None else at(ANCHOR.removeprefix("#"))
    messages.add_message(request, level, text, extra_tags=place)


def _rerender(
    request: HttpRequest, plugin: Plugin, message: str, forms: ReviewForms
) -> HttpResponse:
    """The plugin page again, with the invalid form and its errors (nothing was saved)."""
    messages.error(request, message)
    return render_plugin_page(request, plugin.display_name, review_forms=forms, status=400)


def _form_errors(form: Any) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


Endpoint = Callable[..., HttpResponse]


def _post_endpoint(view: Endpoint) -> Endpoint:
    return require_POST(login_required(view))


@_post_endpoint
@rate_limited("review")
def review_submit(request: HttpRequest, name: str) -> HttpResponse:
    marketplace = actions.create_marketplace()
    plugin = _plugin_or_404(marketplace, name)
    if not services.can_review(request.user, owner_id=plugin.owner_id):
        raise PermissionDenied(services.OwnPluginReview().message)
    versions = marketplace.registry.versions(plugin.canonical_name)
    form = ReviewForm(request.POST, versions=versions)
    if not form.is_valid():
        return _rerender(
            request,
            plugin,
            "Your review was not saved: " + _form_errors(form),
            ReviewForms(review=form),
        )
    try:
        _review, created = review_actions.review_submit(
            marketplace,
            plugin.canonical_name,
            acting_user=request.user,
            rating=form.cleaned_data["rating"],
            comment=form.cleaned_data["comment"],
            version=form.cleaned_data["version"],
        )
    except services.InvalidReview as error:
        form.add_service_error(error)
        return _rerender(
            request,
            plugin,
            "Your review was not saved: " + _form_errors(form),
            ReviewForms(review=form),
        )
    except MarketplaceError as error:
        raise http_error(error) from error
    if created:
        _say(
            request, messages.SUCCESS, f"Thank you! Your review of {plugin.display_name} is posted."
        )
    else:
        _say(request, messages.SUCCESS, f"Your review of {plugin.display_name} is updated.")
    return _back(plugin)


@_post_endpoint
def review_delete(request: HttpRequest, name: str, review_id: int) -> HttpResponse:
    plugin = _plugin_or_404(actions.create_marketplace(), name)
    review = _review_or_404(plugin, review_id, request.user)
    try:
        services.review_delete(review=review, acting_user=request.user)
    except services.NotAllowed as error:
        raise PermissionDenied(str(error)) from error
    _say(request, messages.SUCCESS, "The review is deleted.")
    return _back(plugin)


@_post_endpoint
@rate_limited("review")
def review_reply(request: HttpRequest, name: str, review_id: int) -> HttpResponse:
    plugin = _plugin_or_404(actions.create_marketplace(), name)
    review = _review_or_404(plugin, review_id, request.user)
    if not services.can_reply(request.user, review, owner_id=plugin.owner_id):
        raise PermissionDenied("Only the plugin's owner can reply to its reviews.")
    form = ReplyForm(request.POST, auto_id=f"id_review-{review.pk}-reply-%s")
    if not form.is_valid():
        return _rerender(
            request,
            plugin,
            "Your reply was not posted: " + _form_errors(form),
            ReviewForms(reply={review.pk: form}),
        )
    existed = has_reply(review)
    services.reply_save(
        review=review,
        acting_user=request.user,
        owner_id=plugin.owner_id,
        text=form.cleaned_data["text"],
    )
    _say(
        request,
        messages.SUCCESS,
        "Your reply is updated." if existed else "Your reply is posted.",
        review,
    )
    return _back(plugin, review)


@_post_endpoint
def review_helpful(request: HttpRequest, name: str, review_id: int) -> HttpResponse:
    marketplace = actions.create_marketplace()
    plugin = _plugin_or_404(marketplace, name)
    review = _review_or_404(plugin, review_id, request.user)
    try:
        review_actions.review_helpful(marketplace, name, review, acting_user=request.user)
    except services.NotAllowed as error:
        raise PermissionDenied(str(error)) from error
    except services.AlreadyVoted as error:
        _say(request, messages.INFO, str(error), review)
    except MarketplaceError as error:
        raise http_error(error) from error
    else:
        _say(request, messages.SUCCESS, "Thanks, you marked the review as helpful.", review)
    return _back(plugin, review)


@_post_endpoint
@rate_limited("report")
def review_report(request: HttpRequest, name: str, review_id: int) -> HttpResponse:
    plugin = _plugin_or_404(actions.create_marketplace(), name)
    review = _review_or_404(plugin, review_id, request.user)
    if not services.can_report(request.user, review):
        raise PermissionDenied("You cannot report your own review.")
    form = ReportForm(request.POST, auto_id=f"id_review-{review.pk}-report-%s")
    if not form.is_valid():
        return _rerender(
            request,
            plugin,
            "Your report was not sent: " + _form_errors(form),
            ReviewForms(report={review.pk: form}),
        )
    try:
        services.report_create(
            review=review,
            reporter=request.user,
            reason=form.cleaned_data["reason"],
            text=form.cleaned_data["text"],
        )
    except services.AlreadyReported as error:
        _say(request, messages.ERROR, str(error), review)
        return _back(plugin, review)
    _say(request, messages.SUCCESS, "Thank you; a moderator will look at your report.", review)
    return _back(plugin, review)


def _moderate(request: HttpRequest, name: str, review_id: int, *, hide: bool) -> HttpResponse:
    plugin = _plugin_or_404(actions.create_marketplace(), name)
    if not services.can_moderate(request.user):
        raise PermissionDenied("Only moderators can hide or restore reviews.")
    review = _review_or_404(plugin, review_id, request.user)
    if not hide:
        services.review_unflag(review=review, acting_user=request.user)
        _say(request, messages.SUCCESS, "The review is visible again.", review)
        return _back(plugin, review)
    form = FlagForm(request.POST)
    if not form.is_valid():
        _say(request, messages.ERROR, "The review was not hidden: " + _form_errors(form), review)
        return _back(plugin, review)
    services.review_flag(
        review=review, acting_user=request.user, reason=form.cleaned_data["reason"]
    )
    # A hidden review leaves the public list: the message goes to the section's top.
    _say(request, messages.SUCCESS, "The review is hidden from the public.")
    return _back(plugin)


@_post_endpoint
def review_flag(request: HttpRequest, name: str, review_id: int) -> HttpResponse:
    return _moderate(request, name, review_id, hide=True)


@_post_endpoint
def review_unflag(request: HttpRequest, name: str, review_id: int) -> HttpResponse:
    return _moderate(request, name, review_id, hide=False)


@require_GET
def user_reviews(request: HttpRequest, username: str) -> HttpResponse:
    """A user's public reviews (hidden ones are left out, even for their author)."""
    user_model = get_user_model()
    owner = user_model._default_manager.filter(**{user_model.USERNAME_FIELD: username}).first()
    if owner is None:
        raise Http404(f"There is no user named {username!r}.")
    reviews = selectors.user_reviews(user=owner)
    page = page_of(reviews, request.GET.get("page"), per_page=20)
    with_plugins(list(page.object_list), actions.create_marketplace())
    return render(
        request,
        "reviews/review_user_list.html",
        {"reviewer": owner, "page": page, "is_self": owner.pk == request.user.pk},
    )


urlpatterns: list[URLPattern] = [
    path("plugins/<str:name>/reviews/", review_submit, name="review_submit"),
    path("plugins/<str:name>/reviews/<int:review_id>/delete/", review_delete, name="review_delete"),
    path("plugins/<str:name>/reviews/<int:review_id>/reply/", review_reply, name="review_reply"),
    path(
        "plugins/<str:name>/reviews/<int:review_id>/helpful/",
        review_helpful,
        name="review_helpful",
    ),
    path("plugins/<str:name>/reviews/<int:review_id>/report/", review_report, name="review_report"),
    path("plugins/<str:name>/reviews/<int:review_id>/flag/", review_flag, name="review_flag"),
    path("plugins/<str:name>/reviews/<int:review_id>/unflag/", review_unflag, name="review_unflag"),
    path("users/<str:username>/reviews/", user_reviews, name="user_reviews"),
]
