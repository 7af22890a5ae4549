"""Security headers on real responses, and production settings that refuse unsafe defaults."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from depgraph import drawing
from marketplace_site.marketplace import create_marketplace
from tests.factories import PASSWORD, make_manifest, make_user

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
RANDOM_KEY = secrets.token_urlsafe(50)


@pytest.fixture
def plugin() -> str:
    create_marketplace().publish(make_manifest("header-check"))
    return "header-check"


def csp_directives(response: Any) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/plugins/header-check/",
        "/api/v1/plugins",
        "/api/v1/docs",
        "/admin/login/",
        "/no-such-page/",
    ],
)
def test_every_response_carries_the_security_headers(
    client: Client, plugin: str, path: str
) -> None:
    response = client.get(path)
    assert response.status_code in {200, 404}
    csp = csp_directives(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert csp["img-src"] == ["'self'", "data:"]
    assert csp["object-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["form-action"] == ["'self'"]
    assert csp["base-uri"] == ["'self'"]
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.skipif(not drawing.dot_available(), reason="Graphviz (dot) is not installed")
def test_the_graph_picture_keeps_its_own_stricter_policy(client: Client) -> None:
    market = create_marketplace()
    market.publish(make_manifest("base-lib"))
    market.publish(make_manifest("top-app", dependencies={"base-lib": ">=1"}))
    response = client.get(reverse("plugin_graph_svg", args=["top-app"]))
    assert response.status_code == 200
    csp = csp_directives(response)
    assert csp["default-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'self'"]
    # The page that embeds it may: its <object> is same-origin.
    page = client.get(reverse("plugin_graph", args=["top-app"]))
    assert csp_directives(page)["object-src"] == ["'self'"]
    assert 'type="image/svg+xml"' in page.content.decode()


def test_no_template_has_inline_script_or_style() -> None:
    """What the policy would block in a browser: style attributes, <style>, inline <script>."""
    offenders = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        text = path.read_text()
        for needle in ("style=", "<style", "<script>", "onclick=", "onload=", "javascript:"):
            if needle in text:
                offenders.append(f"{path.relative_to(ROOT)}: {needle}")
    assert offenders == []


# The test run's own settings; a production process sets none of them.
TEST_ONLY_ENV = {"SECRET_KEY", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE", "DJANGO_SETTINGS_MODULE"}


def _production_env(**env: str) -> dict[str, str]:
    return {**{k: v for k, v in os.environ.items() if k not in TEST_ONLY_ENV}, **env}


def _production(env: dict[str, str], code: str) -> subprocess.CompletedProcess[str]:
    full_env = _production_env(**env)
    full_env.update(DJANGO_SETTINGS_MODULE="marketplace_site.settings", **env)
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


IMPORT_SETTINGS = "import django; django.setup()"


@pytest.mark.parametrize(
    "env",
    [
        {"DEBUG": "0"},
        {
            "DEBUG": "0",
            "SECRET_KEY": "django-insecure-development-only-key-do-not-use-in-production",
        },
    ],
    ids=["no key", "the development key"],
)
def test_production_refuses_the_development_secret_key(env: dict[str, str]) -> None:
    result = _production(env, IMPORT_SETTINGS)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "Set SECRET_KEY in the environment" in result.stderr


def test_production_sends_hsts_and_redirects_to_https() -> None:
    code = f"""{IMPORT_SETTINGS}
import json
from django.test import Client
client = Client(HTTP_HOST="marketplace.example.org")
plain = client.get("/api/v1/")
secure = client.get("/api/v1/", secure=True)
print(json.dumps({{"plain": [plain.status_code, plain.get("Location")],
                   "hsts": secure.get("Strict-Transport-Security"),
                   "csp": secure.get("Content-Security-Policy")}}))
"""
    result = _production(
        {"DEBUG": "0", "SECRET_KEY": RANDOM_KEY, "ALLOWED_HOSTS": "marketplace.example.org"}, code
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["plain"] == [301, "https://marketplace.example.org/api/v1/"]
    assert seen["hsts"] == "max-age=31536000; includeSubDomains; preload"
    assert "unsafe-inline" not in seen["csp"]


def test_deploy_check_is_clean_on_production_settings() -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_production_env(
            DEBUG="0", SECRET_KEY=RANDOM_KEY, ALLOWED_HOSTS="marketplace.example.org"
        ),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.browser
def test_pages_load_without_policy_violations(page: Any) -> None:
    """Chromium reports anything the policy blocks on the console; no page may cause one."""
    violations: list[str] = []

    def on_console(message: Any) -> None:
        if "Content Security Policy" in message.text:
            violations.append(f"{page.url}: {message.text}")

    page.on("console", on_console)
    owner: User = make_user("csp-admin", is_staff=True, is_superuser=True)
    market = create_marketplace()
    market.publish(make_manifest("csp-base"), owner=owner)
    market.publish(make_manifest("csp-app", dependencies={"csp-base": ">=1"}), owner=owner)
    public = ["/", "/plugins/", "/search/?q=csp", "/plugins/csp-app/", "/plugins/csp-app/graph/"]
    for path in [*public, "/install/?name=csp-app", "/accounts/login/", "/admin/login/"]:
        page.goto(path)
        page.wait_for_load_state("load")
    page.goto("/api/v1/docs")
    page.wait_for_selector(".swagger-ui .info", timeout=20_000)

    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("csp-admin")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/")
    signed_in = [
        "/publish/",
        "/accounts/",
        "/plugins/csp-app/",
        "/plugins/csp-app/try/",
        "/plugins/csp-app/versions/1.0.0/remove/",
        "/admin/",
        "/admin/registry/pluginversion/",
        "/admin/reviews/review/",
        "/admin/marketplace_site/apitoken/",
    ]
    for path in signed_in:
        page.goto(path)
        page.wait_for_load_state("load")
    assert violations == []
