"""Reading reviews: rating summaries and pages of reviews for the plugin and user pages."""

from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Avg, Count, F, Prefetch

from reviews.models import RATING_MAX, RATING_MIN, HelpfulVote, Report, Review, ReviewQuerySet

REVIEW_SORTS: dict[str, str] = {"newest": "Newest", "helpful": "Most helpful"}
PAGE_SIZE = 10


@dataclass(frozen=True)
class HistogramBar:
    stars: int
    count: int
    percent: int


@dataclass(frozen=True)
class RatingSummary:
    """The average and count exclude hidden reviews; ``histogram`` runs from 5 stars to 1."""

    average: float | None
    count: int
    histogram: tuple[HistogramBar, ...]

    @property
    def rounded(self) -> int:
        """The average as whole stars, for drawing them."""
        return 0 if self.average is None else int(self.average + 0.5)


def rating_summary(*, plugin_name: str) -> RatingSummary:
    visible = Review.objects.for_plugin(plugin_name).visible()
    counts = dict(
        visible.order_by().values("rating").annotate(n=Count("pk")).values_list("rating", "n")
    )
    total = sum(counts.values())
    average = visible.aggregate(avg=Avg("rating"))["avg"] if total else None
    bars = tuple(
        HistogramBar(
            stars=stars,
            count=counts.get(stars, 0),
            percent=round(100 * counts.get(stars, 0) / total) if total else 0,
        )
        for stars in range(RATING_MAX, RATING_MIN - 1, -1)
    )
    return RatingSummary(
        average=float(average) if average is not None else None, count=total, histogram=bars
    )


def _with_details(reviews: ReviewQuerySet, *, viewer: Any = None) -> ReviewQuerySet:
    """Reviews with their author, the owner's reply and helpful counts loaded."""
    reviews = reviews.select_related("user", "reply").with_helpful_count()
    if viewer is not None and getattr(viewer, "is_authenticated", False):
        reviews = reviews.prefetch_related(
            Prefetch(
                "helpful_votes",
                queryset=HelpfulVote.objects.filter(user=viewer),
                to_attr="viewer_votes",
            ),
            Prefetch(
                "reports", queryset=Report.objects.filter(reporter=viewer), to_attr="viewer_reports"
            ),
        )
    return reviews


def reviews_page(
    *,
    plugin_name: str,
    sort: str = "newest",
    page: int | str = 1,
    per_page: int = PAGE_SIZE,
    viewer: Any = None,
) -> Page[Review]:
    """One page of a plugin's visible reviews, newest or most helpful first.

    Each review has ``helpful_count``; for a signed-in ``viewer`` also ``viewer_votes`` and
    ``viewer_reports`` (lists, empty unless the viewer voted on or reported it).
    """
    reviews = Review.objects.for_plugin(plugin_name).visible()
    reviews = reviews.most_helpful_first() if sort == "helpful" else reviews.newest_first()
    paginator = Paginator(_with_details(reviews, viewer=viewer), per_page)
    return paginator.get_page(page)


def user_review(*, plugin_name: str, user: Any) -> Review | None:
    """The user's review of the plugin, hidden or not; None for anonymous users."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return _with_details(Review.objects.for_plugin(plugin_name).filter(user=user)).first()


def user_reviews(*, user: Any, include_flagged: bool = False) -> list[Review]:
    """A user's reviews, newest first, with replies; hidden ones only if asked for."""
    reviews = Review.objects.by_user(user)
    if not include_flagged:
        reviews = reviews.visible()
    return list(_with_details(reviews.newest_first()))


def moderation_queue() -> ReviewQuerySet:
    """Reviews with open reports first (most reported on top), then the newest."""
    return (
        Review.objects.with_open_report_count()
        .with_report_count()
        .select_related("user")
        .order_by(F("open_report_count").desc(), "-created_at", "-pk")
    )


def most_reviewed(*, limit: int, minimum: int = 1) -> list[tuple[str, int]]:
    """Canonical plugin names with at least ``minimum`` visible reviews, most first (ties by
    name), at most ``limit`` of them: the reviews' side of "popular" for name checks."""
    rows = (
        Review.objects.visible()
        .values("plugin_name")
        .annotate(total=Count("id"))
        .filter(total__gte=minimum)
        .order_by("-total", "plugin_name")
        .values_list("plugin_name", "total")
    )
    return list(rows[:limit])
