"""The site's own tables: API tokens for the JSON API, and the rate limits' counters."""

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import Exact

if TYPE_CHECKING:
    from django.contrib.auth.models import User

TOKEN_NAME_MAX_LENGTH = 100


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def active(self) -> "ApiTokenQuerySet":
        return self.filter(revoked_at__isnull=True)

    def for_user(self, user: "User") -> "ApiTokenQuerySet":
        return self.filter(user=user)


class ApiToken(models.Model):
    """A bearer token for the API: only the SHA-256 of the secret is stored.

    The token a user sends is ``mp_<prefix>_<secret>``; ``prefix`` is public (shown on the
    account page, used to find the row) and ``token_hash`` is the SHA-256 of the whole token.
    The secret has 256 bits of entropy, so a fast hash is enough (as GitHub and PyPI do).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=TOKEN_NAME_MAX_LENGTH, help_text="What the token is for.")
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "API token"
        constraints = [
            models.CheckConstraint(condition=~models.Q(name=""), name="api_token_name_not_empty"),
            models.CheckConstraint(
                condition=Exact(Length("token_hash"), 64), name="api_token_hash_is_sha256"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} (mp_{self.prefix}_…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def display_prefix(self) -> str:
        return f"mp_{self.prefix}_…"


class RateCounter(models.Model):
    """How many requests of one action one client made in one rate-limit window.

    A row per (action, client, window start), counted with an UPDATE of ``count + 1`` so that
    simultaneous requests each add one; rows go once their window has ended.
    """

    key = models.CharField(max_length=255, primary_key=True)
    count = models.PositiveIntegerField(default=0)
    window_ends = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"


class InstalledPlugin(models.Model):
    """A user's installation of a published plugin, pinned by its ``pins`` (the lock).

    Relates to the registry by plugin name, not by key (apps relate by name, STYLE.md 1): a
    pinned version may later be yanked or removed and the installation still runs the code
    it pinned. ``run_count`` counts runs of the installation (a host application's calls),
    apart from install and trial runs, which the sandbox app records.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="installations"
    )
    plugin_name = models.CharField(max_length=100, help_text="Canonical name.")
    version = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    run_count = models.PositiveBigIntegerField(default=0)
    last_run_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["plugin_name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "plugin_name"], name="one_installation_per_user"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.plugin_name} {self.version}"


class PinnedVersion(models.Model):
    """One plugin version of a lock: its code as pinned, and the SHA-256 (hex) of that code.

    The code is kept so the installation runs exactly it whatever happens to the registry;
    the hash is checked before every run, so code altered here is refused, not run.
    """

    installation = models.ForeignKey(InstalledPlugin, on_delete=models.CASCADE, related_name="pins")
    plugin_name = models.CharField(max_length=100, help_text="Canonical name.")
    display_name = models.CharField(max_length=100)
    version = models.CharField(max_length=64)
    is_root = models.BooleanField(default=False)
    sha256 = models.CharField(max_length=64)
    code = models.TextField()
    dependencies = models.JSONField(default=dict, help_text="Declared name -> constraint.")

    class Meta:
        ordering = ["-is_root", "plugin_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["installation", "plugin_name"], name="one_pin_per_plugin"
            ),
            models.CheckConstraint(
                condition=Exact(Length("sha256"), 64), name="pinned_version_sha256_length"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plugin_name} {self.version} ({self.sha256[:12]})"
