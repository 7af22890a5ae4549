"""Every error is JSON {"error": code, "detail": ...} with the right status."""

import json
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from marketplace_site.marketplace import create_marketplace
from marketplace_site.models import ApiToken
from marketplace_site.web.tokens import api_token_create, api_token_revoke
from registry.services import RegistryService
from sandbox.models import SandboxRun
from tests.factories import publish
from tests.marketplace_site.api.helpers import assert_error
from tests.marketplace_site.conftest import API, ApiClient

pytestmark = pytest.mark.django_db

MANIFEST = {"name": "csv-tools", "version": "1.0.0", "entry_point": "result = 1"}

# (method, path, body) of every operation that needs a token.
PROTECTED = [
    ("post", "/plugins", MANIFEST),
    ("delete", "/plugins/csv-tools/versions/1.0.0", None),
    ("post", "/plugins/csv-tools/reviews", {"rating": 5}),
    ("post", "/install/plan", {"name": "csv-tools"}),
    ("post", "/install", {"name": "csv-tools"}),
]


def call(client: ApiClient, method: str, path: str, body: Any) -> Any:
    return client.delete(path) if method == "delete" else client.post(path, body)


@pytest.mark.parametrize(("method", "path", "body"), PROTECTED)
def test_protected_operations_need_a_token(
    anon: ApiClient, owner: User, method: str, path: str, body: Any
) -> None:
    publish("csv-tools", owner=owner)
    response = call(anon, method, path, body)
    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(("method", "path", "body"), PROTECTED)
def test_a_revoked_token_is_refused(owner: User, method: str, path: str, body: Any) -> None:
    publish("csv-tools", owner=owner)
    token, raw = api_token_create(user=owner, name="ci")
    api_token_revoke(token=token, acting_user=owner)
    assert_error(call(ApiClient(raw), method, path, body), 401, "invalid_token")
    assert RegistryService().versions("csv-tools") == ["1.0.0"]


@pytest.mark.parametrize(
    "header", ["Bearer nonsense", "Bearer ", "Bearer mp_deadbeef_xxxx", "Token abc", "Basic eDp5"]
)
def test_wrong_authorization_headers_are_refused(db: None, header: str) -> None:
    response = Client().post(
        f"{API}/plugins",
        MANIFEST,
        content_type="application/json",
        headers={"Authorization": header},
    )
    error = assert_error(response, 401)
    assert error.error in {"invalid_token", "not_authenticated"}
    assert not RegistryService().versions("csv-tools")


def test_a_token_is_a_header_not_a_session(owner: User) -> None:
    from tests.factories import PASSWORD

    client = Client()
    client.login(username=owner.username, password=PASSWORD)
    response = client.post(f"{API}/plugins", MANIFEST, content_type="application/json")
    assert_error(response, 401, "not_authenticated")


def test_invalid_manifest_lists_field_errors(as_owner: ApiClient) -> None:
    body = {"name": "bad name!", "version": "one", "entry_point": "x", "homepage": "ftp://x"}
    error = assert_error(as_owner.post("/plugins", body), 400, "invalid_manifest")
    assert isinstance(error.detail, dict)
    assert set(error.detail) == {"name", "version", "homepage"}
    assert "not a valid version" in error.detail["version"]


def test_a_bad_dependency_constraint_is_a_field_error(as_owner: ApiClient) -> None:
    body = {**MANIFEST, "dependencies": {"text-utils": ">>>what"}}
    error = assert_error(as_owner.post("/plugins", body), 400, "invalid_manifest")
    # Each dependency has its own key, so that every bad constraint is reported at once.
    assert isinstance(error.detail, dict)
    assert "text-utils" in error.detail["dependencies.text-utils"]


def test_wrong_types_and_missing_fields_are_field_errors(as_owner: ApiClient) -> None:
    body = {"version": 1, "entry_point": "x", "keywords": "csv"}
    error = assert_error(as_owner.post("/plugins", body), 400, "invalid_input")
    assert isinstance(error.detail, dict)
    assert {"name", "version", "keywords"} <= set(error.detail)


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"{not json", "invalid_json"),
        (b"\xff\xfe", "invalid_json"),
        (b'{"name": NaN}', "invalid_number"),
        (b'{"name": 1e400}', "invalid_number"),
        (b'{"name": "a\\u0000b", "version": "1", "entry_point": "x"}', "invalid_string"),
        (b'{"name": "\\ud800", "version": "1", "entry_point": "x"}', "invalid_string"),
        (b"[1, 2]", "invalid_input"),
        (b'"text"', "invalid_input"),
        (b'{"name": "x", "context": {"n": ' + b"9" * 5000 + b"}}", "invalid_json"),
    ],
)
def test_unparseable_bodies(as_owner: ApiClient, body: bytes, code: str) -> None:
    assert_error(as_owner.post_raw("/plugins", body), 400, code)


