"""Request and response bodies; django-ninja derives validation and the OpenAPI schema from them.

Input schemas check types only where the manifest parser (``PluginManifest.from_dict``, the same
one the publish form uses) checks the rest, so both report the same field errors.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

from ninja import Schema
from ninja.params.functions import Path
from pydantic import Field, model_validator

from marketplace_site.actions.installations import OutdatedRow, UpgradePlan
from marketplace_site.actions.marketplace import YankedChoice
from marketplace_site.types import (
    DependencyNode,
    Installation,
    InstallResult,
    PluginManifest,
    SandboxResult,
)
from marketplace_site.types import Review as ReviewValue
from registry.models import YANK_REASON_MAX_LENGTH
from registry.names import HeldForReview
from reviews.models import COMMENT_MAX_LENGTH, RATING_MAX, RATING_MIN

MAX_PAGE_SIZE = 100
MAX_OFFSET = 1_000_000
QUERY_MAX_LENGTH = 200
NAME_PARAM_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$"
VERSION_PARAM_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9.+!_-]{0,99}$"

NameParam = Path(..., pattern=NAME_PARAM_PATTERN, description="A plugin name (any spelling).")
VersionParam = Path(..., pattern=VERSION_PARAM_PATTERN, description="A version, e.g. 1.0.0.")


class ManifestIn(Schema):
    """A plugin manifest, as in a manifest file; only name, version and entry_point are required."""

    name: str = Field(description="Letters, digits, '-', '_' and '.'; at most 100 characters.")
    version: str = Field(description="A PEP 440 version such as 1.0.0 or 2.1.0rc1.")
    entry_point: str = Field(description="The plugin's Python source, run in the sandbox.")
    description: str = ""
    author: str = ""
    license: str = ""
    homepage: str = Field("", description="An http:// or https:// address, or empty.")
    keywords: list[str] = Field(default_factory=list, description="At most 20 keywords.")
    dependencies: dict[str, str] = Field(
        default_factory=dict, description="Plugin name -> version constraint (PEP 440 or npm)."
    )
    readme: str = Field(
        "",
        description="Markdown shown on the plugin page: at most 64 KiB of UTF-8;"
        " raw HTML in it is shown as text.",
    )
    changelog: str = Field(
        "", description="Markdown: what changed in this version (at most 16 KiB of UTF-8)."
    )

    def manifest_data(self) -> dict[str, Any]:
        return self.model_dump()


class ReviewIn(Schema):
    rating: int = Field(ge=RATING_MIN, le=RATING_MAX, strict=True, description="1 to 5 stars.")
    comment: str = Field("", max_length=COMMENT_MAX_LENGTH)


class InstallIn(Schema):
    """Either ``manifest`` (publish it, then install) or ``name`` (and optionally ``version``)
    of a published plugin; ``context`` becomes the plugin code's global variables."""

    manifest: ManifestIn | None = None
    name: str | None = Field(None, max_length=100)
    version: str | None = Field(None, max_length=100)
    context: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def one_source(self) -> "InstallIn":
        if (self.manifest is None) == (self.name is None):
            raise ValueError("Give either a manifest or the name of a published plugin.")
        if self.version is not None and self.name is None:
            raise ValueError("A version needs a name.")
        return self


class ManifestOut(Schema):
    name: str
    version: str
    entry_point: str
    description: str
    author: str
    license: str
    homepage: str
    keywords: list[str]
    dependencies: dict[str, str]
    readme: str = Field(description="Markdown, as published.")
    changelog: str = Field(description="Markdown, as published.")

    @classmethod
    def of(cls, manifest: PluginManifest) -> "ManifestOut":
        return cls(**manifest.to_dict())


INSTALLS_DOC = "Installations users hold now (trial runs and failed attempts excluded)."
INSTALLATION_RUNS_DOC = "Runs of users' installations: a host application's calls."
TRIAL_RUNS_DOC = "Try it and install-workflow runs in the sandbox, failed ones included."


