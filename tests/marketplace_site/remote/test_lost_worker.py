"""A worker killed mid-run: the run is retried on a live worker inside the caller's deadline,
and recorded once."""

import os
import signal
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from celery import Celery

from marketplace_site.actions import create_marketplace
from marketplace_site.remote_sandbox import RemoteSandbox
from sandbox.models import SandboxRun
from tests.factories import publish
from tests.marketplace_site.remote.conftest import OVERHEAD_MS, TIMEOUT_MS
from tests.marketplace_site.remote.servers import Worker

pytestmark = pytest.mark.django_db

SLOW = "import time\ntime.sleep(1.0)\nresult = 'done'"
DEADLINE_S = 2 * (TIMEOUT_MS + OVERHEAD_MS) / 1000


@pytest.fixture
def workers(redis_url: str, client_app: Celery) -> Iterator[dict[str, Worker]]:
    started = [Worker(redis_url, "left"), Worker(redis_url, "right")]
    try:
        for worker in started:
            worker.wait_ready(client_app)
        yield {worker.name: worker for worker in started}
    finally:
        for worker in started:
            worker.kill()


def _running(app: Celery, timeout_s: float = 10.0) -> tuple[str, int]:
    """The worker running the one active run, and its pool process's pid."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        active: dict[str, list[dict[str, Any]]] = app.control.inspect(timeout=0.3).active() or {}
        for name, tasks in active.items():
            if tasks:
                return name, int(tasks[0]["worker_pid"])
        time.sleep(0.05)
    raise AssertionError("no worker started the run")


def _run_while(action: Any) -> tuple[Any, float]:
    """Run the slow plugin through the marketplace while ``action`` runs in a thread."""
    manifest = publish("slow", "1.0.0", entry_point=SLOW)
    market = create_marketplace()
    failures: list[BaseException] = []

    def act() -> None:
        try:
            action()
        except BaseException as exc:  # reported by the test below
            failures.append(exc)

    thread = threading.Thread(target=act)
    started = time.monotonic()
    thread.start()
    result = market.run(manifest)
    elapsed = time.monotonic() - started
    thread.join()
    assert not failures, failures
    return result, elapsed


def test_a_killed_pool_process_is_retried_and_recorded_once(
    celery_site: RemoteSandbox, client_app: Celery, workers: dict[str, Worker]
) -> None:
    killed: list[int] = []

    def kill_the_pool_process() -> None:
        _, pid = _running(client_app)
        os.kill(pid, signal.SIGKILL)
        killed.append(pid)

    result, elapsed = _run_while(kill_the_pool_process)
    assert killed
    assert (result.success, result.output) == (True, "done"), result.error
    assert elapsed < DEADLINE_S
    assert SandboxRun.objects.for_plugin("slow").count() == 1


def test_a_lost_worker_host_is_replaced_by_the_other_inside_the_deadline(
    celery_site: RemoteSandbox, client_app: Celery, workers: dict[str, Worker]
) -> None:
    lost: list[str] = []

    def kill_the_whole_worker() -> None:
        name, _ = _running(client_app)
        workers[name].kill()
        lost.append(name)

    result, elapsed = _run_while(kill_the_whole_worker)
    assert lost
    assert (result.success, result.output) == (True, "done"), result.error
    assert elapsed < DEADLINE_S
    assert SandboxRun.objects.for_plugin("slow").count() == 1
