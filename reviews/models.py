"""Reviews of plugins, owners' replies, helpful votes and reports to moderators.

A review names its plugin by canonical name (``marketplace_site.types.canonical_name``), not by
a foreign key into ``registry``: the apps relate by name, so their migrations and deletes stay
independent.
"""

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, Length
from django.db.models.lookups import LessThanOrEqual

from marketplace_site.types import canonical_name

if TYPE_CHECKING:
    from django.contrib.auth.models import User

RATING_MIN = 1
RATING_MAX = 5
COMMENT_MAX_LENGTH = 2000
REPLY_MAX_LENGTH = 2000
REPORT_TEXT_MAX_LENGTH = 500
FLAG_REASON_MAX_LENGTH = 200
VERSION_MAX_LENGTH = 100


def _count_of(queryset: models.QuerySet[Any], field: str) -> Coalesce:
    """A correlated ``COUNT(*)`` subquery: no join, so several counts can be combined."""
    counted = queryset.order_by().values(field).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=models.IntegerField()), 0)


class ReviewQuerySet(models.QuerySet["Review"]):
    def visible(self) -> "ReviewQuerySet":
        """What the public sees: reviews a moderator has not hidden."""
        return self.filter(flagged=False)

    def flagged(self) -> "ReviewQuerySet":
        return self.filter(flagged=True)

    def for_plugin(self, name: str) -> "ReviewQuerySet":
        return self.filter(plugin_name=canonical_name(name))

    def by_user(self, user: "str | User") -> "ReviewQuerySet":
        if isinstance(user, str):
            return self.filter(user__username=user)
        return self.filter(user=user)

    def newest_first(self) -> "ReviewQuerySet":
        return self.order_by("-created_at", "-pk")

    def with_open_report_count(self) -> "ReviewQuerySet":
        reports = Report.objects.filter(review=OuterRef("pk"), status=Report.Status.OPEN)
        return self.annotate(open_report_count=_count_of(reports, "review"))

    def with_report_count(self) -> "ReviewQuerySet":
        reports = Report.objects.filter(review=OuterRef("pk"))
        return self.annotate(report_count=_count_of(reports, "review"))

    def with_helpful_count(self) -> "ReviewQuerySet":
        votes = HelpfulVote.objects.filter(review=OuterRef("pk"))
        return self.annotate(helpful_count=_count_of(votes, "review"))

    def most_helpful_first(self) -> "ReviewQuerySet":
        return self.with_helpful_count().order_by(F("helpful_count").desc(), "-created_at", "-pk")


class Review(models.Model):
    plugin_name = models.CharField(
        max_length=100, db_index=True, help_text="The plugin's canonical name."
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviews"
    )
    version = models.CharField(
        max_length=VERSION_MAX_LENGTH, blank=True, default="", help_text="The version reviewed."
    )
    rating = models.PositiveSmallIntegerField(help_text="1 to 5 stars.")
    comment = models.TextField(blank=True, default="", max_length=COMMENT_MAX_LENGTH)
    flagged = models.BooleanField(default=False, help_text="Hidden from the public.")
    flag_reason = models.CharField(max_length=FLAG_REASON_MAX_LENGTH, blank=True, default="")
    flagged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    flagged_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(
        auto_now_add=True, help_text="When the review as it stands was written."
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = ReviewQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        permissions = [("moderate_review", "Can moderate reviews")]
        constraints = [
            models.UniqueConstraint(fields=["user", "plugin_name"], name="one_review_per_user"),
            models.CheckConstraint(
                condition=Q(rating__gte=RATING_MIN, rating__lte=RATING_MAX),
                name="review_rating_1_to_5",
                violation_error_message="The rating must be between 1 and 5.",
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("comment"), COMMENT_MAX_LENGTH),
                name="review_comment_length",
            ),
            models.CheckConstraint(condition=~Q(plugin_name=""), name="review_plugin_not_empty"),
        ]
        indexes = [models.Index(fields=["plugin_name", "flagged", "created_at"])]

    def __str__(self) -> str:
        # The admin's titles and its history (LogEntry.object_repr) read this: names, not ids.
        return f"{self.plugin_name}: {self.rating}/5 by {self.user.get_username()}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.plugin_name = canonical_name(self.plugin_name)
        super().save(*args, **kwargs)


class OwnerReply(models.Model):
    """The plugin owner's one public answer to a review."""

    review = models.OneToOneField(Review, on_delete=models.CASCADE, related_name="reply")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField(max_length=REPLY_MAX_LENGTH)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "owner replies"
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="reply_not_empty"),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("text"), REPLY_MAX_LENGTH),
                name="reply_text_length",
            ),
        ]

    def __str__(self) -> str:
        return f"Reply to review {self.review_id}"


class HelpfulVote(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="helpful_votes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["review", "user"], name="one_helpful_vote_per_user"),
        ]

    def __str__(self) -> str:
        return f"Helpful: review {self.review_id} by {self.user_id}"


class ReportReason(models.TextChoices):
    SPAM = "spam", "Spam"
    ABUSE = "abuse", "Abusive or offensive"
    OFF_TOPIC = "off_topic", "Off-topic"
    OTHER = "other", "Other"


class ReportStatus(models.TextChoices):
    OPEN = "open", "Open"
    DISMISSED = "dismissed", "Dismissed"
    RESOLVED = "resolved", "Resolved (review hidden)"


class Report(models.Model):
    """A signed-in user's complaint about a review, for moderators to act on."""

    Reason = ReportReason
    Status = ReportStatus

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    reason = models.CharField(max_length=20, choices=ReportReason.choices)
    text = models.TextField(blank=True, default="", max_length=REPORT_TEXT_MAX_LENGTH)
    status = models.CharField(
        max_length=20, choices=ReportStatus.choices, default=ReportStatus.OPEN, db_index=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["review", "reporter"], name="one_report_per_user"),
            models.CheckConstraint(
                condition=Q(reason__in=ReportReason.values),
                name="report_reason_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=ReportStatus.values),
                name="report_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"Report on review {self.review_id}: {self.get_reason_display()}"


class ModerationAction(models.TextChoices):
    HIDDEN = "hidden", "Hid the review"
    RESTORED = "restored", "Restored the review"
    REPORTS_DISMISSED = "reports_dismissed", "Dismissed its reports"


class ModerationEvent(models.Model):
    """One moderator decision, kept for the audit trail: who did what to which review, when, why.

    Written by ``reviews.services`` in the same transaction as the decision, whichever door it
    came through (the admin or the plugin page). The review's plugin and author are copied, so
    the trail still reads after the review is deleted.
    """

    Action = ModerationAction

    review = models.ForeignKey(
        Review, null=True, blank=True, on_delete=models.SET_NULL, related_name="moderation_events"
    )
    plugin_name = models.CharField(max_length=100, db_index=True)
    review_author = models.CharField(max_length=150, help_text="The review's author's username.")
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(max_length=20, choices=ModerationAction.choices)
    reason = models.CharField(max_length=FLAG_REASON_MAX_LENGTH, blank=True, default="")
    reports_closed = models.PositiveIntegerField(
        default=0, help_text="Open reports this decision closed."
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(action__in=ModerationAction.values),
                name="moderation_event_action_valid",
            ),
        ]

    def __str__(self) -> str:
        who = self.moderator.get_username() if self.moderator else "(deleted user)"
        action = self.get_action_display().lower()
        return f"{who}: {action} of {self.plugin_name} by {self.review_author}"