class PluginSummaryOut(Schema):
    name: str
    canonical_name: str
    latest_version: str
    latest_yanked: bool = Field(
        False,
        description="True only when every version is yanked (PEP 592): the latest shown is"
        " then a yanked one, which nothing installs unless pinned exactly.",
    )
    description: str
    author: str
    keywords: list[str]
    owner: str | None
    updated_at: datetime
    installs: int = Field(description=INSTALLS_DOC)
    installation_runs: int = Field(description=INSTALLATION_RUNS_DOC)
    trial_runs: int = Field(description=TRIAL_RUNS_DOC)


class PluginListOut(Schema):
    count: int
    offset: int
    limit: int
    items: list[PluginSummaryOut]


class SearchOut(PluginListOut):
    suggestion: str | None = Field(
        description=(
            "When few plugins match: the query with each unknown word replaced by the nearest"
            " plugin name or keyword (typo-tolerant, e.g. `chart` for `chrat`); else null."
        )
    )


class PluginDetailOut(Schema):
    name: str
    canonical_name: str
    owner: str | None
    latest: ManifestOut
    versions: list[str] = Field(description="Every version, ascending by precedence.")
    average_rating: float | None
    created_at: datetime
    updated_at: datetime
    installs: int = Field(description=INSTALLS_DOC)
    installation_runs: int = Field(description=INSTALLATION_RUNS_DOC)
    trial_runs: int = Field(description=TRIAL_RUNS_DOC)


class VersionOut(Schema):
    plugin: str
    manifest: ManifestOut
    is_prerelease: bool
    is_latest: bool
    published_at: datetime
    yanked: bool = Field(
        False,
        description="PEP 592: nothing installs a yanked version unless a constraint pins"
        " exactly it (==1.0.0, or the npm range 1.0.0).",
    )
    yanked_reason: str = Field("", description="The owner's reason for the yank, if any.")
    yanked_at: datetime | None = None
    warnings: dict[str, str] = Field(
        default_factory=dict,
        description="On publish: what did not stop it, such as a dependency not published yet"
        " (field -> message).",
    )


class YankIn(Schema):
    reason: str = Field(
        "", max_length=YANK_REASON_MAX_LENGTH, description="Shown beside the version."
    )


class YankedOut(Schema):
    """A yanked version an install chose because it was pinned exactly: a warning."""

    name: str
    version: str
    reason: str


class HeldOut(Schema):
    """A publish held for a moderator: stored, not public, until approved."""

    status: Literal["held_for_review"] = "held_for_review"
    name: str
    version: str
    similar_to: str = Field(description="The popular plugin whose name this one is one edit from.")
    detail: str

    @classmethod
    def of(cls, held: HeldForReview) -> "HeldOut":
        row = held.held
        return cls(
            name=str(row.manifest.get("name", row.canonical_name)),
            version=row.version,
            similar_to=row.similar_to,
            detail=held.message,
        )


class ReviewOut(Schema):
    id: int
    plugin_name: str
    user: str
    rating: int
    comment: str
    created_at: datetime

    @classmethod
    def of(cls, review: ReviewValue) -> "ReviewOut":
        return cls(
            id=review.id,
            plugin_name=review.plugin_name,
            user=review.user,
            rating=review.rating,
            comment=review.comment,
            created_at=review.created_at,
        )


class ReviewListOut(Schema):
    plugin: str
    average_rating: float | None
    count: int
    offset: int
    limit: int
    items: list[ReviewOut]


class ConstraintCheckOut(Schema):
    plugin: str
    constraint: str
    include_prerelease: bool
    matching: list[str] = Field(description="The versions that satisfy it, ascending.")
    best: str | None = Field(
        description="The version an install would choose: the highest satisfying one that is"
        " not yanked, unless the constraint pins exactly a yanked one."
    )


class TreeNodeOut(Schema):
    name: str
    version: str | None
    constraint: str | None
    cycle: bool
    children: list["TreeNodeOut"]

    @classmethod
    def of(cls, node: DependencyNode) -> "TreeNodeOut":
        return cls.model_validate(node.to_dict())


class SandboxOut(Schema):
    success: bool
    output: Any = Field(description="The final expression's value, or the global 'result'.")
    stdout: str
    error: str | None
    duration_ms: float
    memory_bytes: int
    timed_out: bool

    @classmethod
    def of(cls, result: SandboxResult) -> "SandboxOut":
        return cls.model_validate(result.to_dict())


