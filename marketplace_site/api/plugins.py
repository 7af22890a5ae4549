"""The API's plugin resource: list, search, read, publish, remove a version, check a
constraint. Each operation parses, calls an action or a service, and renders; an error a
service or action raises becomes JSON with its own status (``marketplace_site.api.errors``)."""

from typing import Literal

from django.http import HttpRequest
from ninja import Router, Status
from ninja.params.functions import Query

from marketplace_site.actions import Marketplace, create_marketplace
from marketplace_site.actions import plugins as plugin_actions
from marketplace_site.api.auth import token_auth
from marketplace_site.api.errors import LIMITED, READ_ERRORS, WRITE_ERRORS, error_responses
from marketplace_site.api.schemas import (
    MAX_OFFSET,
    MAX_PAGE_SIZE,
    QUERY_MAX_LENGTH,
    ConstraintCheckOut,
    HeldOut,
    ManifestIn,
    ManifestOut,
    NameParam,
    PluginDetailOut,
    PluginListOut,
    PluginSummaryOut,
    SearchOut,
    VersionOut,
    VersionParam,
    YankIn,
)
from marketplace_site.types import CONSTRAINT_MAX_LENGTH, PluginNotFound
from marketplace_site.web.ratelimit import check_publish_limit, record_publish
from registry.models import Plugin, PluginVersion
from registry.names import HeldForReview
from registry.services import PluginCounts
from resolver.constraints import pins_exactly

router = Router()


def _owner_name(plugin: Plugin) -> str | None:
    return plugin.owner.get_username() if plugin.owner is not None else None


def _summary(plugin: Plugin) -> PluginSummaryOut:
    latest = plugin.latest
    assert latest is not None  # noqa: S101 - with_latest() only yields plugins with a version
    return PluginSummaryOut(
        name=plugin.display_name,
        canonical_name=plugin.canonical_name,
        latest_version=latest.version,
        latest_yanked=latest.yanked,
        description=latest.description,
        author=latest.author,
        keywords=list(latest.keywords),
        owner=_owner_name(plugin),
        updated_at=plugin.updated_at,
        **_counts(plugin),
    )


def _counts(plugin: Plugin) -> dict[str, int]:
    counts = PluginCounts.of(plugin)
    return {
        "installs": counts.installs,
        "installation_runs": counts.installation_runs,
        "trial_runs": counts.trial_runs,
    }


def _version_out(row: PluginVersion) -> VersionOut:
    return VersionOut(
        plugin=row.plugin.display_name,
        manifest=ManifestOut.of(row.to_manifest()),
        is_prerelease=row.is_prerelease,
        is_latest=row.plugin.latest_id == row.pk,
        published_at=row.published_at,
        yanked=row.yanked,
        yanked_reason=row.yanked_reason,
        yanked_at=row.yanked_at,
    )


def plugin_or_404(marketplace: Marketplace, name: str) -> Plugin:
    plugin = marketplace.registry.get_plugin(name)
    if plugin is None:
        raise PluginNotFound(name)
    return plugin


@router.get(
    "/plugins",
    response={200: PluginListOut, **error_responses(400)},
    tags=["plugins"],
    summary="List plugins (latest version of each)",
)
def plugin_list(
    request: HttpRequest,
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
    limit: int = Query(20, ge=1, le=MAX_PAGE_SIZE),
    sort: Literal["name", "updated", "installs"] = Query(
        "name", description="name, updated (newest first) or installs (most first)"
    ),
) -> PluginListOut:
    plugins = create_marketplace().registry.browse(sort=sort)
    return PluginListOut(
        count=plugins.count(),
        offset=offset,
        limit=limit,
        items=[_summary(plugin) for plugin in plugins[offset : offset + limit]],
    )


@router.get(
    "/search",
    response={200: SearchOut, **error_responses(400)},
    tags=["plugins"],
    summary="Search plugins by name, keywords, description and author",
    description=(
        "Every word matches as a whole word or a prefix; name matches come first, then"
        " keywords, then description and author. `count` stops one past max(100, offset +"
        " limit): a count above that bound means more matches than it, so a client pages on"
        " while `offset + limit < count`. When few plugins match, `suggestion` is the query"
        " with its misspelt words corrected from plugin names and keywords."
    ),
)
def plugin_search(
    request: HttpRequest,
    q: str = Query(..., min_length=1, max_length=QUERY_MAX_LENGTH),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
    limit: int = Query(20, ge=1, le=MAX_PAGE_SIZE),
) -> SearchOut:
    page = create_marketplace().registry.search_page(q, limit=limit, offset=offset)
    return SearchOut(
        count=page.total,
        offset=offset,
        limit=limit,
        items=[_summary(plugin) for plugin in page.plugins],
        suggestion=page.suggestion,
    )


@router.get(
    "/plugins/{name}",
    response={200: PluginDetailOut, **READ_ERRORS},
    tags=["plugins"],
    summary="A plugin: its latest manifest, versions and average rating",
)
def plugin_detail(request: HttpRequest, name: str = NameParam) -> PluginDetailOut:
    marketplace = create_marketplace()
    plugin = plugin_or_404(marketplace, name)
    assert plugin.latest is not None  # noqa: S101 - get_plugin() uses with_latest()
    return PluginDetailOut(
        name=plugin.display_name,
        canonical_name=plugin.canonical_name,
        owner=_owner_name(plugin),
        latest=ManifestOut.of(plugin.latest.to_manifest()),
        versions=marketplace.registry.versions(plugin.canonical_name),
        average_rating=marketplace.reviews.average_rating(plugin.canonical_name),
        created_at=plugin.created_at,
        updated_at=plugin.updated_at,
        **_counts(plugin),
    )


