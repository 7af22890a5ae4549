"""Writing reviews: add or replace, delete, reply, vote, report and moderate.

``ReviewService`` implements the ``Reviews`` Protocol of CONTRACTS.md. The keyword-only
functions below it are what the pages and the admin call; each checks its permission
predicate and raises a ``ReviewError`` subclass a view can map to a message or a 403.
Reading (summaries, pages of reviews) lives in ``reviews.selectors``.
"""

from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from marketplace_site.types import Forbidden, MarketplaceError, canonical_name
from marketplace_site.types import Review as ReviewValue
from reviews.models import (
    COMMENT_MAX_LENGTH,
    FLAG_REASON_MAX_LENGTH,
    RATING_MAX,
    RATING_MIN,
    REPLY_MAX_LENGTH,
    REPORT_TEXT_MAX_LENGTH,
    VERSION_MAX_LENGTH,
    HelpfulVote,
    ModerationEvent,
    OwnerReply,
    Report,
    Review,
    ReviewQuerySet,
)
from reviews.selectors import rating_summary

MODERATE_PERMISSION = "reviews.moderate_review"


class ReviewError(MarketplaceError):
    """A review action that cannot be done as asked; the message says why."""

    code = "review_error"


class InvalidReview(ReviewError, ValueError):
    """Bad input: a rating outside 1-5, a comment too long, an empty reason..."""

    code = "invalid_review"

    def __init__(self, message: str, *, field: str = "__all__", code: str = "invalid") -> None:
        self.field = field
        self.code = code
        super().__init__(message)

    @property
    def detail(self) -> str | dict[str, str]:
        return {self.field: self.message}


class ReviewNotFound(ReviewError, LookupError):
    code = "review_not_found"
    http_status = 404

    def __init__(self, review_id: object) -> None:
        self.review_id = review_id
        super().__init__(f"There is no review {review_id!r}; it may have been deleted.")


class NotAllowed(ReviewError, Forbidden):
    """The acting user may not do this (a view answers 403)."""

    code = "forbidden"


class OwnPluginReview(NotAllowed):
    """A plugin's owner tried to review it (see ``can_review``)."""

    code = "own_plugin"

    def __init__(self) -> None:
        super().__init__("You own this plugin, so you cannot review it.")


class AlreadyReported(ReviewError):
    code = "already_reported"

    def __init__(self) -> None:
        super().__init__("You have already reported this review; a moderator will look at it.")


class AlreadyVoted(ReviewError):
    code = "already_voted"

    def __init__(self) -> None:
        super().__init__("You have already marked this review as helpful.")


def _signed_in(user: Any) -> bool:
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and getattr(user, "is_active", False)
    )


def can_moderate(user: Any) -> bool:
    """Moderators (the ``moderators`` group) and superusers hide reviews and handle reports."""
    return _signed_in(user) and bool(user.has_perm(MODERATE_PERMISSION))


def can_review(user: Any, *, owner_id: int | None = None) -> bool:
    """Anyone signed in, except the plugin's owner (``owner_id`` comes from the registry)."""
    return _signed_in(user) and (owner_id is None or owner_id != user.pk)


def can_delete_review(user: Any, review: Review) -> bool:
    """The author deletes their own review; a superuser may delete any."""
    return _signed_in(user) and (review.user_id == user.pk or bool(user.is_superuser))


def can_reply(user: Any, review: Review, *, owner_id: int | None) -> bool:
    """Only the plugin's owner answers a review, and not their own."""
    return (
        _signed_in(user)
        and owner_id is not None
        and owner_id == user.pk
        and review.user_id != user.pk
    )


def can_vote_helpful(user: Any, review: Review, *, owner_id: int | None = None) -> bool:
    """Anyone signed in, except the review's author and the plugin's owner (``owner_id``
    comes from the registry): an owner's vote would rank the praise of their own plugin."""
    return (
        _signed_in(user) and review.user_id != user.pk and (owner_id is None or owner_id != user.pk)
    )


def can_report(user: Any, review: Review) -> bool:
    return _signed_in(user) and review.user_id != user.pk


def can_view_review(user: Any, review: Review) -> bool:
    """A hidden review is seen only by its author and moderators."""
    if not review.flagged:
        return True
    return _signed_in(user) and (review.user_id == user.pk or can_moderate(user))


