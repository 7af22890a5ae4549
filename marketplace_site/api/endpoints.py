"""The API's operations. Each validates input, calls the marketplace's services, and lets
``marketplace_site.api.errors`` turn their errors into JSON with the right status."""

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Path, Query, Router, Status

from marketplace_site.api.auth import ApiTokenAuth
from marketplace_site.api.errors import ApiError, error_responses
from marketplace_site.api.schemas import (
    MAX_OFFSET,
    MAX_PAGE_SIZE,
    NAME_PARAM_PATTERN,
    QUERY_MAX_LENGTH,
    VERSION_PARAM_PATTERN,
    ConstraintCheckOut,
    InstallIn,
    InstallOut,
    ManifestIn,
    ManifestOut,
    PlanOut,
    PluginDetailOut,
    PluginListOut,
    PluginSummaryOut,
    ReviewIn,
    ReviewListOut,
    ReviewOut,
    TreeNodeOut,
    VersionOut,
)
from marketplace_site.marketplace import Marketplace, create_marketplace
from marketplace_site.types import (
    CONSTRAINT_MAX_LENGTH,
    DuplicateVersion,
    PluginManifest,
    PluginNotFound,
)
from marketplace_site.web.ratelimit import check_request
from registry.models import Plugin, PluginVersion
from registry.services import NotPluginOwner, can_publish, can_remove_version
from reviews.services import can_review

# Body parameters are named ``payload`` (errors.BODY_PARAM) so field errors read "name", not
# "payload.name".
router = Router()
token_auth = ApiTokenAuth()

# Every operation can answer 400 (bad parameters); these add what each kind can also answer.
READ_ERRORS = error_responses(400, 404)
WRITE_ERRORS = error_responses(400, 401, 403, 404, 413)
# Publishing, reviewing and installing count against the user's rate limits (429).
LIMITED = error_responses(429)

NameParam = Path(..., pattern=NAME_PARAM_PATTERN, description="A plugin name (any spelling).")
VersionParam = Path(..., pattern=VERSION_PARAM_PATTERN, description="A version, e.g. 1.0.0.")


def _marketplace() -> Marketplace:
    return create_marketplace()


def _owner_name(plugin: Plugin) -> str | None:
    return plugin.owner.get_username() if plugin.owner is not None else None


def _summary(plugin: Plugin) -> PluginSummaryOut:
    latest = plugin.latest
    assert latest is not None  # noqa: S101 - with_latest() only yields plugins with a version
    return PluginSummaryOut(
        name=plugin.display_name,
        canonical_name=plugin.canonical_name,
        latest_version=latest.version,
        description=latest.description,
        author=latest.author,
        keywords=list(latest.keywords),
        owner=_owner_name(plugin),
        updated_at=plugin.updated_at,
    )


def _version_out(row: PluginVersion) -> VersionOut:
    return VersionOut(
        plugin=row.plugin.display_name,
        manifest=ManifestOut.of(row.to_manifest()),
        is_prerelease=row.is_prerelease,
        is_latest=row.plugin.latest_id == row.pk,
        published_at=row.published_at,
    )


def _plugin_or_404(marketplace: Marketplace, name: str) -> Plugin:
    plugin = marketplace.registry.get_plugin(name)
    if plugin is None:
        raise PluginNotFound(name)
    return plugin


# --------------------------------------------------------------------------- plugins


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
    sort: Literal["name", "updated"] = Query("name", description="name, or updated (newest)"),
) -> PluginListOut:
    plugins = _marketplace().registry.browse(sort=sort)
    return PluginListOut(
        count=plugins.count(),
        offset=offset,
        limit=limit,
        items=[_summary(plugin) for plugin in plugins[offset : offset + limit]],
    )


