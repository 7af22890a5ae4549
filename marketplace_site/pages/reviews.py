"""Review pages, composed here because they need the registry (plugins and their owners).

``plugin_section`` and ``account_section`` give the context of
``templates/includes/_plugin_reviews.html`` and ``_account_reviews.html``; the views below
are the POST endpoints behind the forms there, and a public page of a user's reviews.
Each endpoint validates input, calls one ``reviews.services`` function and redirects back to
the plugin page with a message; invalid input re-renders the plugin page with the errors
(status 400), a permission problem is a 403 and nothing changes in either case.
"""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_GET, require_POST

from marketplace_site.web.ratelimit import rate_limited
from reviews import selectors, services
from reviews.forms import FlagForm, ReplyForm, ReportForm, ReviewForm
from reviews.models import Review

if TYPE_CHECKING:
    from marketplace_site.marketplace import Marketplace
    from registry.models import Plugin, PluginVersion

BOUND_FORMS_ATTR = "_reviews_bound_forms"
ANCHOR = "#reviews"


def _create_marketplace() -> "Marketplace":
    from marketplace_site.marketplace import create_marketplace

    return create_marketplace()


def _plugin_url(plugin: "Plugin", **query: str) -> str:
    url = reverse("plugin_detail", args=[plugin.display_name])
    if query:
        url += "?" + urlencode(query)
    return url


def _bound(request: HttpRequest) -> dict[str, Any]:
    bound: dict[str, Any] = getattr(request, BOUND_FORMS_ATTR, {})
    return bound


# --------------------------------------------------------------------------- sections


def plugin_section(
    request: HttpRequest, marketplace: "Marketplace", plugin: "Plugin", selected: "PluginVersion"
) -> dict[str, Any]:
    """The reviews part of the plugin page."""
    user = request.user
    name = plugin.canonical_name
    bound = _bound(request)
    sort = request.GET.get("reviews", "newest")
    if sort not in selectors.REVIEW_SORTS:
        sort = "newest"
    page = selectors.reviews_page(
        plugin_name=name, sort=sort, page=request.GET.get("rpage", 1), viewer=user
    )
    is_owner = bool(user.is_authenticated and plugin.owner_id == user.pk)
    moderator = services.can_moderate(user)
    mine = selectors.user_review(plugin_name=name, user=user)

    listed: list[Any] = list(page)  # the page's own objects, annotated for the template
    for review in listed:
        review.is_mine = bool(user.is_authenticated and review.user_id == user.pk)
        review.voted = bool(getattr(review, "viewer_votes", []))
        review.reported = bool(getattr(review, "viewer_reports", []))
        review.can_vote = services.can_vote_helpful(user, review) and not review.voted
        review.can_report = services.can_report(user, review) and not review.reported
        review.can_reply = services.can_reply(user, review, owner_id=plugin.owner_id)
        review.can_delete = services.can_delete_review(user, review)
        review.can_flag = moderator
        prefix = f"review-{review.pk}"
        report_form = bound.get("report", {}).get(review.pk)
        review.report_form = report_form or ReportForm(auto_id=f"id_{prefix}-report-%s")
        review.report_open = report_form is not None
        if review.can_reply:
            reply_form = bound.get("reply", {}).get(review.pk)
            initial = {"text": review.reply.text} if _has_reply(review) else None
            review.reply_form = reply_form or ReplyForm(
                initial=initial, auto_id=f"id_{prefix}-reply-%s"
            )
            review.reply_open = reply_form is not None
        if moderator:
            review.flag_form = FlagForm(auto_id=f"id_{prefix}-flag-%s")

    review_form = None
    blocked = ""
    if not user.is_authenticated:
        blocked = "anonymous"
    elif is_owner:
        blocked = "owner"
    else:
        versions = marketplace.registry.versions(name)
        review_form = bound.get("review") or ReviewForm(
            versions=versions,
            initial=(
                {"rating": str(mine.rating), "comment": mine.comment, "version": mine.version}
                if mine is not None
                else {"version": selected.version}
            ),
        )

    keep = {"version": request.GET["version"]} if request.GET.get("version") else {}
    sort_links = [
        {
            "key": key,
            "label": label,
            "url": _plugin_url(plugin, **keep, reviews=key) + ANCHOR,
            "active": key == sort,
        }
        for key, label in selectors.REVIEW_SORTS.items()
    ]
    paging = {**keep, "reviews": sort} if sort != "newest" else keep
    return {
        "review_summary": selectors.rating_summary(plugin_name=name),
        "review_page": page,
        "review_sort": sort,
        "review_sort_links": sort_links,
        "review_prev_url": (
            _plugin_url(plugin, **paging, rpage=str(page.previous_page_number())) + ANCHOR
            if page.has_previous()
            else ""
        ),
        "review_next_url": (
            _plugin_url(plugin, **paging, rpage=str(page.next_page_number())) + ANCHOR
            if page.has_next()
            else ""
        ),
        "my_review": mine,
        "review_form": review_form,
        "review_blocked": blocked,
        "review_is_owner": is_owner,
        "review_can_moderate": moderator,
        "review_login_url": reverse("login") + "?next=" + _plugin_url(plugin),
    }