def to_value(review: Review) -> ReviewValue:
    """The contract's immutable ``Review`` for a row."""
    return ReviewValue(
        id=review.pk,
        plugin_name=review.plugin_name,
        user=review.user.get_username(),
        rating=review.rating,
        comment=review.comment,
        flagged=review.flagged,
        flag_reason=review.flag_reason,
        created_at=review.created_at,
    )


def check_rating(rating: object) -> int:
    if isinstance(rating, bool) or not isinstance(rating, int):
        raise InvalidReview(
            f"The rating must be a whole number from {RATING_MIN} to {RATING_MAX}, not {rating!r}.",
            field="rating",
            code="invalid_rating",
        )
    if not RATING_MIN <= rating <= RATING_MAX:
        raise InvalidReview(
            f"The rating must be from {RATING_MIN} to {RATING_MAX} stars; "
            f"{rating} is outside that range.",
            field="rating",
            code="rating_out_of_range",
        )
    return rating


def _check_length(value: str, limit: int, *, field: str, label: str) -> str:
    if len(value) > limit:
        raise InvalidReview(
            f"The {label} is {len(value)} characters long; the limit is {limit}.",
            field=field,
            code=f"{field}_too_long",
        )
    return value


def check_comment(comment: str) -> str:
    """A review's comment, stripped; ``InvalidReview`` past ``COMMENT_MAX_LENGTH``."""
    return _check_length(
        (comment or "").strip(), COMMENT_MAX_LENGTH, field="comment", label="comment"
    )


def check_reply(text: str) -> str:
    """An owner's reply, stripped: required, at most ``REPLY_MAX_LENGTH``."""
    text = (text or "").strip()
    if not text:
        raise InvalidReview("Write a reply before posting it.", field="text", code="required")
    return _check_length(text, REPLY_MAX_LENGTH, field="text", label="reply")


def check_report(reason: str, text: str) -> tuple[str, str]:
    """A report's reason and text, stripped: a listed reason, and text for "other"."""
    reason = (reason or "").strip()
    text = (text or "").strip()
    if not reason:
        raise InvalidReview(
            "Choose why you are reporting this review.", field="reason", code="reason_required"
        )
    if reason not in Report.Reason.values:
        raise InvalidReview(
            f"{reason!r} is not a reason for a report.", field="reason", code="invalid_reason"
        )
    if reason == Report.Reason.OTHER and not text:
        raise InvalidReview(
            "Say what is wrong with this review.", field="text", code="text_required"
        )
    return reason, _check_length(text, REPORT_TEXT_MAX_LENGTH, field="text", label="explanation")


def _resolve_user(user: Any) -> Any:
    """A User for a User, or for a username (created, without a password, when new).

    The contract's ``add_review`` names reviewers by username; callers outside the site (and
    its tests) may name one that has no account yet.
    """
    if not isinstance(user, str):
        if not _signed_in(user):
            raise NotAllowed("Sign in to review plugins.")
        return user
    username = user.strip()
    if not username:
        raise InvalidReview("A review needs a user.", field="user", code="user_required")
    user_model = get_user_model()
    existing = user_model._default_manager.filter(**{user_model.USERNAME_FIELD: username}).first()
    if existing is not None:
        return existing
    created = user_model(**{user_model.USERNAME_FIELD: username})
    created.set_unusable_password()
    created.save()
    return created


def _lookup_user(user: Any) -> Any | None:
    if not isinstance(user, str):
        return user
    user_model = get_user_model()
    return user_model._default_manager.filter(**{user_model.USERNAME_FIELD: user}).first()


def _get_for_update(review_id: Any) -> Review:
    try:
        return Review.objects.select_related("user").select_for_update().get(pk=review_id)
    except (Review.DoesNotExist, ValueError, TypeError) as error:
        raise ReviewNotFound(review_id) from error