def test_deeply_nested_json_is_refused(as_owner: ApiClient) -> None:
    deep: Any = "x"
    for _ in range(40):
        deep = {"a": deep}
    body = {"name": "csv-tools", "context": deep}
    assert_error(as_owner.post("/install", body), 400, "too_deep")
    very_deep = b'{"context": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    assert_error(as_owner.post_raw("/install", very_deep), 400, "too_deep")


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/plugins", {"limit": 101}),
        ("/plugins", {"limit": 0}),
        ("/plugins", {"offset": -1}),
        ("/plugins", {"offset": 10**30}),
        ("/plugins", {"sort": "stars"}),
        ("/plugins", {"limit": "ten"}),
        ("/search", {}),
        ("/search", {"q": ""}),
        ("/search", {"q": "x" * 201}),
        ("/plugins/csv-tools/check", {}),
        ("/plugins/csv-tools/check", {"constraint": "x" * 201}),
        ("/plugins/bad%20name", {}),
        ("/plugins/csv-tools/versions/1.0%00", {}),
    ],
)
def test_bad_parameters(anon: ApiClient, path: str, params: dict[str, Any]) -> None:
    publish("csv-tools")
    error = assert_error(anon.get(path, params), 400, "invalid_input")
    assert isinstance(error.detail, dict)


def test_a_bad_constraint(anon: ApiClient) -> None:
    publish("csv-tools")
    response = anon.get("/plugins/csv-tools/check", {"constraint": ">>>nope"})
    error = assert_error(response, 400, "invalid_constraint")
    assert ">>>nope" in str(error.detail)


@pytest.mark.parametrize(
    "body",
    [{"rating": 0}, {"rating": 6}, {"rating": "5"}, {"rating": 4.5}, {"rating": True}, {},
     {"rating": 3, "comment": "x" * 2001}],
)  # fmt: skip
def test_bad_reviews(as_other: ApiClient, owner: User, body: dict[str, Any]) -> None:
    publish("csv-tools", owner=owner)
    error = assert_error(as_other.post("/plugins/csv-tools/reviews", body), 400)
    assert isinstance(error.detail, dict)
    assert not create_marketplace().reviews.for_plugin("csv-tools")


@pytest.mark.parametrize(
    "body",
    [{}, {"manifest": MANIFEST, "name": "csv-tools"}, {"version": "1.0.0"}, {"name": 3},
     {"name": "csv-tools", "context": []}],
)  # fmt: skip
def test_bad_install_bodies(as_owner: ApiClient, body: dict[str, Any]) -> None:
    publish("csv-tools")
    assert_error(as_owner.post("/install", body), 400, "invalid_input")
    assert_error(as_owner.post("/install/plan", body), 400, "invalid_input")


def test_publishing_to_someone_elses_plugin(as_other: ApiClient, owner: User) -> None:
    publish("csv-tools", owner=owner)
    body = {**MANIFEST, "name": "CSV_Tools", "version": "2.0.0"}
    assert_error(as_other.post("/plugins", body), 403, "not_owner")
    assert_error(as_other.post("/install", {"manifest": body}), 403, "not_owner")
    assert_error(as_other.post("/install/plan", {"manifest": body}), 403, "not_owner")
    assert RegistryService().versions("csv-tools") == ["1.0.0"]


def test_only_the_owner_removes_a_version(as_other: ApiClient, owner: User) -> None:
    publish("csv-tools", owner=owner)
    assert_error(as_other.delete("/plugins/csv-tools/versions/1.0.0"), 403, "not_owner")
    publish("unowned")  # published without an owner: nobody but a superuser removes it
    assert_error(as_other.delete("/plugins/unowned/versions/1.0.0"), 403, "not_owner")
    assert RegistryService().versions("csv-tools") == ["1.0.0"]


def test_owners_cannot_review_their_own_plugin(as_owner: ApiClient, owner: User) -> None:
    publish("csv-tools", owner=owner)
    assert_error(as_owner.post("/plugins/csv-tools/reviews", {"rating": 5}), 403, "own_plugin")
    assert not create_marketplace().reviews.for_plugin("csv-tools")


@pytest.mark.parametrize(
    "path",
    [
        "/plugins/missing",
        "/plugins/missing/versions/1.0.0",
        "/plugins/csv-tools/versions/9.0.0",
        "/plugins/csv-tools/versions/not.a.version",
        "/plugins/missing/reviews",
        "/plugins/missing/check?constraint=*",
    ],
)
def test_missing_plugins_and_versions(anon: ApiClient, path: str) -> None:
    publish("csv-tools")
    assert_error(anon.client.get(API + path), 404, "plugin_not_found")


