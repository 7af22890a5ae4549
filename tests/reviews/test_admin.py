"""The moderation queue in the Django admin."""

import re

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Permission, User
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import reverse

from reviews import services
from reviews.models import Report, Review
from tests.factories import make_moderator, make_review, make_superuser, make_user

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:reviews_review_changelist")


def login(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def report(review: Review, times: int = 1, reason: str = "spam") -> None:
    for _ in range(times):
        services.report_create(review=review, reporter=make_user(), reason=reason)


def act(client: Client, action: str, reviews: list[Review], **extra: str) -> object:
    data = {"action": action, "_selected_action": [r.pk for r in reviews], "index": "0", **extra}
    return client.post(CHANGELIST, data, follow=True)


def row_order(html: str) -> list[str]:
    """The plugin names in the changelist, top to bottom."""
    return re.findall(r'<th class="field-plugin_name"><a [^>]*>([^<]+)</a>', html)


@pytest.fixture
def moderator() -> User:
    return make_moderator()


@pytest.fixture
def staff_viewer() -> User:
    """Staff who may look at reviews but not moderate them."""
    user = make_user("viewer", is_staff=True)
    user.user_permissions.add(
        Permission.objects.get(codename="view_review", content_type__app_label="reviews")
    )
    return User.objects.get(pk=user.pk)


def test_migration_created_the_moderators_group() -> None:
    from django.contrib.auth.models import Group

    group = Group.objects.get(name="moderators")
    codenames = set(group.permissions.values_list("codename", flat=True))
    assert {"moderate_review", "view_review", "change_review"} <= codenames


def test_queue_shows_most_reported_first_with_report_counts(moderator: User) -> None:
    author = make_user("author")
    make_review("quiet", author)
    once = make_review("reported-once", author)
    twice = make_review("reported-twice", author)
    make_review("newest", author)
    report(once)
    report(twice, times=2)
    html = login(moderator).get(CHANGELIST).content.decode()
    assert row_order(html) == ["reported-twice", "reported-once", "newest", "quiet"]
    assert '<td class="field-open_reports">2</td>' in html
    assert "open reports" in html
    assert "Moderation queue: most reported reviews first" in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("flagged__exact=1", {"hidden"}),
        ("reported=yes", {"reported"}),
        ("reported=no", {"hidden", "plain", "low"}),
        ("rating__exact=1", {"low"}),
        ("q=plain", {"plain"}),
        ("q=alice", {"reported", "hidden", "low"}),
    ],
)
def test_filters_and_search(moderator: User, query: str, expected: set[str]) -> None:
    alice, bob = make_user("alice"), make_user("bob")
    report(make_review("reported", alice, rating=4))
    make_review("hidden", alice, rating=3, flagged=True)
    make_review("low", alice, rating=1)
    make_review("plain", bob, rating=5)
    html = login(moderator).get(f"{CHANGELIST}?{query}").content.decode()
    assert set(row_order(html)) == expected


def test_flag_selected_hides_records_reason_and_logs(moderator: User) -> None:
    review = make_review("p", make_user("alice"))
    report(review)
    other = make_review("q", make_user("bob"))
    response = act(login(moderator), "flag_selected", [review], reason="Advertising")
    assert "Hid 1 review(s) from the public." in response.content.decode()  # type: ignore[attr-defined]
    review.refresh_from_db()
    other.refresh_from_db()
    assert (review.flagged, review.flag_reason, review.flagged_by) == (
        True,
        "Advertising",
        moderator,
    )
    assert other.flagged is False
    assert Report.objects.get().status == "resolved"
    entry = LogEntry.objects.get()
    assert (entry.user, entry.action_flag, entry.object_id) == (moderator, CHANGE, str(review.pk))
    assert entry.content_type == ContentType.objects.get_for_model(Review)
    assert "Flagged (hidden): Advertising" in entry.get_change_message()


def test_flag_without_reason_uses_the_reports(moderator: User) -> None:
    review = make_review("p", make_user("alice"))
    report(review, reason="abuse")
    act(login(moderator), "flag_selected", [review])
    review.refresh_from_db()
    assert review.flag_reason == "Reported as abusive or offensive"