def review_submit(
    *,
    plugin_name: str,
    user: Any,
    rating: object,
    comment: str = "",
    version: str = "",
) -> tuple[Review, bool]:
    """Add a review, or replace the user's earlier review of the plugin; (review, created).

    Replacing keeps the row (so the owner's reply, votes and reports stay attached) and a
    moderator's decision: a hidden review stays hidden when its author rewrites it. The
    review counts as written now, so it sorts as the newest.
    """
    rating = check_rating(rating)
    comment = check_comment(comment)
    version = _check_length(
        (version or "").strip(), VERSION_MAX_LENGTH, field="version", label="version"
    )
    name = canonical_name(plugin_name or "")
    if not name:
        raise InvalidReview(
            "Name the plugin you are reviewing.", field="plugin_name", code="plugin_required"
        )
    reviewer = _resolve_user(user)
    fields = {"rating": rating, "comment": comment, "version": version}
    for _attempt in range(2):
        try:
            with transaction.atomic():
                review = (
                    Review.objects.select_for_update()
                    .filter(user=reviewer, plugin_name=name)
                    .first()
                )
                if review is None:
                    review = Review.objects.create(user=reviewer, plugin_name=name, **fields)
                    return review, True
                for key, value in fields.items():
                    setattr(review, key, value)
                review.created_at = timezone.now()
                review.save(update_fields=[*fields, "created_at", "updated_at"])
                return review, False
        except IntegrityError:
            # A concurrent first review by the same user won; replace it instead.
            continue
    raise ReviewError("Your review could not be saved; please try again.")


def review_delete(*, review: Review, acting_user: Any) -> None:
    if not can_delete_review(acting_user, review):
        raise NotAllowed("Only the review's author can delete it.")
    review.delete()


def review_flag(*, review: Review, acting_user: Any, reason: str = "") -> Review:
    """Hide a review (a moderator's decision); its open reports are resolved."""
    if not can_moderate(acting_user):
        raise NotAllowed("Only moderators can hide reviews.")
    return _flag(review.pk, reason=reason, acting_user=acting_user)


def review_unflag(*, review: Review, acting_user: Any) -> Review:
    if not can_moderate(acting_user):
        raise NotAllowed("Only moderators can restore hidden reviews.")
    return _unflag(review.pk, acting_user=acting_user)


def reports_dismiss(*, review: Review, acting_user: Any) -> int:
    """Close a review's open reports without hiding it; the number closed."""
    if not can_moderate(acting_user):
        raise NotAllowed("Only moderators can dismiss reports.")
    with transaction.atomic():
        closed = Report.objects.filter(review=review, status=Report.Status.OPEN).update(
            status=Report.Status.DISMISSED, closed_at=timezone.now(), closed_by=acting_user
        )
        if closed:
            _record(review, ModerationEvent.Action.REPORTS_DISMISSED, acting_user, closed=closed)
    return closed


def _record(
    review: Review, action: str, acting_user: Any, *, reason: str = "", closed: int = 0
) -> None:
    """One row of the audit trail (``ModerationEvent``), inside the decision's transaction."""
    ModerationEvent.objects.create(
        review=review,
        plugin_name=review.plugin_name,
        review_author=review.user.get_username(),
        moderator=acting_user if _signed_in(acting_user) else None,
        action=action,
        reason=reason,
        reports_closed=closed,
    )


def _default_flag_reason(review_id: int) -> str:
    reasons = list(
        Report.objects.filter(review_id=review_id, status=Report.Status.OPEN).values_list(
            "reason", flat=True
        )
    )
    if not reasons:
        return ""
    most_common = max(set(reasons), key=lambda value: (reasons.count(value), value))
    return f"Reported as {Report.Reason(most_common).label.lower()}"


def _flag(review_id: Any, *, reason: str, acting_user: Any = None) -> Review:
    reason = (reason or "").strip()
    _check_length(reason, FLAG_REASON_MAX_LENGTH, field="reason", label="reason")
    with transaction.atomic():
        review = _get_for_update(review_id)
        review.flagged = True
        review.flag_reason = reason or _default_flag_reason(review.pk)
        review.flagged_by = acting_user if _signed_in(acting_user) else None
        review.flagged_at = timezone.now()
        review.save(
            update_fields=["flagged", "flag_reason", "flagged_by", "flagged_at", "updated_at"]
        )
        closed = Report.objects.filter(review=review, status=Report.Status.OPEN).update(
            status=Report.Status.RESOLVED, closed_at=review.flagged_at, closed_by=review.flagged_by
        )
        _record(
            review,
            ModerationEvent.Action.HIDDEN,
            acting_user,
            reason=review.flag_reason,
            closed=closed,
        )
    return review


def _unflag(review_id: Any, *, acting_user: Any = None) -> Review:
    with transaction.atomic():
        review = _get_for_update(review_id)
        review.flagged = False
        review.flag_reason = ""
        review.flagged_by = None
        review.flagged_at = None
        review.save(
            update_fields=["flagged", "flag_reason", "flagged_by", "flagged_at", "updated_at"]
        )
        _record(review, ModerationEvent.Action.RESTORED, acting_user)
    return review


