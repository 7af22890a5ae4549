"""The installations API for host applications: token auth, the owner only, OpenAPI."""

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from marketplace_site.api.schemas import (
    InstallationDetailOut,
    InstallationOut,
    SandboxOut,
    UpgradeOut,
)
from marketplace_site.models import InstalledPlugin
from tests.factories import publish
from tests.marketplace_site.api.helpers import assert_error
from tests.marketplace_site.conftest import ApiClient

pytestmark = pytest.mark.django_db

CHART_1 = "def bars(values):\n    return ''.join('#' * v + '|' for v in values)\n"
CHART_2 = "def bars(values):\n    return ' '.join('*' * v for v in values)\n"
DASH = "import chart_data\nresult = chart_data.bars(series)"


@pytest.fixture(autouse=True)
def _plugins(db: None) -> None:
    publish("chart-data", "1.0.0", entry_point=CHART_1)
    publish("dashboard", "1.0.0", entry_point=DASH, dependencies={"chart-data": "*"})


def _install(api: ApiClient) -> InstallationOut:
    response = api.post("/installations", {"name": "dashboard"})
    assert response.status_code == 201, response.json()
    return InstallationOut.model_validate(response.json())


def test_install_list_get_run_upgrade_uninstall(as_owner: ApiClient) -> None:
    installation = _install(as_owner)
    assert installation.lock == {"chart-data": "1.0.0"}
    listed = as_owner.get("/installations").json()
    assert [item["id"] for item in listed] == [installation.id]

    run = as_owner.post(f"/installations/{installation.id}/run", {"context": {"series": [1, 2]}})
    assert run.status_code == 200
    assert SandboxOut.model_validate(run.json()).output == "#|##|"

    publish("chart-data", "1.1.0", entry_point=CHART_2)
    detail = InstallationDetailOut.model_validate(
        as_owner.get(f"/installations/{installation.id}").json()
    )
    assert detail.runs == 1
    pins = {pin.name: pin for pin in detail.pins}
    assert (pins["chart-data"].pinned, pins["chart-data"].newest_fitting) == ("1.0.0", "1.1.0")

    dry = UpgradeOut.model_validate(
        as_owner.post(f"/installations/{installation.id}/upgrade", {"dry_run": True}).json()
    )
    assert dry.applied is False
    assert [(c.name, c.old, c.new) for c in dry.changes] == [("chart-data", "1.0.0", "1.1.0")]
    assert dry.installation.lock == {"chart-data": "1.0.0"}
    done = UpgradeOut.model_validate(
        as_owner.post(f"/installations/{installation.id}/upgrade", {}).json()
    )
    assert done.applied is True and done.installation.lock == {"chart-data": "1.1.0"}
    again = as_owner.post(f"/installations/{installation.id}/run", {"context": {"series": [1, 2]}})
    assert again.json()["output"] == "* **"

    assert as_owner.delete(f"/installations/{installation.id}").status_code == 204
    assert as_owner.get("/installations").json() == []


def test_another_users_installation_is_not_found(as_owner: ApiClient, as_other: ApiClient) -> None:
    installation = _install(as_owner)
    base = f"/installations/{installation.id}"
    assert_error(as_other.get(base), 404, "installation_not_found")
    assert_error(as_other.post(f"{base}/run", {"context": {}}), 404, "installation_not_found")
    assert_error(as_other.post(f"{base}/upgrade", {}), 404, "installation_not_found")
    assert_error(as_other.delete(base), 404, "installation_not_found")
    assert as_other.get("/installations").json() == []
    assert InstalledPlugin.objects.get().run_count == 0


def test_a_token_is_required(anon: ApiClient) -> None:
    assert_error(anon.get("/installations"), 401)
    assert_error(anon.post("/installations", {"name": "dashboard"}), 401)


def test_errors_are_json_with_a_reason(as_owner: ApiClient) -> None:
    assert_error(as_owner.post("/installations", {"name": "missing"}), 404, "plugin_not_found")
    publish("stuck", "1.0.0", dependencies={"chart-data": ">=5"})
    assert_error(as_owner.post("/installations", {"name": "stuck"}), 422, "resolution_failed")
    installation = _install(as_owner)
    InstalledPlugin.objects.get().pins.filter(is_root=True).update(code="result = 'evil'")
    assert_error(
        as_owner.post(f"/installations/{installation.id}/run", {"context": {}}),
        409,
        "lock_mismatch",
    )


def test_documented_in_openapi(anon: ApiClient) -> None:
    schema = anon.get("/openapi.json").json()
    paths = schema["paths"]
    assert set(paths["/api/v1/installations"]) == {"get", "post"}
    assert set(paths["/api/v1/installations/{installation_id}"]) == {"get", "delete"}
    run = paths["/api/v1/installations/{installation_id}/run"]["post"]
    assert {"200", "401", "404", "409", "429"} <= set(run["responses"])
    assert run["responses"]["429"]["headers"]["Retry-After"]["schema"]["type"] == "integer"
    assert "per minute" in run["description"]


def test_runs_are_rate_limited_per_user(
    as_owner: ApiClient, as_other: ApiClient, settings: Any
) -> None:
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "run": (2, 60)}
    mine = _install(as_owner)
    theirs = _install(as_other)
    run = f"/installations/{mine.id}/run"
    codes = [as_owner.post(run, {"context": {"series": [1]}}).status_code for _ in range(2)]
    assert codes == [200, 200]
    response = as_owner.post(run, {"context": {"series": [1]}})
    limited = assert_error(response, 429, "rate_limited")
    assert str(limited.detail).startswith(
        "You have reached the limit of 2 runs of installations per 60 seconds. Try again in "
    )
    assert 1 <= int(response["Retry-After"]) <= 60
    assert InstalledPlugin.objects.get(id=mine.id).run_count == 2
    # Another user's quota is their own.
    other_run = as_other.post(f"/installations/{theirs.id}/run", {"context": {"series": [1]}})
    assert other_run.status_code == 200


def test_a_bad_context_does_not_count_against_the_limit(as_owner: ApiClient, settings: Any) -> None:
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "run": (1, 60)}
    installation = _install(as_owner)
    run = f"/installations/{installation.id}/run"
    assert_error(as_owner.post(run, {"context": [1, 2]}), 400)
    assert as_owner.post(run, {"context": {"series": [1]}}).status_code == 200


def test_the_page_and_the_api_share_one_quota(
    as_owner: ApiClient, owner: User, settings: Any
) -> None:
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "run": (2, 60)}
    installation = _install(as_owner)
    page = Client()
    page.force_login(owner)
    detail = f"/installations/{installation.id}/"
    assert page.post(detail, {"context": '{"series": [2]}'}).status_code == 200
    run = f"/installations/{installation.id}/run"
    assert as_owner.post(run, {"context": {"series": [1]}}).status_code == 200
    assert_error(as_owner.post(run, {"context": {"series": [1]}}), 429, "rate_limited")
    assert page.post(detail, {"context": '{"series": [2]}'}).status_code == 429
