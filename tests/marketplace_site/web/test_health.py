"""``/healthz`` and the health check in the embedded default: one machine, no broker."""

import pytest
from django.core.management import call_command
from django.test import Client
from django.test.utils import override_settings

from marketplace_site.web.health import check_health
from sandbox.services import SandboxService

pytestmark = pytest.mark.django_db


def test_healthz_reports_the_in_process_zygote() -> None:
    response = Client().get("/healthz")
    body = response.json()
    level = SandboxService().isolation().level
    assert body["database"]["ok"] is True
    assert body["cache"] == {"ok": True, "backend": "DatabaseCache"}
    assert body["broker"] == {"ok": True, "used": False}
    sandbox = body["sandbox"]
    assert sandbox["backend"] == "embedded"
    [(name, isolation)] = sandbox["isolation"].items()
    assert name.startswith("in-process zygote")
    assert isolation["level"] == level
    runs = level != "none"
    assert sandbox["workers"] == (1 if runs else 0)
    assert response.status_code == (200 if runs else 503)
    assert response["Cache-Control"].startswith("max-age=0")


def test_healthz_is_get_only() -> None:
    assert Client().post("/healthz").status_code == 405


def test_the_check_adds_nothing_on_one_machine() -> None:
    assert check_health() == []


@override_settings(CACHE_URL="redis://127.0.0.1:1/0")
def test_the_check_runs_when_the_site_spans_machines(capsys: pytest.CaptureFixture[str]) -> None:
    # CACHE_URL is set but the cache in use is still the test's: each part answers.
    call_command("check", "--tag", "marketplace")
    captured = capsys.readouterr()
    out = captured.out + captured.err
    assert "database: answers." in out
    assert "cache: answers." in out