@router.get(
    "/search",
    response={200: PluginListOut, **error_responses(400)},
    tags=["plugins"],
    summary="Search plugins by name, keywords, description and author",
    description=(
        "Every word matches as a whole word or a prefix; name matches come first, then"
        " keywords, then description and author. `count` stops one past max(100, offset +"
        " limit): a count above that bound means more matches than it, so a client pages on"
        " while `offset + limit < count`."
    ),
)
def plugin_search(
    request: HttpRequest,
    q: str = Query(..., min_length=1, max_length=QUERY_MAX_LENGTH),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
    limit: int = Query(20, ge=1, le=MAX_PAGE_SIZE),
) -> PluginListOut:
    page = _marketplace().registry.search_page(q, limit=limit, offset=offset)
    return PluginListOut(
        count=page.total,
        offset=offset,
        limit=limit,
        items=[_summary(plugin) for plugin in page.plugins],
    )


@router.get(
    "/plugins/{name}",
    response={200: PluginDetailOut, **READ_ERRORS},
    tags=["plugins"],
    summary="A plugin: its latest manifest, versions and average rating",
)
def plugin_detail(request: HttpRequest, name: str = NameParam) -> PluginDetailOut:
    marketplace = _marketplace()
    plugin = _plugin_or_404(marketplace, name)
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
    row = _marketplace().registry.get_version_row(name, version)
    if row is None:
        raise PluginNotFound(name, version)
    return _version_out(row)


@router.post(
    "/plugins",
    response={201: VersionOut, **WRITE_ERRORS, **LIMITED, **error_responses(409)},
    auth=token_auth,
    tags=["plugins"],
    summary="Publish a manifest (the same service as the publish form)",
)
def plugin_publish(request: HttpRequest, payload: ManifestIn) -> Status[VersionOut]:
    check_request(request, "publish")
    marketplace = _marketplace()
    manifest = marketplace.validate(payload.manifest_data())
    if not can_publish(request.user, manifest.name):
        raise NotPluginOwner(manifest.name)
    marketplace.publish(manifest, owner=request.user)
    row = marketplace.registry.get_version_row(manifest.name, manifest.version)
    assert row is not None  # noqa: S101 - just stored
    return Status(201, _version_out(row))


@router.delete(
    "/plugins/{name}/versions/{version}",
    response={204: None, **WRITE_ERRORS},
    auth=token_auth,
    tags=["plugins"],
    summary="Remove a version (its owner only); a plugin without versions disappears",
)
def version_remove(
    request: HttpRequest, name: str = NameParam, version: str = VersionParam
) -> Status[None]:
    marketplace = _marketplace()
    row = marketplace.registry.get_version_row(name, version)
    if row is None:
        raise PluginNotFound(name, version)
    if not can_remove_version(request.user, row.plugin):
        raise ApiError(403, "not_owner", "Only the plugin's owner can remove its versions.")
    marketplace.remove_version(name, version)
    return Status(204, None)


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
    marketplace = _marketplace()
    plugin = _plugin_or_404(marketplace, name)
    versions = marketplace.registry.versions(plugin.canonical_name)
    resolver = marketplace.resolver
    matching = [v for v in versions if resolver.satisfies(v, constraint, include_prerelease)]
    return ConstraintCheckOut(
        plugin=plugin.display_name,
        constraint=constraint,
        include_prerelease=include_prerelease,
        matching=matching,
        best=resolver.max_satisfying(versions, constraint, include_prerelease),
    )


# --------------------------------------------------------------------------- reviews


@router.get(
    "/plugins/{name}/reviews",
    response={200: ReviewListOut, **READ_ERRORS},
    tags=["reviews"],
    summary="A plugin's reviews, newest first (hidden ones left out)",
)
def review_list(
    request: HttpRequest,
    name: str = NameParam,
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
    limit: int = Query(20, ge=1, le=MAX_PAGE_SIZE),
) -> ReviewListOut:
    marketplace = _marketplace()
    plugin = _plugin_or_404(marketplace, name)
    reviews, count = marketplace.reviews.for_plugin_page(
        plugin.canonical_name, offset=offset, limit=limit
    )
    return ReviewListOut(
        plugin=plugin.display_name,
        average_rating=marketplace.reviews.average_rating(plugin.canonical_name),
        count=count,
        offset=offset,
        limit=limit,
        items=[ReviewOut.of(review) for review in reviews],
    )


