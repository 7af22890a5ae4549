"""The moderation queue: reviews with open reports first, and the actions moderators take.

Moderators (the ``moderators`` group: staff with ``reviews.moderate_review``) hide reviews,
restore them and dismiss reports. Every action goes through ``reviews.services`` and writes a
``LogEntry``, so a review's history shows who did what. Nobody edits a review's words here.
"""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse

from reviews import services
from reviews.models import FLAG_REASON_MAX_LENGTH, ModerationEvent, OwnerReply, Report, Review
from reviews.selectors import moderation_queue


class ModerationActionForm(ActionForm):
    """The action bar, with a reason that "Flag selected" records and shows the author."""

    reason = forms.CharField(
        required=False,
        max_length=FLAG_REASON_MAX_LENGTH,
        label="Reason (for Flag)",
        widget=forms.TextInput(attrs={"placeholder": "Why hide it (optional)"}),
    )


class OpenReportsFilter(admin.SimpleListFilter):
    title = "open reports"
    parameter_name = "reported"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Has open reports"), ("no", "No open reports")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "yes":
            return queryset.filter(open_report_count__gt=0)
        if self.value() == "no":
            return queryset.filter(open_report_count=0)
        return queryset


class ReportInline(admin.TabularInline[Report, Review]):
    model = Report
    fields = ("reporter", "reason", "text", "status", "created_at", "closed_by", "closed_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return services.can_moderate(request.user) or super().has_view_permission(request, obj)


class OwnerReplyInline(admin.StackedInline[OwnerReply, Review]):
    model = OwnerReply
    fields = ("author", "text", "updated_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return services.can_moderate(request.user) or super().has_view_permission(request, obj)


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin[Review]):
    list_display = (
        "plugin_name",
        "user",
        "rating",
        "short_comment",
        "open_reports",
        "flagged",
        "created_at",
    )
    list_display_links = ("plugin_name",)
    list_filter = ("flagged", OpenReportsFilter, "rating")
    search_fields = ("plugin_name", "user__username", "comment")
    list_select_related = ("user",)
    list_per_page = 50
    action_form = ModerationActionForm
    actions = ("flag_selected", "unflag_selected", "dismiss_reports")
    inlines = (ReportInline, OwnerReplyInline)
    fields = (
        "plugin_name",
        "user",
        "version",
        "rating",
        "comment",
        "flagged",
        "flag_reason",
        "flagged_by",
        "flagged_at",
        "created_at",
        "updated_at",
    )
    # A moderator hides a review; nobody rewrites what its author said.
    readonly_fields = fields

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        context = {
            "title": "Moderation queue: most reported reviews first",
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context=context)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Review]:
        return moderation_queue()

    def get_ordering(self, request: HttpRequest) -> tuple[str, ...]:
        return ("-open_report_count", "-created_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # reviews are written on the site, by their authors

    def has_moderate_permission(self, request: HttpRequest) -> bool:
        return services.can_moderate(request.user)

    @admin.display(description="open reports", ordering="open_report_count")
    def open_reports(self, review: Any) -> int:
        return int(review.open_report_count)

    @admin.display(description="comment")
    def short_comment(self, review: Review) -> str:
        comment = review.comment
        return comment if len(comment) <= 80 else comment[:79] + "…"

    def _log(self, request: HttpRequest, review: Review, message: str) -> None:
        self.log_change(request, review, message)

    @admin.action(description="Flag selected (hide from the public)", permissions=["moderate"])
    def flag_selected(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        reason = request.POST.get("reason", "").strip()[:FLAG_REASON_MAX_LENGTH]
        done = 0
        for review in queryset:
            flagged = services.review_flag(review=review, acting_user=request.user, reason=reason)
            self._log(request, flagged, f"Flagged (hidden): {flagged.flag_reason or 'no reason'}")
            done += 1
        self.message_user(request, f"Hid {done} review(s) from the public.", messages.SUCCESS)

    @admin.action(description="Unflag selected (show again)", permissions=["moderate"])
    def unflag_selected(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        done = 0
        for review in queryset:
            if not review.flagged:
                continue
            services.review_unflag(review=review, acting_user=request.user)
            self._log(request, review, "Unflagged (shown again).")
            done += 1
        self.message_user(request, f"Restored {done} review(s).", messages.SUCCESS)

    @admin.action(description="Dismiss reports", permissions=["moderate"])
    def dismiss_reports(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        total = 0
        for review in queryset:
            closed = services.reports_dismiss(review=review, acting_user=request.user)
            if closed:
                self._log(request, review, f"Dismissed {closed} open report(s).")
            total += closed
        self.message_user(request, f"Dismissed {total} open report(s).", messages.SUCCESS)


@admin.register(ModerationEvent)
class ModerationEventAdmin(admin.ModelAdmin[ModerationEvent]):
    """The audit trail: who hid, restored or cleared which review, when and why. Read-only:
    the services write it with each decision, and nobody edits history."""

    list_display = (
        "created_at",
        "moderator",
        "action",
        "plugin_name",
        "review_author",
        "reason",
        "reports_closed",
        "review_link",
    )
    list_display_links = ("created_at",)
    list_filter = ("action", "moderator", "created_at", "plugin_name")
    search_fields = ("plugin_name", "review_author", "reason", "moderator__username")
    date_hierarchy = "created_at"
    list_select_related = ("moderator", "review")
    readonly_fields = (
        "created_at",
        "moderator",
        "action",
        "plugin_name",
        "review_author",
        "review",
        "reason",
        "reports_closed",
    )
    fields = readonly_fields
    ordering = ("-created_at", "-pk")

    @admin.display(description="review")
    def review_link(self, event: ModerationEvent) -> str:
        return "deleted" if event.review_id is None else f"#{event.review_id}"

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        context = {"title": "Moderation audit trail: newest first", **(extra_context or {})}
        return super().changelist_view(request, extra_context=context)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