def test_missing_targets_of_writes(as_owner: ApiClient) -> None:
    assert_error(as_owner.delete("/plugins/missing/versions/1.0.0"), 404, "plugin_not_found")
    assert_error(as_owner.post("/plugins/missing/reviews", {"rating": 5}), 404, "plugin_not_found")
    assert_error(as_owner.post("/install", {"name": "missing"}), 404, "plugin_not_found")
    assert_error(
        as_owner.post("/install/plan", {"name": "missing", "version": "1.0"}), 404,
        "plugin_not_found",
    )  # fmt: skip
    assert not create_marketplace().reviews.for_plugin("missing")


@pytest.mark.parametrize("path", ["/nothing", "/plugins/csv-tools/versions", "/docs/assets/x.js"])
def test_unknown_paths_are_json_404s(anon: ApiClient, path: str) -> None:
    assert_error(anon.get(path), 404, "not_found")


def test_the_api_root_is_a_json_index(anon: ApiClient) -> None:
    response = anon.client.get(f"{API}/")
    assert response.status_code == 200
    assert response.json()["openapi"] == f"{API}/openapi.json"


def test_wrong_methods_are_json_405s(anon: ApiClient) -> None:
    response = anon.client.put(f"{API}/plugins")
    assert_error(response, 405, "method_not_allowed")
    assert set(response["Allow"].replace(" ", "").split(",")) == {"GET", "POST"}


def test_duplicate_versions(as_owner: ApiClient, owner: User) -> None:
    publish("csv-tools", owner=owner)
    duplicate = {**MANIFEST, "version": "1.0"}  # 1.0 is 1.0.0
    error = assert_error(as_owner.post("/plugins", duplicate), 409, "duplicate_version")
    assert "already published" in str(error.detail)
    assert_error(as_owner.post("/install", {"manifest": duplicate}), 409, "duplicate_version")
    assert_error(as_owner.post("/install/plan", {"manifest": duplicate}), 409, "duplicate_version")
    assert RegistryService().versions("csv-tools") == ["1.0.0"]


def test_bodies_over_the_cap(as_owner: ApiClient, anon: ApiClient) -> None:
    big = {**MANIFEST, "entry_point": "x = 1\n" * 50_000}  # ~300 KiB
    assert_error(as_owner.post("/plugins", big), 413, "too_large")
    # Refused from Content-Length, before reading (and before asking for a token).
    assert_error(anon.post_raw("/plugins", b"{}", CONTENT_LENGTH="300000"), 413, "too_large")
    # Bodies over Django's own in-memory limit are refused in JSON too.
    huge = json.dumps({**MANIFEST, "entry_point": "x" * 600_000}).encode()
    assert_error(as_owner.post_raw("/plugins", huge), 413, "too_large")
    assert not RegistryService().versions("csv-tools")


def test_a_failed_resolution(as_owner: ApiClient) -> None:
    publish("text-utils", "1.0.0")
    body = {"manifest": {**MANIFEST, "dependencies": {"text-utils": ">=2"}}}
    for path in ("/install/plan", "/install"):
        error = assert_error(as_owner.post(path, body), 422, "resolution_failed")
        assert isinstance(error.detail, str) and "text-utils" in error.detail
    assert RegistryService().get("csv-tools") is None  # the install left nothing behind
    assert not SandboxRun.objects.exists()


def test_a_circular_dependency(as_other: ApiClient) -> None:
    publish("alpha", dependencies={"beta": ">=1"})
    publish("beta", dependencies={"alpha": ">=1"})
    for path in ("/install/plan", "/install"):
        error = assert_error(as_other.post(path, {"name": "alpha"}), 422, "circular_dependency")
        assert error.cycle == ["alpha", "beta", "alpha"]
        assert "alpha -> beta -> alpha" in str(error.detail)
    assert not SandboxRun.objects.exists()


def test_a_new_manifest_closing_a_cycle(as_owner: ApiClient) -> None:
    publish("beta", dependencies={"alpha": ">=1"})
    body = {"manifest": {**MANIFEST, "name": "alpha", "dependencies": {"beta": "*"}}}
    error = assert_error(as_owner.post("/install", body), 422, "circular_dependency")
    assert error.cycle is not None and error.cycle[0] == error.cycle[-1]
    assert RegistryService().get("alpha") is None


def test_unexpected_errors_are_json_and_reach_the_test_client(
    anon: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("registry.services.RegistryService.browse", explode)
    with pytest.raises(RuntimeError, match="boom"):
        anon.get("/plugins")
    quiet = Client(raise_request_exception=False)
    assert_error(quiet.get(f"{API}/plugins"), 500, "server_error")
    assert ApiToken.objects.count() == 0
