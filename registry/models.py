from typing import Any

from django.conf import settings
from django.db import models

from marketplace_site.types import PluginManifest

YANK_REASON_MAX_LENGTH = 500

# What a result card shows. Any other field would cost a query per card: the query budgets in
# tests/security/test_query_budgets.py catch that.
LISTING_FIELDS = (
    "canonical_name",
    "display_name",
    "updated_at",
    "latest__version",
    "latest__description",
    "latest__keywords",
    "latest__author",
    "latest__yanked",  # a card marks a plugin whose every version is yanked
    "owner__username",
    "install_count",
    "installation_run_count",
    "trial_run_count",
)

# What a card itself shows (templates/includes/_plugin_card.html): the listing without the
# owner, so a page of cards does not join the accounts table.
CARD_FIELDS = tuple(field for field in LISTING_FIELDS if not field.startswith("owner__"))

# The browse page's orders: each is one index (Plugin.Meta.indexes), so a page of 100,000
# plugins is read from the index, not sorted. The name breaks ties so pages never overlap.
BROWSE_ORDERS: dict[str, tuple[str, ...]] = {
    "name": ("canonical_name",),
    "updated": ("-updated_at", "canonical_name"),
    "installs": ("-install_count", "canonical_name"),
}


# The plugins that browse lists: those with a version to show.
LISTED = models.Q(latest__isnull=False)


class PluginQuerySet(models.QuerySet["Plugin"]):
    def with_latest(self) -> "PluginQuerySet":
        return self.filter(latest__isnull=False).select_related("latest", "owner")

    def reserved(self) -> "PluginQuerySet":
        """Names whose owner removed every version: kept for that owner, not listed."""
        return self.filter(latest__isnull=True)

    def for_listing(self) -> "PluginQuerySet":
        """Plugins with only what a result card shows: no code, no dependencies, no account."""
        return self.with_latest().only(*LISTING_FIELDS)

    def by_name(self) -> "PluginQuerySet":
        return self.order_by(*BROWSE_ORDERS["name"])

    def recently_updated(self) -> "PluginQuerySet":
        return self.order_by(*BROWSE_ORDERS["updated"])

    def most_installed(self) -> "PluginQuerySet":
        return self.order_by(*BROWSE_ORDERS["installs"])


