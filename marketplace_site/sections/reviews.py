"""The reviews part of the plugin page and of the account page.

Context for ``templates/includes/_plugin_reviews.html`` and ``_account_reviews.html``; the
forms there post to ``marketplace_site.views.reviews``.
"""

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest
from django.urls import reverse

from marketplace_site.actions import Marketplace, create_marketplace
from registry.models import Plugin, PluginVersion
from reviews import selectors, services
from reviews.forms import FlagForm, ReplyForm, ReportForm, ReviewForm
from reviews.models import Review

ANCHOR = "#reviews"


@dataclass(frozen=True)
class ReviewForms:
    """Forms a POST sent back with their errors, for the plugin page to show again:
    the review form, and reply and report forms by review id."""

    review: ReviewForm | None = None
    reply: dict[int, ReplyForm] = field(default_factory=dict)
    report: dict[int, ReportForm] = field(default_factory=dict)


NO_FORMS = ReviewForms()


def plugin_url(plugin: Plugin, **query: str) -> str:
    url = reverse("plugin_detail", args=[plugin.display_name])
    if query:
        url += "?" + urlencode(query)
    return url


def plugin_section(
    request: HttpRequest,
    marketplace: Marketplace,
    plugin: Plugin,
    selected: PluginVersion,
    forms: ReviewForms = NO_FORMS,
) -> dict[str, Any]:
    """The reviews part of the plugin page; ``forms`` are ones a POST sent back invalid."""
    user = request.user
    name = plugin.canonical_name
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
        review.can_vote = (
            services.can_vote_helpful(user, review, owner_id=plugin.owner_id) and not review.voted
        )
        review.can_report = services.can_report(user, review) and not review.reported
        review.can_reply = services.can_reply(user, review, owner_id=plugin.owner_id)
        review.can_delete = services.can_delete_review(user, review)
        review.can_flag = moderator
        prefix = f"review-{review.pk}"
        report_form = forms.report.get(review.pk)
        review.report_form = report_form or ReportForm(auto_id=f"id_{prefix}-report-%s")
        review.report_open = report_form is not None
        if review.can_reply:
            reply_form = forms.reply.get(review.pk)
            initial = {"text": review.reply.text} if has_reply(review) else None
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
        review_form = forms.review or ReviewForm(
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
            "url": plugin_url(plugin, **keep, reviews=key) + ANCHOR,
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
            plugin_url(plugin, **paging, rpage=str(page.previous_page_number())) + ANCHOR
            if page.has_previous()
            else ""
        ),
        "review_next_url": (
            plugin_url(plugin, **paging, rpage=str(page.next_page_number())) + ANCHOR
            if page.has_next()
            else ""
        ),
        "my_review": mine,
        "review_form": review_form,
        "review_blocked": blocked,
        "review_is_owner": is_owner,
        "review_can_moderate": moderator,
        "review_login_url": reverse("login") + "?next=" + plugin_url(plugin),
    }


def has_reply(review: Review) -> bool:
    try:
        return review.reply is not None
    except Review.reply.RelatedObjectDoesNotExist:
        return False


def with_plugins(reviews: list[Any], marketplace: Marketplace) -> list[Any]:
    plugins = marketplace.registry.names([r.plugin_name for r in reviews])
    for review in reviews:
        plugin = plugins.get(review.plugin_name)
        review.plugin_display_name = plugin.display_name if plugin else review.plugin_name
        review.plugin_exists = plugin is not None
        review.has_reply = has_reply(review)
    return reviews


def account_section(request: HttpRequest) -> dict[str, Any]:
    """The signed-in user's reviews, hidden ones with the reason, and owners' replies."""
    if not request.user.is_authenticated:
        return {"account_reviews": []}
    reviews = selectors.user_reviews(user=request.user, include_flagged=True)
    return {"account_reviews": with_plugins(reviews, create_marketplace())}
