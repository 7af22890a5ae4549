"""The API's install resource: plan (a dry run) and install, the same two actions as the
install page (``marketplace_site.actions.install``)."""

from django.http import HttpRequest
from ninja import Router

from marketplace_site.actions import create_marketplace
from marketplace_site.actions.install import InstallSource, install, plan_install, yanked_in
from marketplace_site.api.auth import token_auth
from marketplace_site.api.errors import LIMITED, WRITE_ERRORS, error_responses
from marketplace_site.api.schemas import (
    InstallIn,
    InstallOut,
    ManifestOut,
    PlanOut,
    TreeNodeOut,
    YankedOut,
)
from marketplace_site.web.ratelimit import check_request

router = Router()

# 202 "held_for_review": installing a manifest whose new name is one edit from a popular
# plugin's stores it for a moderator instead (CONTRACTS.md Names); nothing runs.
INSTALL_ERRORS = {**WRITE_ERRORS, **LIMITED, **error_responses(202, 409, 422)}


@router.post(
    "/install/plan",
    response={200: PlanOut, **INSTALL_ERRORS},
    auth=token_auth,
    tags=["install"],
    summary="Dry run of an install: what would be registered and resolved; nothing is stored",
)
def install_plan(request: HttpRequest, payload: InstallIn) -> PlanOut:
    check_request(request, "plan")
    plan = plan_install(create_marketplace(), _source(payload), acting_user=request.user)
    return PlanOut(
        manifest=ManifestOut.of(plan.manifest),
        publishes=plan.publishes,
        resolved=dict(plan.resolved),
        tree=TreeNodeOut.of(plan.tree),
        yanked=[YankedOut(name=y.name, version=y.version, reason=y.reason) for y in plan.yanked],
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
    marketplace = create_marketplace()
    result = install(
        marketplace, _source(payload), acting_user=request.user, context=payload.context
    )
    return InstallOut.of(result, yanked_in(marketplace, result))


def _source(payload: InstallIn) -> InstallSource:
    if payload.manifest is not None:
        return InstallSource(manifest=payload.manifest.manifest_data())
    return InstallSource(name=payload.name, version=payload.version)
