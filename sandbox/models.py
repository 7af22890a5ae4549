"""Every plugin run made through the site."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class SandboxRunQuerySet(models.QuerySet["SandboxRun"]):
    """Vocabulary for selecting runs; no side effects."""

    def for_plugin(self, name: str) -> "SandboxRunQuerySet":
        from marketplace_site.types import canonical_name

        return self.filter(plugin_name=canonical_name(name))

    def failed(self) -> "SandboxRunQuerySet":
        return self.filter(success=False)

    def timed_out(self) -> "SandboxRunQuerySet":
        return self.filter(timed_out=True)


class SandboxRun(models.Model):
    """One run of a plugin version's entry point in the sandbox."""

    # The plugin by canonical name, not a foreign key: apps relate by name (STYLE.md 1).
    plugin_name = models.CharField(max_length=100, db_index=True)
    version = models.CharField(max_length=64)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sandbox_runs",
    )
    success = models.BooleanField()
    timed_out = models.BooleanField(default=False)
    duration_ms = models.FloatField(help_text="Wall-clock time of the run, in milliseconds.")
    memory_bytes = models.PositiveBigIntegerField(
        default=0, help_text="Peak resident memory of the run's process."
    )
    error = models.TextField(blank=True)
    stdout_excerpt = models.TextField(blank=True)
    output_excerpt = models.TextField(blank=True, help_text="The output as JSON, shortened.")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = SandboxRunQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["plugin_name", "-created_at"], name="sandboxrun_plugin_idx")
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(duration_ms__gte=0), name="sandboxrun_duration_nonnegative"
            ),
            models.CheckConstraint(
                condition=~(models.Q(timed_out=True) & models.Q(success=True)),
                name="sandboxrun_timed_out_is_failure",
            ),
        ]

    def __str__(self) -> str:
        outcome = "ok" if self.success else ("timed out" if self.timed_out else "failed")
        return f"{self.plugin_name} {self.version}: {outcome}"
