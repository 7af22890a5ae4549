"""The served OpenAPI schema and the documentation page."""

from typing import Any

import pytest
from django.test import Client

from tests.marketplace_site.conftest import API

pytestmark = pytest.mark.django_db

OPERATIONS = {
    ("get", "/api/v1/plugins"): "plugin_list",
    ("post", "/api/v1/plugins"): "plugin_publish",
    ("get", "/api/v1/search"): "plugin_search",
    ("get", "/api/v1/plugins/{name}"): "plugin_detail",
    ("get", "/api/v1/plugins/{name}/versions/{version}"): "version_detail",
    ("delete", "/api/v1/plugins/{name}/versions/{version}"): "version_remove",
    ("post", "/api/v1/plugins/{name}/versions/{version}/yank"): "version_yank",
    ("post", "/api/v1/plugins/{name}/versions/{version}/unyank"): "version_unyank",
    ("get", "/api/v1/plugins/{name}/check"): "constraint_check",
    ("get", "/api/v1/plugins/{name}/reviews"): "review_list",
    ("post", "/api/v1/plugins/{name}/reviews"): "review_add",
    ("post", "/api/v1/install/plan"): "install_plan",
    ("post", "/api/v1/install"): "install_run",
    ("get", "/api/v1/installations"): "installation_list",
    ("post", "/api/v1/installations"): "installation_create",
    ("get", "/api/v1/installations/{installation_id}"): "installation_get",
    ("delete", "/api/v1/installations/{installation_id}"): "installation_delete",
    ("post", "/api/v1/installations/{installation_id}/run"): "installation_run",
    ("post", "/api/v1/installations/{installation_id}/upgrade"): "installation_upgrade",
}
INSTALLATIONS = {name for name in OPERATIONS.values() if name.startswith("installation_")}
PROTECTED = {
    "plugin_publish", "version_remove", "version_yank", "version_unyank",
    "review_add", "install_plan", "install_run",
    *INSTALLATIONS,
}  # fmt: skip


@pytest.fixture
def schema(client: Client) -> dict[str, Any]:
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    data: dict[str, Any] = response.json()
    return data


def test_every_operation_is_documented(schema: dict[str, Any]) -> None:
    found = {
        (method, path): operation["operationId"]
        for path, item in schema["paths"].items()
        for method, operation in item.items()
    }
    assert found == OPERATIONS
    assert schema["components"]["securitySchemes"]["ApiTokenAuth"] == {
        "type": "http",
        "scheme": "bearer",
    }


def test_every_error_status_has_the_error_schema(schema: dict[str, Any]) -> None:
    error_ref = "#/components/schemas/ErrorOut"
    for item in schema["paths"].values():
        for operation in item.values():
            statuses = set(operation["responses"])
            assert "400" in statuses
            for status, response in operation["responses"].items():
                if status.startswith("4"):
                    assert response["content"]["application/json"]["schema"]["$ref"] == error_ref
            if operation["operationId"] in PROTECTED:
                assert {"401", "403", "413"} <= statuses
                assert operation["security"] == [{"ApiTokenAuth": []}]
            else:
                assert "security" not in operation
    assert {"401", "409", "422"} <= set(schema["paths"]["/api/v1/install"]["post"]["responses"])
    assert "409" in schema["paths"]["/api/v1/plugins"]["post"]["responses"]


def test_the_docs_page_is_self_hosted(client: Client) -> None:
    response = client.get(f"{API}/docs")
    assert response.status_code == 200
    content = response.content.decode()
    assert "swagger-ui-bundle.js" in content and "cdn" not in content.lower()
    assert "<script>" not in content  # no inline script: works under a strict CSP
    assert f"{API}/openapi.json" in content
    asset = client.get(f"{API}/docs/assets/swagger-ui-init.js")
    assert asset.status_code == 200
    assert "javascript" in asset["Content-Type"]
    assert "SwaggerUIBundle" in asset.getvalue().decode()
    asset.close()


def test_a_rate_limited_answer_documents_retry_after(schema: dict[str, Any]) -> None:
    limited = [
        operation["operationId"]
        for item in schema["paths"].values()
        for operation in item.values()
        if "429" in operation["responses"]
    ]
    assert {"plugin_publish", "review_add", "install_plan", "install_run"} <= set(limited)
    for item in schema["paths"].values():
        for operation in item.values():
            if "429" in operation["responses"]:
                header = operation["responses"]["429"]["headers"]["Retry-After"]
                assert header["schema"]["type"] == "integer"
