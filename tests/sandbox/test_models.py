"""Recording runs, counting them, and browsing them in the admin."""

import pytest
from django.contrib.auth.models import User
from django.db import IntegrityError
from django.test import Client
from django.urls import reverse

from marketplace_site.types import SandboxResult
from sandbox.models import SandboxRun
from sandbox.selectors import install_counts, recent_runs
from sandbox.services import record_run
from tests.factories import make_user

pytestmark = pytest.mark.django_db

OK = SandboxResult(
    success=True, output={"a": 1}, stdout="hi\n", error=None, duration_ms=1.5, memory_bytes=2048
)
TIMED_OUT = SandboxResult(
    success=False,
    output=None,
    stdout="",
    error="TimeoutError: the run took longer than 100 ms and was killed",
    duration_ms=101.0,
    memory_bytes=4096,
    timed_out=True,
)


def test_record_run_stores_everything() -> None:
    user = make_user()
    run = record_run(plugin_name="My_Plugin", version="1.0.0", result=OK, user=user)
    run.refresh_from_db()
    assert (run.plugin_name, run.version, run.user) == ("my-plugin", "1.0.0", user)
    assert (run.success, run.timed_out, run.duration_ms, run.memory_bytes) == (
        True,
        False,
        1.5,
        2048,
    )
    assert (run.error, run.stdout_excerpt, run.output_excerpt) == ("", "hi\n", '{"a": 1}')
    assert run.created_at is not None
    assert str(run) == "my-plugin 1.0.0: ok"


def test_record_run_anonymous_and_long_text() -> None:
    long = SandboxResult(
        success=False,
        output=None,
        stdout="x" * 10_000,
        error="E" * 10_000,
        duration_ms=1,
        memory_bytes=1,
    )
    run = record_run(plugin_name="p", version="2", result=long, user=None)
    assert run.user is None
    assert len(run.stdout_excerpt) == len(run.error) == 4000
    assert str(record_run(plugin_name="p", version="2", result=TIMED_OUT)) == "p 2: timed out"


def test_a_timed_out_run_cannot_be_a_success() -> None:
    with pytest.raises(IntegrityError):
        SandboxRun.objects.create(
            plugin_name="p", version="1", success=True, timed_out=True, duration_ms=1
        )


def test_install_counts_by_canonical_name(django_assert_num_queries: object) -> None:
    for _ in range(3):
        record_run(plugin_name="Alpha", version="1.0", result=OK)
    record_run(plugin_name="beta", version="1.0", result=TIMED_OUT)
    with django_assert_num_queries(1):  # type: ignore[operator]
        counts = install_counts(["alpha", "BETA", "gamma"])
    assert counts == {"alpha": 3, "BETA": 1, "gamma": 0}
    assert install_counts([]) == {}


def test_queryset_vocabulary() -> None:
    record_run(plugin_name="alpha", version="1", result=OK)
    record_run(plugin_name="alpha", version="2", result=TIMED_OUT)
    record_run(plugin_name="beta", version="1", result=TIMED_OUT)
    assert SandboxRun.objects.for_plugin("ALPHA").count() == 2
    assert SandboxRun.objects.failed().count() == 2
    assert SandboxRun.objects.for_plugin("alpha").timed_out().get().version == "2"
    assert [run.version for run in recent_runs("alpha")] == ["2", "1"]


@pytest.fixture
def admin_client(client: Client) -> Client:
    User.objects.create_superuser("boss", "boss@example.com", "pw-for-tests-only")
    client.login(username="boss", password="pw-for-tests-only")
    return client


def test_admin_changelist_shows_runs_and_isolation(admin_client: Client) -> None:
    record_run(plugin_name="alpha", version="1.0", result=TIMED_OUT, user=make_user("carol"))
    url = reverse("admin:sandbox_sandboxrun_changelist")
    response = admin_client.get(url)
    assert response.status_code == 200
    text = response.content.decode()
    assert "isolation: full" in text
    assert "alpha" in text
    assert "TimeoutError" in text
    for query in ("?q=carol", "?timed_out__exact=1", "?success__exact=0"):
        filtered = admin_client.get(url + query)
        assert filtered.status_code == 200
        assert len(filtered.context["cl"].result_list) == 1
    assert len(admin_client.get(url + "?q=nobody").context["cl"].result_list) == 0


def test_admin_is_read_only(admin_client: Client) -> None:
    run = record_run(plugin_name="alpha", version="1.0", result=OK)
    assert admin_client.get(reverse("admin:sandbox_sandboxrun_add")).status_code == 403
    change = reverse("admin:sandbox_sandboxrun_change", args=[run.pk])
    response = admin_client.get(change)
    assert response.status_code == 200
    assert 'name="_save"' not in response.content.decode()
    assert admin_client.post(change, {"plugin_name": "evil"}).status_code == 403
    delete = reverse("admin:sandbox_sandboxrun_delete", args=[run.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    run.refresh_from_db()
    assert run.plugin_name == "alpha"


def test_admin_needs_staff(client: Client) -> None:
    make_user("dave")
    client.login(username="dave", password="correct-horse-battery-staple")
    response = client.get(reverse("admin:sandbox_sandboxrun_changelist"))
    assert response.status_code == 302


def test_nul_characters_from_plugin_code_are_storable() -> None:
    printed = SandboxResult(
        success=False,
        output="a\x00b",
        stdout="x\x00y",
        error="ValueError: \x00",
        duration_ms=1.0,
        memory_bytes=1,
    )
    run = record_run(plugin_name="nul", version="1.0.0", result=printed)
    run.refresh_from_db()  # PostgreSQL refuses NUL in text columns
    assert run.stdout_excerpt == "x\ufffdy"
    assert run.error == "ValueError: \ufffd"
    assert run.output_excerpt == '"a\\u0000b"'
