"""Sandbox runs in the admin: browsable and read-only, with the machine's isolation level."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse

from sandbox.models import SandboxRun


@admin.register(SandboxRun)
class SandboxRunAdmin(admin.ModelAdmin[SandboxRun]):
    list_display = (
        "created_at",
        "plugin_name",
        "version",
        "user",
        "success",
        "timed_out",
        "duration_ms",
        "memory_bytes",
        "short_error",
    )
    list_filter = ("success", "timed_out", "created_at", "plugin_name")
    search_fields = ("plugin_name", "version", "error", "stdout_excerpt", "user__username")
    date_hierarchy = "created_at"
    list_select_related = ("user",)
    readonly_fields = [field.name for field in SandboxRun._meta.fields]
    ordering = ("-created_at", "-id")

    @admin.display(description="error")
    def short_error(self, run: SandboxRun) -> str:
        return run.error[:80]

    # Runs are a record of what happened: nobody adds, edits or deletes them by hand.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: SandboxRun | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: SandboxRun | None = None) -> bool:
        return False

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        from sandbox.services import SandboxService

        report = SandboxService().isolation()
        extra_context = {
            **(extra_context or {}),
            "title": f"Sandbox runs — isolation: {report.level}",
            "subtitle": report.summary,
        }
        return super().changelist_view(request, extra_context=extra_context)
