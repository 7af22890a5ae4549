"""schemathesis against the served OpenAPI schema: no server errors, responses match it."""

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.contrib.auth.models import User
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from marketplace_site.marketplace import create_marketplace
from marketplace_site.web.tokens import api_token_create
from tests.factories import make_manifest, make_user

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())

CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
]


@pytest.fixture
def _keep_the_test_connection() -> Iterator[None]:
    """Django closes the database connection after each request it serves over WSGI, which
    would end the test's transaction; its own test client turns that off the same way."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def token(db: None, settings: Any, _keep_the_test_connection: None) -> str:
    """A catalog to find, and a real token, so the write operations get past authentication."""
    settings.RATE_LIMITS = dict.fromkeys(settings.RATE_LIMITS, (0, 3600))
    owner: User = make_user("schema-owner")
    market = create_marketplace()
    market.publish(make_manifest("csv-tools", keywords=["csv"]), owner=owner)
    market.publish(
        make_manifest("csv-report", dependencies={"csv-tools": ">=1.0"}), owner=make_user("other")
    )
    return api_token_create(user=owner, name="schemathesis")[1]


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_the_api_keeps_its_schema(case: Any, token: str) -> None:
    response = case.call(headers={"Authorization": f"Bearer {token}"})
    case.validate_response(response, checks=CHECKS)


def operation(method: str, path: str) -> Any:
    return schema[f"/api/v1{path}"][method]


KNOWN_GOOD = [
    ("GET", "/plugins/{name}", {"path_parameters": {"name": "csv-tools"}}, 200),
    (
        "GET",
        "/plugins/{name}/versions/{version}",
        {"path_parameters": {"name": "CSV_Tools", "version": "1.0.0"}},
        200,
    ),
    (
        "GET",
        "/plugins/{name}/check",
        {"path_parameters": {"name": "csv-tools"}, "query": {"constraint": "^1.0"}},
        200,
    ),
    ("GET", "/plugins/{name}/reviews", {"path_parameters": {"name": "csv-tools"}}, 200),
    (
        "POST",
        "/plugins/{name}/reviews",
        {"path_parameters": {"name": "csv-report"}, "body": {"rating": 5, "comment": "<b>ok</b>"}},
        201,
    ),
    (
        "POST",
        "/plugins",
        {"body": {"name": "fresh", "version": "1.0.0", "entry_point": "result = 1"}},
        201,
    ),
    (
        "POST",
        "/plugins",
        {"body": {"name": "csv-tools", "version": "1.0.0", "entry_point": "1"}},
        409,
    ),
    ("POST", "/install/plan", {"body": {"name": "csv-report"}}, 200),
    (
        "POST",
        "/install/plan",
        {
            "body": {
                "manifest": {
                    "name": "conflicted",
                    "version": "1.0.0",
                    "entry_point": "1",
                    "dependencies": {"csv-tools": ">=9"},
                }
            }
        },
        422,
    ),
    ("POST", "/install", {"body": {"name": "csv-tools", "context": {"x": [1, {"y": None}]}}}, 200),
    (
        "POST",
        "/install",
        {
            "body": {
                "manifest": {
                    "name": "odd-output",
                    "version": "1.0.0",
                    # Output and stdout a database or a JSON parser could choke on.
                    "entry_point": (
                        "print('nul:' + chr(0) + ' lone:' + chr(0xD800))\n"
                        "result = {'nan': float('nan'), 'inf': float('inf'), 'nul': chr(0)}"
                    ),
                }
            }
        },
        200,
    ),
    (
        "DELETE",
        "/plugins/{name}/versions/{version}",
        {"path_parameters": {"name": "csv-tools", "version": "1.0.0"}},
        204,
    ),
]


@pytest.mark.parametrize(
    ("method", "path", "parts", "status"),
    KNOWN_GOOD,
    ids=[f"{m} {p} {s}" for m, p, _, s in KNOWN_GOOD],
)
def test_successful_answers_match_the_schema(
    token: str, method: str, path: str, parts: dict[str, Any], status: int
) -> None:
    case = operation(method, path).Case(**parts)
    response = case.call(headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == status, response.text
    case.validate_response(response, checks=CHECKS)