class Plugin(models.Model):
    canonical_name = models.CharField(max_length=100, unique=True)
    display_name = models.CharField(max_length=100, help_text="The name as first published.")
    lookalike = models.CharField(
        max_length=100,
        db_index=True,
        default="",
        help_text="The name as it looks: case, '-_.' and confusable characters folded "
        "(registry.names.lookalike).",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="plugins",
    )
    latest = models.ForeignKey(
        "PluginVersion",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The version shown by default: the highest stable one, else the highest.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now_add=True, db_index=True)
    removed_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When its owner removed the last version; the name stays reserved for them.",
    )
    # Counters kept by the integration layer as things happen (registry.services.count_*),
    # so that a page shows them and browse sorts by them without counting rows of other apps.
    install_count = models.PositiveBigIntegerField(
        default=0, help_text="Installations users hold now (not trial runs, not failed attempts)."
    )
    installation_run_count = models.PositiveBigIntegerField(
        default=0, help_text="Runs of users' installations: a host application's calls."
    )
    trial_run_count = models.PositiveBigIntegerField(
        default=0,
        help_text="Sandbox runs through Try it and the install workflow, failed ones too.",
    )

    objects = PluginQuerySet.as_manager()

    class Meta:
        ordering = ["canonical_name"]
        permissions = [("release_name", "Can release a reserved plugin name")]
        # Partial, on the plugins browse lists (those with a version), so that a page's ids
        # are read from the index alone however deep the page is. Each ends with the id, what
        # that read returns: PostgreSQL then answers from the index without visiting the
        # table (an index-only scan); SQLite keeps the row id in every index anyway.
        indexes = [
            models.Index(fields=[*fields, "id"], name=f"plugin_browse_{sort}", condition=LISTED)
            for sort, fields in BROWSE_ORDERS.items()
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(canonical_name=""), name="plugin_name_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return self.display_name


class PluginVersionQuerySet(models.QuerySet["PluginVersion"]):
    def newest_first(self) -> "PluginVersionQuerySet":
        return self.order_by("-precedence")

    def installable(self) -> "PluginVersionQuerySet":
        """Versions that "the latest" may be: not yanked (PEP 592)."""
        return self.filter(yanked=False)

    def recent_releases(self) -> "PluginVersionQuerySet":
        """Newest publish first, with the plugin: what a feed of releases lists."""
        return self.select_related("plugin").order_by("-published_at", "-pk")


class PluginVersion(models.Model):
    plugin = models.ForeignKey(Plugin, on_delete=models.CASCADE, related_name="versions")
    version = models.CharField(max_length=100, help_text="As the author wrote it.")
    precedence = models.CharField(
        max_length=1000,
        help_text="Digits that sort like the version (SemVer or PEP 440); equal for 1.0 and 1.0.0.",
    )
    is_prerelease = models.BooleanField(default=False)
    name = models.CharField(max_length=100, help_text="The name as written in this manifest.")
    entry_point = models.TextField()
    description = models.TextField(blank=True, default="")
    author = models.CharField(max_length=200, blank=True, default="")
    license = models.CharField(max_length=100, blank=True, default="")
    homepage = models.CharField(max_length=500, blank=True, default="")
    keywords = models.JSONField(default=list, blank=True)
    dependencies = models.JSONField(default=dict, blank=True)
    readme = models.TextField(blank=True, default="", help_text="Markdown, from the manifest.")
    changelog = models.TextField(
        blank=True, default="", help_text="Markdown: what changed in this version."
    )
    published_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # PEP 592: a yanked version stays listed, but nothing picks it unless pinned exactly.
    yanked = models.BooleanField(default=False)
    yanked_reason = models.CharField(max_length=YANK_REASON_MAX_LENGTH, blank=True, default="")
    yanked_at = models.DateTimeField(null=True, blank=True)

    objects = PluginVersionQuerySet.as_manager()

    class Meta:
        ordering = ["plugin", "precedence"]
        constraints = [
            models.UniqueConstraint(
                fields=["plugin", "precedence"], name="one_row_per_plugin_version"
            ),
            models.CheckConstraint(
                condition=models.Q(yanked=False) | models.Q(yanked_at__isnull=False),
                name="yanked_version_has_date",
            ),
        ]
        indexes = [models.Index(fields=["plugin", "is_prerelease", "precedence"])]

    def __str__(self) -> str:
        return f"{self.name} {self.version}"

    def to_manifest(self) -> PluginManifest:
        return PluginManifest(
            name=self.name,
            version=self.version,
            entry_point=self.entry_point,
            description=self.description,
            author=self.author,
            license=self.license,
            homepage=self.homepage,
            keywords=tuple(self.keywords),
            dependencies=dict(self.dependencies),
            readme=self.readme,
            changelog=self.changelog,
        )

    @classmethod
    def fields_from_manifest(cls, manifest: PluginManifest) -> dict[str, Any]:
        return {
            "name": manifest.name,
            "entry_point": manifest.entry_point,
            "description": manifest.description,
            "author": manifest.author,
            "license": manifest.license,
            "homepage": manifest.homepage,
            "keywords": list(manifest.keywords),
            "dependencies": dict(manifest.dependencies),
            "readme": manifest.readme,
            "changelog": manifest.changelog,
        }


class HeldVersionQuerySet(models.QuerySet["HeldVersion"]):
    def pending(self) -> "HeldVersionQuerySet":
        return self.filter(decision=HeldVersion.Decision.PENDING)


class HeldVersion(models.Model):
    """A publish under a new name one edit away from a popular plugin's name: it waits here,
    unpublished, until a moderator approves it (then it is published) or rejects it."""

    class Decision(models.TextChoices):
        PENDING = "pending", "Waiting for a moderator"
        APPROVED = "approved", "Approved and published"
        REJECTED = "rejected", "Rejected"

    canonical_name = models.CharField(max_length=100, db_index=True)
    version = models.CharField(max_length=100)
    manifest = models.JSONField(help_text="The manifest as submitted (PluginManifest.to_dict).")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="held_versions"
    )
    similar_to = models.CharField(
        max_length=100, help_text="The popular plugin whose name this one is one edit from."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decision = models.CharField(
        max_length=10, choices=Decision.choices, default=Decision.PENDING, db_index=True
    )
    decided_by = models.CharField(max_length=150, blank=True, default="")
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True, default="", help_text="Why it was rejected.")

    objects = HeldVersionQuerySet.as_manager()

    class Meta:
        ordering = ["created_at"]
        permissions = [("moderate_names", "Can approve or reject names held for review")]

    def __str__(self) -> str:
        return f"{self.manifest.get('name', self.canonical_name)} {self.version}"


class NameRelease(models.Model):
    """The audit entry of a reserved name an administrator released for anyone to take."""

    canonical_name = models.CharField(max_length=100, db_index=True)
    display_name = models.CharField(max_length=100)
    previous_owner = models.CharField(max_length=150, blank=True, default="")
    released_by = models.CharField(max_length=150)
    released_at = models.DateTimeField(auto_now_add=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    reviews_deleted = models.PositiveIntegerField(default=0)
    reason = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["-released_at"]

    def __str__(self) -> str:
        return f"{self.display_name} released by {self.released_by}"
