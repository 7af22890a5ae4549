"""Reading reviews: the rating summary, pages of reviews, the moderation queue."""

from typing import Any

import pytest

from reviews import selectors, services
from reviews.models import Review
from reviews.templatetags.review_tags import stars
from tests.factories import make_review, make_user

pytestmark = pytest.mark.django_db


def annotation(review: Review, name: str) -> Any:
    """An attribute a selector added (``annotate``, ``Prefetch(to_attr=...)``), unseen by mypy."""
    return getattr(review, name)


def _bars(summary: selectors.RatingSummary) -> dict[int, int]:
    return {bar.stars: bar.count for bar in summary.histogram}


def test_summary_without_reviews() -> None:
    summary = selectors.rating_summary(plugin_name="p")
    assert summary.average is None
    assert summary.count == 0
    assert summary.rounded == 0
    assert [bar.stars for bar in summary.histogram] == [5, 4, 3, 2, 1]
    assert all(bar.count == 0 and bar.percent == 0 for bar in summary.histogram)


def test_summary_histogram_average_and_percentages() -> None:
    for rating in (5, 5, 4, 1):
        make_review("p", make_user(), rating=rating)
    make_review("other", make_user(), rating=2)
    summary = selectors.rating_summary(plugin_name="P")
    assert summary.count == 4
    assert summary.average == 3.75
    assert summary.rounded == 4
    assert _bars(summary) == {5: 2, 4: 1, 3: 0, 2: 0, 1: 1}
    assert [bar.percent for bar in summary.histogram] == [50, 25, 0, 0, 25]


def test_summary_excludes_flagged_reviews() -> None:
    make_review("p", make_user(), rating=5)
    make_review("p", make_user(), rating=1, flagged=True, flag_reason="spam")
    summary = selectors.rating_summary(plugin_name="p")
    assert (summary.average, summary.count) == (5.0, 1)
    assert _bars(summary)[1] == 0


def test_summary_follows_replacement() -> None:
    alice = make_user("alice")
    services.review_submit(plugin_name="p", user=alice, rating=1)
    services.review_submit(plugin_name="p", user=alice, rating=4)
    summary = selectors.rating_summary(plugin_name="p")
    assert (summary.count, summary.average) == (1, 4.0)
    assert _bars(summary) == {5: 0, 4: 1, 3: 0, 2: 0, 1: 0}


def test_reviews_page_newest_first_paged_and_visible_only() -> None:
    made = [make_review("p", make_user(), rating=3, comment=f"#{i}") for i in range(12)]
    Review.objects.filter(pk=made[11].pk).update(flagged=True)
    first = selectors.reviews_page(plugin_name="p", per_page=5)
    assert [r.comment for r in first] == ["#10", "#9", "#8", "#7", "#6"]
    assert first.paginator.count == 11
    last = selectors.reviews_page(plugin_name="p", per_page=5, page="3")
    assert [r.comment for r in last] == ["#0"]
    # Out of range or junk page numbers fall back to a real page.
    assert selectors.reviews_page(plugin_name="p", per_page=5, page="99").number == 3
    assert selectors.reviews_page(plugin_name="p", per_page=5, page="abc").number == 1


def test_reviews_page_most_helpful_first() -> None:
    quiet = make_review("p", make_user(), comment="quiet")
    useful = make_review("p", make_user(), comment="useful")
    newest = make_review("p", make_user(), comment="newest")
    for _ in range(2):
        services.helpful_vote_add(review=useful, user=make_user())
    services.helpful_vote_add(review=quiet, user=make_user())
    page = selectors.reviews_page(plugin_name="p", sort="helpful")
    assert [(r.comment, annotation(r, "helpful_count")) for r in page] == [
        ("useful", 2),
        ("quiet", 1),
        ("newest", 0),
    ]
    assert selectors.reviews_page(plugin_name="p")[0].comment == newest.comment


def test_reviews_page_marks_the_viewers_votes_and_reports() -> None:
    viewer = make_user("viewer")
    voted = make_review("p", make_user(), comment="voted")
    reported = make_review("p", make_user(), comment="reported")
    services.helpful_vote_add(review=voted, user=viewer)
    services.helpful_vote_add(review=voted, user=make_user())
    services.report_create(review=reported, reporter=viewer, reason="spam")
    by_comment = {r.comment: r for r in selectors.reviews_page(plugin_name="p", viewer=viewer)}
    assert len(annotation(by_comment["voted"], "viewer_votes")) == 1
    assert annotation(by_comment["voted"], "viewer_reports") == []
    assert len(annotation(by_comment["reported"], "viewer_reports")) == 1
    assert annotation(by_comment["voted"], "helpful_count") == 2


def test_user_review_finds_hidden_reviews_for_their_author() -> None:
    from django.contrib.auth.models import AnonymousUser

    alice = make_user("alice")
    make_review("p", alice, flagged=True)
    found = selectors.user_review(plugin_name="p", user=alice)
    assert found is not None and found.flagged
    assert selectors.user_review(plugin_name="p", user=AnonymousUser()) is None
    assert selectors.user_review(plugin_name="q", user=alice) is None


def test_user_reviews_hide_flagged_unless_asked() -> None:
    alice = make_user("alice")
    make_review("a", alice, comment="shown")
    make_review("b", alice, comment="hidden", flagged=True)
    make_review("a", make_user(), comment="someone else")
    assert [r.comment for r in selectors.user_reviews(user=alice)] == ["shown"]
    assert [r.comment for r in selectors.user_reviews(user=alice, include_flagged=True)] == [
        "hidden",
        "shown",
    ]


def test_moderation_queue_puts_most_open_reports_first() -> None:
    author = make_user("author")
    calm = make_review("calm", author)
    once = make_review("once", author)
    twice = make_review("twice", author)
    dismissed = make_review("dismissed", author)
    services.report_create(review=once, reporter=make_user(), reason="spam")
    for _ in range(2):
        services.report_create(review=twice, reporter=make_user(), reason="abuse")
    for _ in range(3):
        services.report_create(review=dismissed, reporter=make_user(), reason="spam")
    dismissed.reports.update(status="dismissed")
    queue = list(selectors.moderation_queue())
    assert [r.plugin_name for r in queue][:2] == ["twice", "once"]
    counts = {
        r.plugin_name: (annotation(r, "open_report_count"), annotation(r, "report_count"))
        for r in queue
    }
    assert counts == {"twice": (2, 2), "once": (1, 1), "dismissed": (0, 3), "calm": (0, 0)}
    assert calm in queue


def test_queryset_vocabulary_chains() -> None:
    alice = make_user("alice")
    make_review("My.Plugin", alice)
    make_review("my-plugin", make_user(), flagged=True)
    assert Review.objects.for_plugin("MY_PLUGIN").visible().count() == 1
    assert Review.objects.for_plugin("my_plugin").flagged().count() == 1
    assert Review.objects.by_user("alice").count() == 1
    counted = Review.objects.with_open_report_count().get(user=alice)
    assert annotation(counted, "open_report_count") == 0


@pytest.mark.parametrize(
    ("value", "shown"),
    [(5, "★★★★★"), (1, "★☆☆☆☆"), (3.5, "★★★★☆"), (3.4, "★★★☆☆"), (None, "☆☆☆☆☆"), (9, "★★★★★")],
)
def test_stars_filter(value: object, shown: str) -> None:
    assert stars(value) == shown
