"""The API's publish: names, every error at once (``errors`` by field), warnings, limits."""

from typing import Any

import pytest
from django.contrib.auth.models import User

from marketplace_site.actions import create_marketplace
from marketplace_site.actions import plugins as plugin_actions
from marketplace_site.actions.names import POPULAR_MIN_REVIEWS
from registry.models import HeldVersion, PluginVersion
from tests.factories import make_manifest, make_review, make_user
from tests.marketplace_site.api.helpers import assert_error
from tests.marketplace_site.conftest import ApiClient

pytestmark = pytest.mark.django_db

MANIFEST = {"name": "csv-tools", "version": "1.0.0", "entry_point": "result = 1"}


def test_every_error_at_once_keyed_by_field(as_owner: ApiClient) -> None:
    body = {
        "name": "loop",
        "version": "one",
        "entry_point": "if True\n    x = 1\n",
        "dependencies": {"a": ">>>1", "b": "^^2", "loop": "*"},
    }
    response = as_owner.post("/plugins", body)
    error = assert_error(response, 400, "invalid_manifest")
    errors = response.json()["errors"]
    assert set(errors) == {
        "version",
        "entry_point",
        "dependencies.a",
        "dependencies.b",
        "dependencies.loop",
    }
    assert "line 1, column 8" in errors["entry_point"]
    assert error.detail == errors
    assert not PluginVersion.objects.exists()


def test_a_lookalike_name_is_refused_naming_the_plugin(owner: User, as_other: ApiClient) -> None:
    create_marketplace().publish(make_manifest("csv-tools"), owner=owner)
    for name in ("csvtools", "CSV-T00LS"):
        response = as_other.post("/plugins", {**MANIFEST, "name": name})
        assert_error(response, 400, "name_too_similar")
        assert "'csv-tools'" in response.json()["errors"]["name"]
    assert PluginVersion.objects.count() == 1


def test_a_reserved_name_is_refused_to_others(owner: User, as_other: ApiClient) -> None:
    marketplace = create_marketplace()
    marketplace.publish(make_manifest("popular"), owner=owner)
    plugin_actions.remove_version(marketplace, "popular", "1.0.0", acting_user=owner)
    response = as_other.post("/plugins", {**MANIFEST, "name": "popular", "version": "1.0.1"})
    assert_error(response, 403, "not_owner")
    assert_error(as_other.get("/plugins/popular"), 404)


def test_a_name_near_a_popular_one_is_accepted_but_held(owner: User, as_other: ApiClient) -> None:
    create_marketplace().publish(make_manifest("csv-tools"), owner=owner)
    for _ in range(POPULAR_MIN_REVIEWS):
        make_review("csv-tools", make_user(), rating=5)
    response = as_other.post("/plugins", {**MANIFEST, "name": "csv-tool"})
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "held_for_review"
    assert (body["name"], body["version"], body["similar_to"]) == ("csv-tool", "1.0.0", "csv-tools")
    assert "moderator" in body["detail"]
    assert HeldVersion.objects.pending().count() == 1
    assert_error(as_other.get("/plugins/csv-tool"), 404)


def test_installing_a_name_near_a_popular_one_is_held_as_documented(
    owner: User, as_other: ApiClient
) -> None:
    create_marketplace().publish(make_manifest("csv-tools"), owner=owner)
    for _ in range(POPULAR_MIN_REVIEWS):
        make_review("csv-tools", make_user(), rating=5)
    response = as_other.post("/install", {"manifest": {**MANIFEST, "name": "csv-tool"}})
    assert_error(response, 202, "held_for_review")
    assert HeldVersion.objects.pending().count() == 1
    operation = as_other.get("/openapi.json").json()["paths"]["/api/v1/install"]["post"]
    assert "202" in operation["responses"]


def test_a_missing_dependency_is_a_warning(as_owner: ApiClient) -> None:
    response = as_owner.post("/plugins", {**MANIFEST, "dependencies": {"not-yet": "^1.0"}})
    assert response.status_code == 201
    assert response.json()["warnings"] == {
        "dependencies.not-yet": "'not-yet' is not published (yet): installing this plugin "
        "fails until it is."
    }


@pytest.fixture
def two_per_hour(settings: Any) -> None:
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "publish": (2, 3600)}


@pytest.mark.usefixtures("two_per_hour")
def test_only_stored_publishes_count_and_429_keeps_retry_after(as_owner: ApiClient) -> None:
    for _ in range(4):
        assert_error(as_owner.post("/plugins", {**MANIFEST, "version": "bad"}), 400)
    assert as_owner.post("/plugins", MANIFEST).status_code == 201
    assert_error(as_owner.post("/plugins", MANIFEST), 409)  # a duplicate is not counted
    assert as_owner.post("/plugins", {**MANIFEST, "version": "1.0.1"}).status_code == 201
    response = as_owner.post("/plugins", {**MANIFEST, "version": "1.0.2"})
    assert_error(response, 429, "rate_limited")
    assert 1 <= int(response["Retry-After"]) <= 3600
    assert PluginVersion.objects.count() == 2
