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
