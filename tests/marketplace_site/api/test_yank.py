"""The API's yank and unyank, the yanked marks in its answers, and README/changelog on publish."""

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from marketplace_site.api.schemas import InstallOut, PlanOut, VersionOut
from marketplace_site.web.tokens import api_token_create
from registry.models import PluginVersion
from tests.factories import make_superuser, publish
from tests.marketplace_site.api.helpers import assert_error
from tests.marketplace_site.conftest import ApiClient

pytestmark = pytest.mark.django_db

YANK = "/plugins/csv-tools/versions/1.1.0/yank"
UNYANK = "/plugins/csv-tools/versions/1.1.0/unyank"


@pytest.fixture
def published(owner: User) -> None:
    publish("csv-tools", "1.0.0", owner, entry_point="result = 1")
    publish("csv-tools", "1.1.0", owner, entry_point="result = 2")


def is_yanked() -> bool:
    return PluginVersion.objects.get(version="1.1.0").yanked


def test_the_owner_yanks_and_unyanks(as_owner: ApiClient, anon: ApiClient, published: None) -> None:
    response = as_owner.post(YANK, {"reason": "Loses the last row"})
    assert response.status_code == 200, response.content
    out = VersionOut.model_validate(response.json())
    assert out.yanked and out.yanked_reason == "Loses the last row" and out.yanked_at
    assert not out.is_latest
    detail = VersionOut.model_validate(anon.get("/plugins/csv-tools/versions/1.1.0").json())
    assert detail.yanked and detail.yanked_reason == "Loses the last row"
    latest = anon.get("/plugins/csv-tools").json()
    assert latest["latest"]["version"] == "1.0.0"
    assert latest["versions"] == ["1.0.0", "1.1.0"]  # still listed

    response = as_owner.post(UNYANK)
    assert response.status_code == 200
    out = VersionOut.model_validate(response.json())
    assert not out.yanked and out.yanked_reason == "" and out.yanked_at is None and out.is_latest


def test_an_empty_body_yanks_without_a_reason(as_owner: ApiClient, published: None) -> None:
    assert as_owner.post(YANK, {}).status_code == 200
    assert is_yanked()


def test_permission_matrix(
    anon: ApiClient, as_other: ApiClient, published: None, owner: User
) -> None:
    """Owner: yes. Another user: 403. No token: 401. A superuser's token: 403."""
    assert_error(anon.post(YANK, {"reason": "r"}), 401)
    assert_error(as_other.post(YANK, {"reason": "r"}), 403, "not_owner")
    root_token = api_token_create(user=make_superuser(), name="admin")[1]
    assert_error(ApiClient(root_token).post(YANK, {"reason": "r"}), 403, "not_owner")
    assert not is_yanked()
    assert ApiClient(api_token_create(user=owner, name="ci")[1]).post(YANK, {}).status_code == 200
    assert_error(anon.post(UNYANK), 401)
    assert_error(as_other.post(UNYANK), 403, "not_owner")
    assert is_yanked()


def test_bad_input(as_owner: ApiClient, published: None) -> None:
    error = assert_error(as_owner.post(YANK, {"reason": "x" * 501}), 400)
    assert "reason" in str(error.detail)
    assert_error(as_owner.post(YANK, {"reason": 5}), 400)
    assert_error(as_owner.post("/plugins/csv-tools/versions/9.0.0/yank", {}), 404)
    assert_error(as_owner.post("/plugins/nothing/versions/1.0.0/unyank"), 404)
    assert not is_yanked()


def test_plan_and_install_report_a_pinned_yanked_version(
    as_owner: ApiClient, published: None
) -> None:
    as_owner.post(YANK, {"reason": "Loses the last row"})
    body: dict[str, Any] = {"name": "csv-tools", "version": "1.1.0", "context": {}}
    plan = PlanOut.model_validate(as_owner.post("/install/plan", body).json())
    assert [(y.name, y.version, y.reason) for y in plan.yanked] == [
        ("csv-tools", "1.1.0", "Loses the last row")
    ]
    result = InstallOut.model_validate(as_owner.post("/install", body).json())
    assert result.sandbox.output == 2 and [y.version for y in result.yanked] == ["1.1.0"]
    latest = PlanOut.model_validate(as_owner.post("/install/plan", {"name": "csv-tools"}).json())
    assert latest.manifest.version == "1.0.0" and latest.yanked == []


def test_readme_and_changelog_through_the_api(as_owner: ApiClient) -> None:
    manifest = {
        "name": "md-plugin", "version": "1.0.0", "entry_point": "result = 1",
        "readme": "# Hello\n\n<script>x()</script>", "changelog": "* First.",
    }  # fmt: skip
    response = as_owner.post("/plugins", manifest)
    assert response.status_code == 201, response.content
    out = VersionOut.model_validate(response.json())
    assert out.manifest.readme == manifest["readme"]  # stored as written, rendered safely
    assert out.manifest.changelog == "* First."
    too_long = {**manifest, "version": "2.0.0", "readme": "a" * (64 * 1024 + 1)}
    error = assert_error(as_owner.post("/plugins", too_long), 400, "invalid_manifest")
    assert isinstance(error.detail, dict) and "64 KiB" in error.detail["readme"]
    assert not PluginVersion.objects.filter(version="2.0.0").exists()


def test_the_constraint_check_chooses_as_resolution_does(
    as_owner: ApiClient, anon: ApiClient, published: None
) -> None:
    as_owner.post(YANK, {})
    check = anon.get("/plugins/csv-tools/check", {"constraint": ">=1"}).json()
    assert check["matching"] == ["1.0.0", "1.1.0"] and check["best"] == "1.0.0"
    pinned = anon.get("/plugins/csv-tools/check", {"constraint": "==1.1.0"}).json()
    assert pinned["best"] == "1.1.0"


def test_a_plugin_whose_every_version_is_yanked_is_marked_in_lists(
    as_owner: ApiClient, anon: ApiClient, published: None
) -> None:
    as_owner.post(YANK, {"reason": "Loses the last row"})
    listed = {item["name"]: item for item in anon.get("/plugins").json()["items"]}
    assert listed["csv-tools"]["latest_yanked"] is False  # 1.0.0 still stands
    as_owner.post("/plugins/csv-tools/versions/1.0.0/yank", {"reason": "Same bug"})
    listed = {item["name"]: item for item in anon.get("/plugins").json()["items"]}
    assert listed["csv-tools"]["latest_yanked"] is True
    card = Client().get("/search/?q=csv").content.decode().split('class="plugin-card"', 1)[1]
    assert "yanked" in card.split("</h3>", 1)[0]