def _has_reply(review: Review) -> bool:
    try:
        return review.reply is not None
    except Review.reply.RelatedObjectDoesNotExist:
        return False


def _with_plugins(reviews: list[Any], marketplace: "Marketplace") -> list[Any]:
    plugins = marketplace.registry.names([r.plugin_name for r in reviews])
    for review in reviews:
        plugin = plugins.get(review.plugin_name)
        review.plugin_display_name = plugin.display_name if plugin else review.plugin_name
        review.plugin_exists = plugin is not None
        review.has_reply = _has_reply(review)
    return reviews


def account_section(request: HttpRequest) -> dict[str, Any]:
    """The signed-in user's reviews, hidden ones with the reason, and owners' replies."""
    if not request.user.is_authenticated:
        return {"account_reviews": []}
    reviews = selectors.user_reviews(user=request.user, include_flagged=True)
    return {"account_reviews": _with_plugins(reviews, _create_marketplace())}


# --------------------------------------------------------------------------- endpoints


def _plugin_or_404(marketplace: "Marketplace", name: str) -> "Plugin":
    plugin = marketplace.registry.get_plugin(name)
    if plugin is None:
        raise Http404(f"There is no plugin named {name!r}; only published plugins can be reviewed.")
    return plugin


def _review_or_404(plugin: "Plugin", review_id: int, user: Any) -> Review:
    review = (
        Review.objects.for_plugin(plugin.canonical_name)
        .select_related("user")
        .filter(pk=review_id)
        .first()
    )
    if review is None or not services.can_view_review(user, review):
        raise Http404("That review does not exist or has been removed.")
    return review


def _back(plugin: "Plugin") -> HttpResponse:
    return redirect(_plugin_url(plugin) + ANCHOR)


def _rerender(request: HttpRequest, plugin: "Plugin", message: str, **bound: Any) -> HttpResponse:
    """The plugin page again, with the invalid form and its errors (nothing was saved)."""
    from marketplace_site.views.plugins import plugin_detail

    setattr(request, BOUND_FORMS_ATTR, bound)
    messages.error(request, message)
    response = plugin_detail(request, plugin.display_name)
    response.status_code = 400
    return response


def _form_errors(form: Any) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


Endpoint = Callable[..., HttpResponse]


def _post_endpoint(view: Endpoint) -> Endpoint:
    return require_POST(login_required(view))


@_post_endpoint
@rate_limited("review")
def review_submit(request: HttpRequest, name: str) -> HttpResponse:
    marketplace = _create_marketplace()
    plugin = _plugin_or_404(marketplace, name)
    if plugin.owner_id == request.user.pk:
        raise PermissionDenied("You own this plugin, so you cannot review it.")
    versions = marketplace.registry.versions(plugin.canonical_name)
    form = ReviewForm(request.POST, versions=versions)
    if not form.is_valid():
        return _rerender(
            request, plugin, "Your review was not saved: " + _form_errors(form), review=form
        )
    _review, created = services.review_submit(
        plugin_name=plugin.canonical_name,
        user=request.user,
        rating=form.cleaned_data["rating"],
        comment=form.cleaned_data["comment"],
        version=form.cleaned_data["version"],
    )
    if created:
        messages.success(request, f"Thank you! Your review of {plugin.display_name} is posted.")
    else:
        messages.success(request, f"Your review of {plugin.display_name} is updated.")
    return _back(plugin)