def test_unflag_selected_restores_and_logs(moderator: User) -> None:
    hidden = make_review("p", make_user("alice"), flagged=True, flag_reason="spam")
    visible = make_review("q", make_user("bob"))
    response = act(login(moderator), "unflag_selected", [hidden, visible])
    assert "Restored 1 review(s)." in response.content.decode()  # type: ignore[attr-defined]
    hidden.refresh_from_db()
    assert hidden.flagged is False
    assert [e.object_id for e in LogEntry.objects.all()] == [str(hidden.pk)]
    assert "Unflagged" in LogEntry.objects.get().get_change_message()


def test_dismiss_reports_keeps_the_review_and_logs(moderator: User) -> None:
    review = make_review("p", make_user("alice"))
    report(review, times=2)
    untouched = make_review("q", make_user("bob"))
    response = act(login(moderator), "dismiss_reports", [review, untouched])
    assert "Dismissed 2 open report(s)." in response.content.decode()  # type: ignore[attr-defined]
    review.refresh_from_db()
    assert review.flagged is False
    assert set(Report.objects.values_list("status", flat=True)) == {"dismissed"}
    entry = LogEntry.objects.get()
    assert entry.object_id == str(review.pk)
    assert "Dismissed 2 open report(s)." in entry.get_change_message()
    # The review has left the top of the queue.
    html = login(moderator).get(CHANGELIST + "?reported=yes").content.decode()
    assert row_order(html) == []


def test_history_shows_who_flagged(moderator: User) -> None:
    review = make_review("p", make_user("alice"))
    act(login(moderator), "flag_selected", [review], reason="Spam link")
    history = reverse("admin:reviews_review_history", args=[review.pk])
    html = login(make_superuser()).get(history).content.decode()
    assert "moderator" in html
    assert "Flagged (hidden): Spam link" in html


def test_superuser_can_run_the_actions() -> None:
    review = make_review("p", make_user("alice"))
    act(login(make_superuser()), "flag_selected", [review])
    review.refresh_from_db()
    assert review.flagged is True


def test_staff_without_moderate_permission_gets_no_actions(staff_viewer: User) -> None:
    review = make_review("p", make_user("alice"))
    report(review)
    client = login(staff_viewer)
    html = client.get(CHANGELIST).content.decode()
    assert "Flag selected" not in html
    assert "Dismiss reports" not in html
    for action in ("flag_selected", "unflag_selected", "dismiss_reports"):
        act(client, action, [review])
    review.refresh_from_db()
    assert review.flagged is False
    assert Report.objects.get().status == "open"
    assert not LogEntry.objects.exists()


def test_staff_without_any_review_permission_is_refused() -> None:
    staff = make_user("staff", is_staff=True)
    review = make_review("p", make_user("alice"))
    assert login(staff).get(CHANGELIST).status_code == 403
    act(login(staff), "flag_selected", [review])
    review.refresh_from_db()
    assert review.flagged is False


def test_plain_user_is_sent_to_the_admin_login() -> None:
    response = login(make_user()).get(CHANGELIST)
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_moderator_sees_the_action_list(moderator: User) -> None:
    make_review("p", make_user("alice"))
    html = login(moderator).get(CHANGELIST).content.decode()
    assert "Flag selected (hide from the public)" in html
    assert "Unflag selected (show again)" in html
    assert "Dismiss reports" in html
    assert 'name="reason"' in html


def test_moderator_cannot_edit_text_or_rating(moderator: User) -> None:
    review = make_review("p", make_user("alice"), rating=2, comment="Original words")
    report(review)
    url = reverse("admin:reviews_review_change", args=[review.pk])
    client = login(moderator)
    html = client.get(url).content.decode()
    assert "Original words" in html
    assert 'name="comment"' not in html
    assert 'name="rating"' not in html
    assert "Spam" in html  # the report, shown inline
    assert 'name="reports-0-reason"' not in html  # ...read-only
    client.post(url, {"comment": "Edited by a moderator", "rating": "5"})
    review.refresh_from_db()
    assert (review.comment, review.rating) == ("Original words", 2)


def test_nobody_adds_reviews_in_the_admin(moderator: User) -> None:
    add = reverse("admin:reviews_review_add")
    assert login(moderator).get(add).status_code == 403
    assert login(make_superuser()).get(add).status_code == 403
