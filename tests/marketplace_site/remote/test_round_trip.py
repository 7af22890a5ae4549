"""A run sent to a real Celery worker comes back as the in-process sandbox gives it."""

import pytest
from django.core.management import call_command

from marketplace_site.actions import create_marketplace
from marketplace_site.api.schemas import InstallationOut, SandboxOut
from marketplace_site.models import InstalledPlugin
from marketplace_site.remote_sandbox import RemoteSandbox
from marketplace_site.types import PluginModule
from sandbox.models import SandboxRun
from sandbox.services import SandboxService
from tests.factories import publish
from tests.marketplace_site.conftest import ApiClient
from tests.marketplace_site.remote.servers import Worker

pytestmark = pytest.mark.django_db

CHART = "def bars(values):\n    return ''.join('#' * v + '|' for v in values)\n"
DASH = "import chart_data\nresult = chart_data.bars(series)"


def test_a_run_with_modules_and_limits_comes_back_as_in_process(
    celery_site: RemoteSandbox, worker: Worker
) -> None:
    code = "import helper\nprint('hi')\nhelper.double(n)"
    modules = {"helper": PluginModule(source="def double(x):\n    return 2 * x\n", plugin="h")}
    remote = celery_site.run(code, {"n": 21}, modules=modules, imports={"helper"})
    local = SandboxService().run(code, {"n": 21}, modules=modules, imports={"helper"})
    assert (remote.success, remote.output, remote.stdout) == (True, 42, "hi\n")
    assert (local.success, local.output, local.stdout) == (True, 42, "hi\n")


def test_plugin_failures_and_timeouts_come_back_as_results(
    celery_site: RemoteSandbox, worker: Worker
) -> None:
    failed = celery_site.run("1 / 0")
    assert not failed.success
    assert failed.error is not None and failed.error.startswith("ZeroDivisionError")
    slow = celery_site.run("while True:\n    pass", timeout_ms=300)
    assert (slow.success, slow.timed_out) == (False, True)


def test_undeclared_import_is_refused_on_the_worker_too(
    celery_site: RemoteSandbox, worker: Worker
) -> None:
    result = celery_site.run("import helper", modules={"helper": "x = 1"}, imports=set())
    assert not result.success
    assert result.error is not None and "ModuleNotFoundError" in result.error


def test_installation_run_through_the_api_runs_on_a_worker(
    celery_site: RemoteSandbox, worker: Worker, as_owner: ApiClient
) -> None:
    publish("chart-data", "1.0.0", entry_point=CHART)
    publish("dashboard", "1.0.0", entry_point=DASH, dependencies={"chart-data": "*"})
    created = as_owner.post("/installations", {"name": "dashboard"})
    assert created.status_code == 201, created.json()
    installation = InstallationOut.model_validate(created.json())
    run = as_owner.post(f"/installations/{installation.id}/run", {"context": {"series": [1, 2]}})
    assert run.status_code == 200, run.json()
    assert SandboxOut.model_validate(run.json()).output == "#|##|"
    assert InstalledPlugin.objects.get().run_count == 1


def test_a_run_through_the_marketplace_is_recorded_once(
    celery_site: RemoteSandbox, worker: Worker
) -> None:
    manifest = publish("counter", "1.0.0", entry_point="result = 7")
    market = create_marketplace()
    assert isinstance(market.sandbox, RemoteSandbox)
    assert market.run(manifest).output == 7
    assert SandboxRun.objects.for_plugin("counter").count() == 1


def test_the_health_check_names_the_live_worker(
    celery_site: RemoteSandbox, worker: Worker, capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("check", "--tag", "marketplace")
    captured = capsys.readouterr()
    out = captured.out + captured.err
    assert "(marketplace.I104) 1 sandbox worker(s) answer" in out
    assert worker.name in out


def test_a_run_the_worker_refuses_comes_back_as_a_failure_that_says_why(
    celery_site: RemoteSandbox, worker: Worker
) -> None:
    # A module name that is not an identifier passes the web side's JSON check; the
    # sandbox on the worker refuses it.
    result = celery_site.run("1", modules={"not-a-name": "x = 1"})
    assert not result.success
    assert result.error is not None
    assert result.error.startswith("SandboxError: the worker failed: ValueError")
    assert "not a Python identifier" in result.error