def reply_save(*, review: Review, acting_user: Any, owner_id: int | None, text: str) -> OwnerReply:
    """Post or edit the owner's one reply to a review."""
    if not can_reply(acting_user, review, owner_id=owner_id):
        raise NotAllowed("Only the plugin's owner can reply to its reviews.")
    text = check_reply(text)
    reply, _ = OwnerReply.objects.update_or_create(
        review=review, defaults={"text": text, "author": acting_user}
    )
    return reply


def helpful_vote_add(*, review: Review, user: Any, owner_id: int | None = None) -> HelpfulVote:
    """One helpful vote per user per review; ``NotAllowed`` for the review's author and for the
    plugin's owner (``owner_id``), ``AlreadyVoted``, ``ReviewNotFound`` for a hidden review."""
    if _signed_in(user) and owner_id is not None and owner_id == user.pk:
        raise NotAllowed("You own this plugin, so you cannot mark its reviews helpful.")
    if not can_vote_helpful(user, review, owner_id=owner_id):
        raise NotAllowed("You cannot mark your own review as helpful.")
    if review.flagged:
        raise ReviewNotFound(review.pk)
    try:
        with transaction.atomic():
            return HelpfulVote.objects.create(review=review, user=user)
    except IntegrityError as error:
        raise AlreadyVoted() from error


def report_create(*, review: Review, reporter: Any, reason: str, text: str = "") -> Report:
    """One report per user per review; the reason is required, and text for "other"."""
    if not can_report(reporter, review):
        raise NotAllowed("You cannot report your own review.")
    reason, text = check_report(reason, text)
    if Report.objects.filter(review=review, reporter=reporter).exists():
        raise AlreadyReported()
    try:
        with transaction.atomic():
            return Report.objects.create(review=review, reporter=reporter, reason=reason, text=text)
    except IntegrityError as error:
        raise AlreadyReported() from error


def _plugin_reviews(plugin_name: str, include_flagged: bool) -> ReviewQuerySet:
    reviews = Review.objects.for_plugin(plugin_name)
    if not include_flagged:
        reviews = reviews.visible()
    return reviews.select_related("user").newest_first()


class ReviewService:
    """Implements the ``Reviews`` Protocol of CONTRACTS.md."""

    def add_review(
        self, plugin_name: str, user: Any, rating: int, comment: str = ""
    ) -> ReviewValue:
        review, _ = review_submit(
            plugin_name=plugin_name, user=user, rating=rating, comment=comment
        )
        return to_value(review)

    def flag(self, review_id: int, reason: str = "") -> ReviewValue:
        return to_value(_flag(review_id, reason=reason))

    def unflag(self, review_id: int) -> ReviewValue:
        return to_value(_unflag(review_id))

    def average_rating(self, plugin_name: str) -> float | None:
        return rating_summary(plugin_name=plugin_name).average

    def for_plugin(self, plugin_name: str, include_flagged: bool = False) -> list[ReviewValue]:
        return [to_value(r) for r in _plugin_reviews(plugin_name, include_flagged)]

    def for_plugin_page(
        self, plugin_name: str, *, offset: int, limit: int
    ) -> tuple[list[ReviewValue], int]:
        """One page of a plugin's visible reviews, newest first, and how many there are."""
        reviews = _plugin_reviews(plugin_name, include_flagged=False)
        return [to_value(r) for r in reviews[offset : offset + limit]], reviews.count()

    def by_user(self, user: Any) -> list[ReviewValue]:
        """Every review the user wrote, hidden ones included (``flagged`` says so)."""
        reviewer = _lookup_user(user)
        if reviewer is None:
            return []
        reviews = Review.objects.by_user(reviewer).select_related("user").newest_first()
        return [to_value(r) for r in reviews]

    def flagged(self, plugin_name: str | None = None) -> list[ReviewValue]:
        reviews = Review.objects.flagged()
        if plugin_name is not None:
            reviews = reviews.for_plugin(plugin_name)
        return [to_value(r) for r in reviews.select_related("user").newest_first()]


def reviews_delete_for_name(*, plugin_name: str) -> int:
    """Delete every review of a plugin name (with replies, votes and reports): what releasing
    a reserved name does, so that reviews never pass to the name's next owner. Returns how
    many reviews there were; the caller checks who may release the name."""
    reviews = Review.objects.for_plugin(plugin_name)
    count = reviews.count()
    reviews.delete()
    return count