YANKED_DESCRIPTION = (
    "Warnings: the yanked versions (PEP 592) chosen because a constraint or the request"
    " pinned exactly them; empty when none."
)


class PlanOut(Schema):
    manifest: ManifestOut
    publishes: bool = Field(description="True when the install would register this manifest.")
    resolved: dict[str, str]
    tree: TreeNodeOut
    yanked: list[YankedOut] = Field(default_factory=list, description=YANKED_DESCRIPTION)


class InstallOut(Schema):
    manifest: ManifestOut
    resolved: dict[str, str]
    tree: TreeNodeOut
    sandbox: SandboxOut
    yanked: list[YankedOut] = Field(default_factory=list, description=YANKED_DESCRIPTION)

    @classmethod
    def of(cls, result: InstallResult, yanked: Sequence[YankedChoice] = ()) -> "InstallOut":
        return cls(
            manifest=ManifestOut.of(result.manifest),
            resolved=dict(result.resolved),
            tree=TreeNodeOut.of(result.tree),
            sandbox=SandboxOut.of(result.sandbox),
            yanked=[YankedOut(name=y.name, version=y.version, reason=y.reason) for y in yanked],
        )


class InstallationIn(Schema):
    name: str = Field(max_length=100, description="A published plugin (any spelling).")
    version: str | None = Field(None, max_length=100, description="Default: its latest.")


class InstallationRunIn(Schema):
    context: dict[str, Any] = Field(
        default_factory=dict, description="JSON values, the code's global variables."
    )


class UpgradeIn(Schema):
    dry_run: bool = Field(False, description="Only say what would change; store nothing.")


class InstallationOut(Schema):
    id: int
    plugin_name: str
    version: str
    lock: dict[str, str] = Field(description="Every transitive dependency -> pinned version.")
    hashes: dict[str, str] = Field(description="Every pinned plugin -> SHA-256 of its code.")
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, installation: Installation) -> "InstallationOut":
        return cls(
            id=installation.id,
            plugin_name=installation.plugin_name,
            version=installation.version,
            lock=dict(installation.lock),
            hashes=dict(installation.hashes),
            created_at=installation.created_at,
            updated_at=installation.updated_at,
        )


class PinnedOut(Schema):
    name: str
    pinned: str
    newest_fitting: str | None = Field(description="The newest version an upgrade would pin.")
    newest: str | None = Field(description="The newest version published at all.")
    published: bool = Field(description="False once the pinned version is removed.")
    yanked: bool = Field(
        False, description="True once its owner yanked the pinned version (it still runs)."
    )
    yanked_reason: str = ""


class InstallationDetailOut(InstallationOut):
    pins: list[PinnedOut]
    runs: int = Field(description="Runs of this installation (not installs nor trial runs).")

    @classmethod
    def build(
        cls, installation: Installation, rows: list[OutdatedRow], runs: int
    ) -> "InstallationDetailOut":
        base = InstallationOut.of(installation).model_dump()
        pins = [
            PinnedOut(
                name=row.name,
                pinned=row.pinned,
                newest_fitting=row.newest_fitting,
                newest=row.newest,
                published=row.published,
                yanked=row.yanked,
                yanked_reason=row.yanked_reason,
            )
            for row in rows
        ]
        return cls(**base, pins=pins, runs=runs)


class VersionChangeOut(Schema):
    name: str
    old: str | None = Field(description="None for a plugin the upgrade adds.")
    new: str | None = Field(description="None for a plugin the upgrade drops.")


class UpgradeOut(Schema):
    applied: bool
    changes: list[VersionChangeOut]
    error: str | None = Field(description="Why no upgrade is possible (the resolver's words).")
    installation: InstallationOut

    @classmethod
    def of(cls, plan: UpgradePlan, installation: Installation, *, applied: bool) -> "UpgradeOut":
        return cls(
            applied=applied,
            changes=[VersionChangeOut(name=c.name, old=c.old, new=c.new) for c in plan.changes],
            error=plan.error,
            installation=InstallationOut.of(installation),
        )
