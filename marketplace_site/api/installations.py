"""The API's installations resource, for host applications: install, list, get, run with a
context, upgrade (with a dry-run diff) and uninstall, the actions of
``marketplace_site.actions.installations`` that the "My plugins" pages call too.

Every operation needs a token; an installation is visible to its owner only (another user's
id answers 404, as an unknown one does).
"""

from django.http import HttpRequest
from ninja import Router, Status

from marketplace_site.actions import create_marketplace
from marketplace_site.actions import installations as actions
from marketplace_site.api.auth import token_auth
from marketplace_site.api.errors import LIMITED, WRITE_ERRORS, error_responses
from marketplace_site.api.schemas import (
    InstallationDetailOut,
    InstallationIn,
    InstallationOut,
    InstallationRunIn,
    SandboxOut,
    UpgradeIn,
    UpgradeOut,
)
from marketplace_site.web.ratelimit import check_request

router = Router()

ERRORS = {**WRITE_ERRORS, **error_responses(409, 422)}


@router.get(
    "/installations",
    response={200: list[InstallationOut], **ERRORS},
    auth=token_auth,
    tags=["installations"],
    summary="Your installations, by plugin name, each with its lock",
)
def installation_list(request: HttpRequest) -> list[InstallationOut]:
    market = create_marketplace()
    return [InstallationOut.of(item) for item in market.installations(request.user)]


@router.post(
    "/installations",
    response={201: InstallationOut, **ERRORS},
    auth=token_auth,
    tags=["installations"],
    summary="Install a published plugin (its latest version, or 'version'): pin its resolution",
)
def installation_create(request: HttpRequest, payload: InstallationIn) -> Status[InstallationOut]:
    market = create_marketplace()
    installation = market.install(payload.name, payload.version, user=request.user)
    return Status(201, InstallationOut.of(installation))


@router.get(
    "/installations/{installation_id}",
    response={200: InstallationDetailOut, **ERRORS},
    auth=token_auth,
    tags=["installations"],
    summary="One installation: its lock, and per pinned plugin the newest versions",
)
def installation_get(request: HttpRequest, installation_id: int) -> InstallationDetailOut:
    market = create_marketplace()
    row = actions.owned(installation_id, request.user)
    rows = actions.outdated(market, installation_id, user=request.user)
    return InstallationDetailOut.build(actions.to_value(row), rows, row.run_count)


@router.post(
    "/installations/{installation_id}/run",
    response={200: SandboxOut, **ERRORS, **LIMITED},
    auth=token_auth,
    tags=["installations"],
    summary="Run an installation's pinned code with a context (counted as a run of it)",
    description=(
        "Counts against the user's limit of runs of installations per minute (shared with "
        "the page's Run form; `RATE_LIMIT_RUN`, 60 by default): past it the answer is 429 "
        "with `Retry-After`, the seconds until the window ends."
    ),
)
def installation_run(
    request: HttpRequest, installation_id: int, payload: InstallationRunIn
) -> SandboxOut:
    check_request(request, "run")
    market = create_marketplace()
    result = market.run_installed(installation_id, payload.context, user=request.user)
    return SandboxOut.of(result)


@router.post(
    "/installations/{installation_id}/upgrade",
    response={200: UpgradeOut, **ERRORS},
    auth=token_auth,
    tags=["installations"],
    summary="Upgrade to the newest versions that fit; with dry_run, only the version changes",
)
def installation_upgrade(
    request: HttpRequest, installation_id: int, payload: UpgradeIn
) -> UpgradeOut:
    market = create_marketplace()
    plan = actions.plan_upgrade(market, installation_id, user=request.user)
    if plan.error is not None or payload.dry_run:
        return UpgradeOut.of(plan, plan.installation, applied=False)
    installation = market.upgrade(installation_id, user=request.user)
    return UpgradeOut.of(plan, installation, applied=True)


@router.delete(
    "/installations/{installation_id}",
    response={204: None, **ERRORS},
    auth=token_auth,
    tags=["installations"],
    summary="Uninstall: remove the installation and its lock",
)
def installation_delete(request: HttpRequest, installation_id: int) -> Status[None]:
    create_marketplace().uninstall(installation_id, user=request.user)
    return Status(204, None)