@router.post(
    "/plugins/{name}/reviews",
    response={201: ReviewOut, **WRITE_ERRORS, **LIMITED},
    auth=token_auth,
    tags=["reviews"],
    summary="Review a plugin (a second review by the same user replaces the first)",
)
def review_add(request: HttpRequest, payload: ReviewIn, name: str = NameParam) -> Status[ReviewOut]:
    check_request(request, "review")
    marketplace = _marketplace()
    plugin = _plugin_or_404(marketplace, name)
    if not can_review(request.user, owner_id=plugin.owner_id):
        raise ApiError(403, "own_plugin", "You cannot review your own plugin.")
    review = marketplace.reviews.add_review(
        plugin.canonical_name, request.user, payload.rating, payload.comment
    )
    return Status(201, ReviewOut.of(review))


# --------------------------------------------------------------------------- installing

INSTALL_ERRORS = {**WRITE_ERRORS, **LIMITED, **error_responses(409, 422)}


def _install_source(marketplace: Marketplace, payload: InstallIn) -> tuple[PluginManifest, bool]:
    """The manifest to install, and whether installing it would register it."""
    if payload.manifest is not None:
        manifest = marketplace.validate(payload.manifest.manifest_data())
        if marketplace.registry.get(manifest.name, manifest.version) is not None:
            raise DuplicateVersion(manifest.name, manifest.version)
        return manifest, True
    assert payload.name is not None  # noqa: S101 - InstallIn checks one of them is given
    published = marketplace.registry.get(payload.name, payload.version)
    if published is None:
        raise PluginNotFound(payload.name, payload.version)
    return published, False


@router.post(
    "/install/plan",
    response={200: PlanOut, **INSTALL_ERRORS},
    auth=token_auth,
    tags=["install"],
    summary="Dry run of an install: what would be registered and resolved; nothing is stored",
)
def install_plan(request: HttpRequest, payload: InstallIn) -> PlanOut:
    check_request(request, "plan")
    marketplace = _marketplace()
    manifest, publishes = _install_source(marketplace, payload)
    if publishes and not can_publish(request.user, manifest.name):
        raise NotPluginOwner(manifest.name)
    plan = marketplace.plan(manifest)
    if plan.error is not None or plan.tree is None:
        code = plan.error_code or "resolution_failed"
        raise ApiError(422, code, plan.error or "The install cannot be planned.", cycle=plan.cycle)
    return PlanOut(
        manifest=ManifestOut.of(plan.manifest),
        publishes=publishes,
        resolved=dict(plan.resolved),
        tree=TreeNodeOut.of(plan.tree),
    )


@router.post(
    "/install",
    response={200: InstallOut, **INSTALL_ERRORS},
    auth=token_auth,
    tags=["install"],
    summary="Install: register (for a manifest), resolve, check for cycles, run in the sandbox",
)
def install_run(request: HttpRequest, payload: InstallIn) -> InstallOut:
    check_request(request, "install")
    marketplace = _marketplace()
    context: dict[str, Any] = payload.context
    if payload.manifest is not None:
        manifest = marketplace.validate(payload.manifest.manifest_data())
        if not can_publish(request.user, manifest.name):
            raise NotPluginOwner(manifest.name)
        result = marketplace.install_plugin(manifest, owner=request.user, context=context)
    else:
        assert payload.name is not None  # noqa: S101 - InstallIn checks one of them is given
        result = marketplace.install_published(
            payload.name, payload.version, user=request.user, context=context
        )
    return InstallOut.of(result)
