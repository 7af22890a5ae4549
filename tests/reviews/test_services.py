"""The Reviews contract (ReviewService) and the keyword-only service functions."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from marketplace_site.types import Review as ReviewValue
from marketplace_site.types import Reviews
from reviews import services
from reviews.models import HelpfulVote, OwnerReply, Report, Review
from reviews.services import ReviewService
from tests.factories import make_moderator, make_review, make_superuser, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def service() -> ReviewService:
    return ReviewService()


def test_service_implements_the_protocol(service: ReviewService) -> None:
    assert isinstance(service, Reviews)


def test_add_review_returns_the_contract_value(service: ReviewService) -> None:
    review = service.add_review("My_Plugin", "alice", 5, "Great!")
    assert isinstance(review, ReviewValue)
    assert (review.plugin_name, review.user, review.rating, review.comment) == (
        "my-plugin",
        "alice",
        5,
        "Great!",
    )
    assert review.flagged is False
    assert review.flag_reason == ""
    assert review.id == Review.objects.get().pk


def test_add_review_accepts_a_user_object(service: ReviewService) -> None:
    bob = make_user("bob")
    review = service.add_review("p", bob, 3)
    assert review.user == "bob"
    assert Review.objects.get().user == bob


def test_add_review_for_a_new_username_creates_an_account_without_password(
    service: ReviewService,
) -> None:
    service.add_review("p", "newcomer", 4)
    review = Review.objects.get()
    assert review.user.username == "newcomer"
    assert not review.user.has_usable_password()


@pytest.mark.parametrize("rating", [0, 6, -1, 10, 2.5, "5", None, True])
def test_add_review_rejects_a_bad_rating(service: ReviewService, rating: object) -> None:
    with pytest.raises(ValueError, match="rating"):
        service.add_review("p", "alice", rating, "")  # type: ignore[arg-type]
    assert not Review.objects.exists()


@pytest.mark.parametrize("rating", [1, 5])
def test_add_review_accepts_the_bounds(service: ReviewService, rating: int) -> None:
    assert service.add_review("p", "alice", rating).rating == rating


def test_second_review_replaces_the_first(service: ReviewService) -> None:
    first = service.add_review("p", "alice", 2, "meh")
    second = service.add_review("P", "alice", 5, "better now")
    assert second.id == first.id
    assert [(r.rating, r.comment) for r in service.for_plugin("p")] == [(5, "better now")]
    assert service.average_rating("p") == 5.0


def test_replacement_sorts_as_newest(service: ReviewService) -> None:
    service.add_review("p", "alice", 2)
    service.add_review("p", "bob", 3)
    service.add_review("p", "alice", 4)
    assert [r.user for r in service.for_plugin("p")] == ["alice", "bob"]


def test_replacing_keeps_a_hidden_review_hidden(service: ReviewService) -> None:
    review = service.add_review("p", "alice", 1, "spam spam")
    service.flag(review.id, "spam")
    again = service.add_review("p", "alice", 1, "still spam")
    assert again.flagged is True
    assert service.for_plugin("p") == []


def test_comment_longer_than_the_cap_is_rejected(service: ReviewService) -> None:
    with pytest.raises(ValueError, match="limit is 2000"):
        service.add_review("p", "alice", 3, "x" * 2001)
    assert service.add_review("p", "alice", 3, "x" * 2000).comment == "x" * 2000


def test_empty_plugin_name_is_rejected(service: ReviewService) -> None:
    with pytest.raises(ValueError, match="plugin"):
        service.add_review("", "alice", 3)


def test_flag_and_unflag(service: ReviewService) -> None:
    review = service.add_review("p", "alice", 1, "rude")
    flagged = service.flag(review.id, "abusive language")
    assert (flagged.flagged, flagged.flag_reason) == (True, "abusive language")
    assert service.for_plugin("p") == []
    assert [r.id for r in service.for_plugin("p", include_flagged=True)] == [review.id]
    restored = service.unflag(review.id)
    assert (restored.flagged, restored.flag_reason) == (False, "")
    assert [r.id for r in service.for_plugin("p")] == [review.id]


def test_flag_unknown_review_raises(service: ReviewService) -> None:
    with pytest.raises(services.ReviewNotFound):
        service.flag(999)
    with pytest.raises(LookupError):
        service.unflag(999)


def test_average_rating_excludes_flagged_and_is_none_without_reviews(
    service: ReviewService,
) -> None:
    assert service.average_rating("p") is None
    service.add_review("p", "a", 5)
    service.add_review("p", "b", 4)
    bad = service.add_review("p", "c", 1)
    assert service.average_rating("p") == pytest.approx(10 / 3)
    service.flag(bad.id)
    assert service.average_rating("p") == 4.5
    service.flag(service.for_plugin("p")[0].id)
    service.flag(service.for_plugin("p")[0].id)
    assert service.average_rating("p") is None


def test_for_plugin_is_newest_first_and_per_plugin(service: ReviewService) -> None:
    service.add_review("p", "a", 5)
    service.add_review("other", "a", 1)
    service.add_review("p", "b", 4)
    assert [r.user for r in service.for_plugin("p")] == ["b", "a"]
    assert [r.plugin_name for r in service.for_plugin("other")] == ["other"]


def test_a_page_of_a_plugins_reviews_is_a_slice_of_all(service: ReviewService) -> None:
    for name in "abcdef":
        service.add_review("p", name, 4)
    service.flag(service.for_plugin("p")[0].id, "spam")  # hidden: neither listed nor counted
    everything = [r.user for r in service.for_plugin("p")]
    assert everything == ["e", "d", "c", "b", "a"]
    for offset in range(6):
        page, count = service.for_plugin_page("p", offset=offset, limit=2)
        assert [r.user for r in page] == everything[offset : offset + 2] and count == 5


def test_by_user_is_newest_first_and_includes_hidden(service: ReviewService) -> None:
    first = service.add_review("one", "alice", 5)
    service.add_review("two", "alice", 4)
    service.add_review("two", "bob", 4)
    service.flag(first.id, "spam")
    assert [(r.plugin_name, r.flagged) for r in service.by_user("alice")] == [
        ("two", False),
        ("one", True),
    ]
    assert service.by_user("nobody") == []
    assert [r.user for r in service.by_user(make_user("carol"))] == []


def test_flagged_lists_hidden_reviews_optionally_per_plugin(service: ReviewService) -> None:
    a = service.add_review("p", "a", 1)
    b = service.add_review("q", "a", 1)
    service.add_review("q", "b", 5)
    service.flag(a.id)
    service.flag(b.id)
    assert {r.id for r in service.flagged()} == {a.id, b.id}
    assert [r.id for r in service.flagged("Q")] == [b.id]


def test_review_submit_records_the_version_and_reports_creation() -> None:
    alice = make_user("alice")
    review, created = services.review_submit(
        plugin_name="p", user=alice, rating=4, comment="  ok  ", version="1.2.0"
    )
    assert created is True
    assert (review.version, review.comment) == ("1.2.0", "ok")
    again, created = services.review_submit(plugin_name="p", user=alice, rating=3, version="2.0")
    assert created is False
    assert again.pk == review.pk
    assert Review.objects.get().version == "2.0"


def test_replacing_keeps_reply_and_votes_attached() -> None:
    alice, owner, voter = make_user("alice"), make_user("owner"), make_user("voter")
    review = make_review("p", alice, 2)
    services.reply_save(review=review, acting_user=owner, owner_id=owner.pk, text="Fixed in 2.0")
    services.helpful_vote_add(review=review, user=voter)
    services.review_submit(plugin_name="p", user=alice, rating=5)
    review.refresh_from_db()
    assert review.rating == 5
    assert review.reply.text == "Fixed in 2.0"
    assert review.helpful_votes.count() == 1


def test_inactive_user_cannot_review() -> None:
    user = make_user("gone", is_active=False)
    with pytest.raises(services.NotAllowed):
        services.review_submit(plugin_name="p", user=user, rating=3)


def test_review_delete_by_author_and_superuser_only() -> None:
    alice, bob = make_user("alice"), make_user("bob")
    review = make_review("p", alice)
    with pytest.raises(services.NotAllowed):
        services.review_delete(review=review, acting_user=bob)
    with pytest.raises(services.NotAllowed):
        services.review_delete(review=review, acting_user=make_moderator())
    services.review_delete(review=review, acting_user=alice)
    assert not Review.objects.exists()
    other = make_review("p", bob)
    services.review_delete(review=other, acting_user=make_superuser())
    assert not Review.objects.exists()


def test_reply_by_owner_creates_then_edits_one_reply() -> None:
    owner, alice = make_user("owner"), make_user("alice")
    review = make_review("p", alice)
    services.reply_save(review=review, acting_user=owner, owner_id=owner.pk, text="Thanks!")
    services.reply_save(review=review, acting_user=owner, owner_id=owner.pk, text="Thanks again")
    assert list(OwnerReply.objects.values_list("text", flat=True)) == ["Thanks again"]


@pytest.mark.parametrize("who", ["stranger", "author", "moderator"])
def test_reply_by_anyone_but_the_owner_is_refused(who: str) -> None:
    owner, alice = make_user("owner"), make_user("alice")
    review = make_review("p", alice)
    actor = {"stranger": make_user("x"), "author": alice, "moderator": make_moderator()}[who]
    with pytest.raises(services.NotAllowed):
        services.reply_save(review=review, acting_user=actor, owner_id=owner.pk, text="hi")
    assert not OwnerReply.objects.exists()


def test_reply_to_plugin_without_owner_is_refused() -> None:
    review = make_review("p", make_user("alice"))
    with pytest.raises(services.NotAllowed):
        services.reply_save(review=review, acting_user=make_user(), owner_id=None, text="hi")


@pytest.mark.parametrize(("text", "code"), [("   ", "required"), ("x" * 2001, "text_too_long")])
def test_reply_text_is_checked(text: str, code: str) -> None:
    owner = make_user("owner")
    review = make_review("p", make_user("alice"))
    with pytest.raises(services.InvalidReview) as caught:
        services.reply_save(review=review, acting_user=owner, owner_id=owner.pk, text=text)
    assert caught.value.code == code
    assert not OwnerReply.objects.exists()


def test_helpful_vote_once_per_user_and_not_own() -> None:
    alice, bob = make_user("alice"), make_user("bob")
    review = make_review("p", alice)
    services.helpful_vote_add(review=review, user=bob)
    with pytest.raises(services.AlreadyVoted):
        services.helpful_vote_add(review=review, user=bob)
    with pytest.raises(services.NotAllowed):
        services.helpful_vote_add(review=review, user=alice)
    assert HelpfulVote.objects.count() == 1


def test_helpful_vote_on_hidden_review_is_refused() -> None:
    review = make_review("p", make_user("alice"), flagged=True)
    with pytest.raises(services.ReviewNotFound):
        services.helpful_vote_add(review=review, user=make_user("bob"))


def test_report_once_per_user() -> None:
    alice, bob = make_user("alice"), make_user("bob")
    review = make_review("p", alice)
    report = services.report_create(review=review, reporter=bob, reason="spam")
    assert (report.reason, report.status) == ("spam", "open")
    with pytest.raises(services.AlreadyReported):
        services.report_create(review=review, reporter=bob, reason="abuse", text="again")
    assert Report.objects.count() == 1


@pytest.mark.parametrize(
    ("reason", "text", "code"),
    [
        ("", "", "reason_required"),
        ("  ", "some text", "reason_required"),
        ("boring", "", "invalid_reason"),
        ("other", "", "text_required"),
        ("spam", "x" * 501, "text_too_long"),
    ],
)
def test_bad_report_is_rejected_with_a_code(reason: str, text: str, code: str) -> None:
    review = make_review("p", make_user("alice"))
    with pytest.raises(services.InvalidReview) as caught:
        services.report_create(review=review, reporter=make_user("bob"), reason=reason, text=text)
    assert caught.value.code == code
    assert not Report.objects.exists()


def test_reporting_own_review_is_refused() -> None:
    alice = make_user("alice")
    review = make_review("p", alice)
    with pytest.raises(services.NotAllowed):
        services.report_create(review=review, reporter=alice, reason="spam")


def test_concurrent_duplicate_report_maps_to_already_reported(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    alice, bob = make_user("alice"), make_user("bob")
    review = make_review("p", alice)
    Report.objects.create(review=review, reporter=bob, reason="spam")
    # Simulate the race: the existence check saw nothing, the insert hits the constraint.
    monkeypatch.setattr(Report.objects, "filter", lambda **kw: Report.objects.none())
    with pytest.raises(services.AlreadyReported):
        services.report_create(review=review, reporter=bob, reason="abuse")


def test_flag_by_moderator_resolves_open_reports_and_records_who() -> None:
    moderator = make_moderator()
    review = make_review("p", make_user("alice"))
    services.report_create(review=review, reporter=make_user("r1"), reason="spam")
    services.report_create(review=review, reporter=make_user("r2"), reason="spam")
    services.report_create(review=review, reporter=make_user("r3"), reason="abuse")
    flagged = services.review_flag(review=review, acting_user=moderator)
    assert flagged.flagged is True
    assert flagged.flag_reason == "Reported as spam"
    assert flagged.flagged_by == moderator
    assert flagged.flagged_at is not None
    assert set(Report.objects.values_list("status", flat=True)) == {"resolved"}


def test_flag_reason_is_kept_when_given() -> None:
    review = make_review("p", make_user("alice"))
    flagged = services.review_flag(review=review, acting_user=make_superuser(), reason="Ad")
    assert flagged.flag_reason == "Ad"


def test_flag_reason_too_long_changes_nothing() -> None:
    review = make_review("p", make_user("alice"))
    with pytest.raises(services.InvalidReview):
        services.review_flag(review=review, acting_user=make_moderator(), reason="x" * 201)
    review.refresh_from_db()
    assert review.flagged is False


@pytest.mark.parametrize("who", ["author", "stranger", "staff_without_group"])
def test_flag_unflag_dismiss_need_moderate_permission(who: str) -> None:
    alice = make_user("alice")
    review = make_review("p", alice)
    actor = {
        "author": alice,
        "stranger": make_user("s"),
        "staff_without_group": make_user("staff", is_staff=True),
    }[who]
    with pytest.raises(services.NotAllowed):
        services.review_flag(review=review, acting_user=actor)
    with pytest.raises(services.NotAllowed):
        services.review_unflag(review=review, acting_user=actor)
    with pytest.raises(services.NotAllowed):
        services.reports_dismiss(review=review, acting_user=actor)
    review.refresh_from_db()
    assert review.flagged is False


def test_unflag_by_moderator() -> None:
    review = make_review("p", make_user("alice"), flagged=True, flag_reason="spam")
    restored = services.review_unflag(review=review, acting_user=make_moderator())
    assert (restored.flagged, restored.flag_reason, restored.flagged_by) == (False, "", None)


def test_dismiss_closes_only_open_reports() -> None:
    moderator = make_moderator()
    review = make_review("p", make_user("alice"))
    services.report_create(review=review, reporter=make_user("r1"), reason="spam")
    services.report_create(review=review, reporter=make_user("r2"), reason="off_topic")
    assert services.reports_dismiss(review=review, acting_user=moderator) == 2
    assert services.reports_dismiss(review=review, acting_user=moderator) == 0
    assert set(Report.objects.values_list("status", "closed_by")) == {("dismissed", moderator.pk)}
    review.refresh_from_db()
    assert review.flagged is False


def test_predicates_for_anonymous_users() -> None:
    from django.contrib.auth.models import AnonymousUser

    anonymous = AnonymousUser()
    review = make_review("p", make_user("alice"))
    assert not services.can_moderate(anonymous)
    assert not services.can_review(anonymous)
    assert not services.can_delete_review(anonymous, review)
    assert not services.can_reply(anonymous, review, owner_id=1)
    assert not services.can_vote_helpful(anonymous, review)
    assert not services.can_report(anonymous, review)
    assert services.can_view_review(anonymous, review)
    assert not services.can_moderate(None)


def test_can_review_excludes_the_owner() -> None:
    owner = make_user("owner")
    assert not services.can_review(owner, owner_id=owner.pk)
    assert services.can_review(make_user(), owner_id=owner.pk)
    assert services.can_review(owner, owner_id=None)


def test_hidden_review_is_visible_to_author_and_moderators_only() -> None:
    alice = make_user("alice")
    review = make_review("p", alice, flagged=True)
    assert services.can_view_review(alice, review)
    assert services.can_view_review(make_moderator(), review)
    assert not services.can_view_review(make_user("bob"), review)


@pytest.mark.parametrize("rating", [0, 6])
def test_database_rejects_a_rating_outside_1_to_5(rating: int) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        make_review("p", make_user(), rating=rating)


def test_database_rejects_two_reviews_by_one_user() -> None:
    alice = make_user("alice")
    make_review("p", alice)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_review("p", alice)


def test_full_clean_reports_the_rating_constraint() -> None:
    from django.core.exceptions import ValidationError

    review = Review(plugin_name="p", user=make_user(), rating=9)
    with pytest.raises(ValidationError, match="between 1 and 5"):
        review.full_clean()


def test_database_rejects_an_overlong_comment() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        make_review("p", make_user(), comment="x" * 2001)


def test_created_at_moves_on_replace() -> None:
    alice = make_user("alice")
    review = make_review("p", alice)
    Review.objects.filter(pk=review.pk).update(created_at=timezone.now() - timedelta(days=3))
    replaced, _ = services.review_submit(plugin_name="p", user=alice, rating=2)
    assert replaced.created_at > timezone.now() - timedelta(minutes=1)


def test_blank_username_is_rejected(service: ReviewService) -> None:
    with pytest.raises(ValueError, match="needs a user"):
        service.add_review("p", "   ", 3)
    assert not Review.objects.exists()


def test_concurrent_first_review_is_replaced_not_duplicated(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    alice = make_user("alice")
    # Another request already inserted alice's review, but our first lookup missed it.
    make_review("p", alice, rating=1, comment="the other request")
    real_select_for_update = Review.objects.select_for_update
    lookups: list[int] = []

    def stale_first_lookup(*args: object, **kwargs: object) -> object:
        lookups.append(1)
        if len(lookups) == 1:
            return Review.objects.none()
        return real_select_for_update(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Review.objects, "select_for_update", stale_first_lookup)
    review, created = services.review_submit(plugin_name="p", user=alice, rating=5, comment="mine")
    assert created is False
    assert len(lookups) == 2
    assert list(Review.objects.values_list("rating", "comment")) == [(5, "mine")]
    assert review.pk == Review.objects.get().pk


def test_persistent_integrity_error_gives_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def failing_create(**fields: object) -> Review:
        raise IntegrityError("boom")

    monkeypatch.setattr(Review.objects, "create", failing_create)
    with pytest.raises(services.ReviewError, match="could not be saved"):
        services.review_submit(plugin_name="p", user=make_user("alice"), rating=5)


def test_model_strings_name_what_they_are() -> None:
    owner, alice = make_user("owner"), make_user("alice")
    review = make_review("p", alice, rating=3)
    reply = services.reply_save(review=review, acting_user=owner, owner_id=owner.pk, text="Hi")
    vote = services.helpful_vote_add(review=review, user=owner)
    report = services.report_create(review=review, reporter=owner, reason="off_topic")
    assert str(review) == "p: 3/5 by alice"
    assert str(reply) == f"Reply to review {review.pk}"
    assert str(vote) == f"Helpful: review {review.pk} by {owner.pk}"
    assert str(report) == f"Report on review {review.pk}: Off-topic"
