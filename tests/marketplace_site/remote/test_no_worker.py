"""No worker on the queue: the caller gets a clear 503 by its deadline, never a hang."""

import time

import pytest
from celery import Celery
from django.core.management import call_command
from django.test import Client
from django.test.utils import override_settings

from marketplace_site.api.schemas import InstallationOut
from marketplace_site.models import InstalledPlugin
from marketplace_site.remote_sandbox import RemoteSandbox
from marketplace_site.types import SandboxUnavailable
from tests.factories import make_user, publish
from tests.marketplace_site.api.helpers import assert_error
from tests.marketplace_site.conftest import ApiClient
from tests.marketplace_site.remote.conftest import OVERHEAD_MS, TIMEOUT_MS
from tests.marketplace_site.remote.servers import free_port

pytestmark = pytest.mark.django_db

DEADLINE_S = 2 * (TIMEOUT_MS + OVERHEAD_MS) / 1000
# What the request may add to the sandbox's deadline: resolving, the database, the test client.
MARGIN_S = 3.0


def test_the_api_answers_503_with_a_reason_by_the_deadline(
    celery_site: RemoteSandbox, as_owner: ApiClient
) -> None:
    publish("solo", "1.0.0", entry_point="result = 1")
    created = as_owner.post("/installations", {"name": "solo"})
    assert created.status_code == 201
    installation = InstallationOut.model_validate(created.json())
    started = time.monotonic()
    response = as_owner.post(f"/installations/{installation.id}/run", {"context": {}})
    elapsed = time.monotonic() - started
    error = assert_error(response, 503, "sandbox_unavailable")
    assert "No sandbox worker answered" in str(error.detail)
    assert DEADLINE_S - 0.5 <= elapsed < DEADLINE_S + MARGIN_S
    assert InstalledPlugin.objects.get().run_count == 0  # nothing ran, nothing counted


def test_the_try_it_page_shows_the_message(celery_site: RemoteSandbox) -> None:
    publish("solo", "1.0.0", entry_point="result = 1")
    client = Client()
    client.force_login(make_user("visitor"))
    response = client.post("/plugins/solo/try/", {"context": "{}"})
    assert response.status_code == 503
    assert "No sandbox worker answered" in response.content.decode()


def test_publishing_keeps_the_plugin_and_says_why_it_did_not_run(
    celery_site: RemoteSandbox, as_owner: ApiClient
) -> None:
    manifest = {"name": "kept", "version": "1.0.0", "entry_point": "result = 1"}
    response = as_owner.post("/install", {"manifest": manifest})
    assert response.status_code == 200, response.json()
    sandbox = response.json()["sandbox"]
    assert sandbox["success"] is False
    assert sandbox["error"].startswith("SandboxUnavailable: No sandbox worker answered")
    assert as_owner.get("/plugins/kept").status_code == 200


def test_an_unreachable_broker_is_503_at_once(celery_site: RemoteSandbox) -> None:
    from marketplace_site.providers import _celery_app

    dead = f"redis://127.0.0.1:{free_port()}/0"
    sandbox = RemoteSandbox(_celery_app(dead, dead), overhead_ms=OVERHEAD_MS)
    with pytest.raises(SandboxUnavailable, match="broker cannot be reached"):
        sandbox.run("result = 1")


def test_healthz_says_no_worker_answers(celery_site: RemoteSandbox) -> None:
    response = Client().get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["broker"]["ok"] is True
    assert body["sandbox"] == {"backend": "celery", "workers": 0, "isolation": {}}
    assert body["database"]["ok"] is True and body["cache"]["ok"] is True


def test_the_check_warns_that_no_worker_answers(
    celery_site: RemoteSandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("check", "--tag", "marketplace")
    captured = capsys.readouterr()
    out = captured.out + captured.err
    assert "marketplace.W104" in out
    assert "celery -A marketplace_site worker -Q sandbox" in out


def test_healthz_names_what_does_not_answer(celery_site: RemoteSandbox) -> None:
    dead = f"redis://127.0.0.1:{free_port()}/0"
    redis_cache = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": dead,
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    with override_settings(CELERY_BROKER_URL=dead, CELERY_RESULT_BACKEND=dead, CACHES=redis_cache):
        response = Client().get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["ok"] is False
    assert body["cache"]["ok"] is False and body["cache"]["backend"] == "RedisCache"
    assert body["cache"]["error"]
    assert body["broker"]["ok"] is False and body["broker"]["error"]
    assert body["sandbox"]["workers"] == 0


def test_the_check_warns_when_the_broker_does_not_answer(
    celery_site: RemoteSandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    dead = f"redis://127.0.0.1:{free_port()}/0"
    with override_settings(CELERY_BROKER_URL=dead, CELERY_RESULT_BACKEND=dead):
        call_command("check", "--tag", "marketplace")
    captured = capsys.readouterr()
    out = captured.out + captured.err
    assert "marketplace.W103" in out
    assert "broker: no answer" in out


def test_the_deadline_is_two_attempts() -> None:
    sandbox = RemoteSandbox(Celery("deadline", set_as_current=False), overhead_ms=OVERHEAD_MS)
    assert sandbox.deadline_ms(TIMEOUT_MS) == 2 * (TIMEOUT_MS + OVERHEAD_MS)