@_post_endpoint
def review_delete(request: HttpRequest, name: str, review_id: int) -> HttpResponse:
    plugin = _plugin_or_404(_create_marketplace(), name)
    review = _review_or_404(plugin, review_id, request.user)
    try:
        services.review_delete(review=review, acting_user=request.user)
    except services.NotAllowed as error:
        raise PermissionDenied(str(error)) from error
    messages.success(request, "The review is deleted.")
    return _back(plugin)


@_post_endpoint
@rate_limited("review")
def review_reply(request: HttpRequest, name: str, review_id: int) -> HttpResponse:
    plugin = _plugin_or_404(_create_marketplace(), name)
    review = _review_or_404(plugin, review_id, request.user)
    if not services.can_reply(request.user, review, owner_id=plugin.owner_id):
        raise PermissionDenied("Only the plugin's owner can reply to its reviews.")
    form = ReplyForm(request.POST, auto_id=f"id_review-{review.pk}-reply-%s")
    if not form.is_valid():
        return _rerender(
            request,
            plugin,
            "Your reply was not posted: " + _form_errors(form),
            reply={review.pk: form},
        )
    existed = _has_reply(review)
    services.reply_save(
        review=review,
        acting_user=request.user,
        owner_id=plugin.owner_id,
        text=form.cleaned_data["text"],
    )
    messages.success(request, "Your reply is updated." if existed else "Your reply is posted.")
    return _back(plugin)


@_post_endpoint
def review_helpful(request: HttpRequest, name: str, review_id: int) -> HttpResponse:
    plugin = _plugin_or_404(_create_marketplace(), name)
    review = _review_or_404(plugin, review_id, request.user)
    try:
        services.helpful_vote_add(review=review, user=request.user)
    except services.NotAllowed as error:
        raise PermissionDenied(str(error)) from error
    except services.AlreadyVoted as error:
        messages.info(request, str(error))
    else:
        messages.success(request, "Thanks, you marked the review as helpful.")
    return _back(plugin)


@_post_endpoint
@rate_limited("report")
def review_report(request: HttpRequest, name: str, review_id: int) -> HttpResponse:
    plugin = _plugin_or_404(_create_marketplace(), name)
    review = _review_or_404(plugin, review_id, request.user)
    if not services.can_report(request.user, review):
        raise PermissionDenied("You cannot report your own review.")
    form = ReportForm(request.POST, auto_id=f"id_review-{review.pk}-report-%s")
    if not form.is_valid():
        return _rerender(
            request,
            plugin,
            "Your report was not sent: " + _form_errors(form),
            report={review.pk: form},
        )
    try:
        services.report_create(
            review=review,
            reporter=request.user,
            reason=form.cleaned_data["reason"],
            text=form.cleaned_data["text"],
        )
    except services.AlreadyReported as error:
        messages.error(request, str(error))
        return _back(plugin)
    messages.success(request, "Thank you; a moderator will look at your report.")
    return _back(plugin)


def _moderate(request: HttpRequest, name: str, review_id: int, *, hide: bool) -> HttpResponse:
    plugin = _plugin_or_404(_create_marketplace(), name)
    if not services.can_moderate(request.user):
        raise PermissionDenied("Only moderators can hide or restore reviews.")
    review = _review_or_404(plugin, review_id, request.user)
    if not hide:
        services.review_unflag(review=review, acting_user=request.user)
        messages.success(request, "The review is visible again.")
        return _back(plugin)
    form = FlagForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The review was not hidden: " + _form_errors(form))
        return _back(plugin)
    services.review_flag(
        review=review, acting_user=request.user, reason=form.cleaned_data["reason"]
    )
    messages.success(request, "The review is hidden from the public.")
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
    page = Paginator(reviews, 20).get_page(request.GET.get("page", 1))
    _with_plugins(list(page.object_list), _create_marketplace())
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