@router.get(
    "/plugins/{name}/versions/{version}",
    response={200: VersionOut, **READ_ERRORS},
    tags=["plugins"],
    summary="One version of a plugin",
)
def version_detail(
    request: HttpRequest, name: str = NameParam, version: str = VersionParam
) -> VersionOut:
    row = create_marketplace().registry.get_version_row(name, version)
    if row is None:
        raise PluginNotFound(name, version)
    return _version_out(row)


@router.post(
    "/plugins",
    response={
        201: VersionOut,
        202: HeldOut,
        **WRITE_ERRORS,
        **LIMITED,
        **error_responses(409),
    },
    auth=token_auth,
    tags=["plugins"],
    summary="Publish a manifest (the same service as the publish form)",
    description=(
        "Every problem with the manifest at once: 400 with `errors`, field -> message (a"
        " dependency's key is `dependencies.<name>`). 201 with `warnings` for dependencies not"
        " published yet. 202 when a new name is one edit from a popular plugin's: held for a"
        " moderator, not public. Only stored publishes count toward the rate limit (429 with"
        " Retry-After)."
    ),
)
def plugin_publish(request: HttpRequest, payload: ManifestIn) -> Status[VersionOut | HeldOut]:
    check_publish_limit(request)
    marketplace = create_marketplace()
    try:
        manifest = plugin_actions.publish(
            marketplace, payload.manifest_data(), acting_user=request.user
        )
    except HeldForReview as held:
        record_publish(request)
        return Status(202, HeldOut.of(held))
    record_publish(request)
    row = marketplace.registry.get_version_row(manifest.name, manifest.version)
    assert row is not None  # noqa: S101 - just stored
    out = _version_out(row)
    out.warnings = plugin_actions.dependency_warnings(marketplace, manifest)
    return Status(201, out)


@router.delete(
    "/plugins/{name}/versions/{version}",
    response={204: None, **WRITE_ERRORS},
    auth=token_auth,
    tags=["plugins"],
    summary="Remove a version (its owner only); a plugin without versions leaves the lists,"
    " its name reserved for its owner",
)
def version_remove(
    request: HttpRequest, name: str = NameParam, version: str = VersionParam
) -> Status[None]:
    plugin_actions.remove_version(create_marketplace(), name, version, acting_user=request.user)
    return Status(204, None)


@router.post(
    "/plugins/{name}/versions/{version}/yank",
    response={200: VersionOut, **WRITE_ERRORS},
    auth=token_auth,
    tags=["plugins"],
    summary="Yank a version (its owner only; PEP 592)",
    description=(
        "The version stays listed, marked yanked with the reason; the latest version and"
        " resolution skip it unless a constraint pins exactly it (`==1.0.0`, or the npm range"
        " `1.0.0`). Installations that pinned it keep running it. Yanking again replaces the"
        " reason."
    ),
)
def version_yank(
    request: HttpRequest, payload: YankIn, name: str = NameParam, version: str = VersionParam
) -> VersionOut:
    row = plugin_actions.yank(
        create_marketplace(), name, version, reason=payload.reason, acting_user=request.user
    )
    return _version_out(row)


@router.post(
    "/plugins/{name}/versions/{version}/unyank",
    response={200: VersionOut, **WRITE_ERRORS},
    auth=token_auth,
    tags=["plugins"],
    summary="Undo a yank (its owner only)",
)
def version_unyank(
    request: HttpRequest, name: str = NameParam, version: str = VersionParam
) -> VersionOut:
    row = plugin_actions.unyank(create_marketplace(), name, version, acting_user=request.user)
    return _version_out(row)


@router.get(
    "/plugins/{name}/check",
    response={200: ConstraintCheckOut, **READ_ERRORS},
    tags=["plugins"],
    summary="Which versions of a plugin satisfy a constraint, and which one wins",
)
def constraint_check(
    request: HttpRequest,
    name: str = NameParam,
    constraint: str = Query(
        ...,
        min_length=1,
        max_length=CONSTRAINT_MAX_LENGTH,
        description="A PEP 440 specifier (>=1.2,<2) or an npm range (^1.2.3).",
    ),
    include_prerelease: bool = Query(False),
) -> ConstraintCheckOut:
    marketplace = create_marketplace()
    plugin = plugin_or_404(marketplace, name)
    provider = marketplace.provider()
    versions = provider.versions(plugin.canonical_name)
    resolver = marketplace.resolver
    matching = [v for v in versions if resolver.satisfies(v, constraint, include_prerelease)]
    # As resolution chooses: a yanked version only for a constraint that pins exactly it.
    yanked = set() if pins_exactly(constraint) else provider.yanked(plugin.canonical_name)
    candidates = [v for v in versions if v not in yanked]
    return ConstraintCheckOut(
        plugin=plugin.display_name,
        constraint=constraint,
        include_prerelease=include_prerelease,
        matching=matching,
        best=resolver.max_satisfying(candidates, constraint, include_prerelease),
    )
