"""Fixtures: a private Redis, Celery workers on it, and the site set to use them."""

from collections.abc import Iterator

import pytest
from celery import Celery
from django.test.utils import override_settings

from marketplace_site.providers import sandbox_backend
from marketplace_site.remote_sandbox import RemoteSandbox
from tests.marketplace_site.remote.servers import Worker, redis_server

# Small limits keep the deadline short: 2 * (timeout + overhead) = 6 s per run here.
TIMEOUT_MS = 2000
OVERHEAD_MS = 1000


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    with redis_server() as url:
        yield url


@pytest.fixture
def celery_site(redis_url: str) -> Iterator[RemoteSandbox]:
    """The site with ``SANDBOX_BACKEND=celery`` on the private Redis; its remote sandbox."""
    with override_settings(
        SANDBOX_BACKEND="celery",
        CELERY_BROKER_URL=redis_url,
        CELERY_RESULT_BACKEND=redis_url,
        SANDBOX_TIMEOUT_MS=TIMEOUT_MS,
        SANDBOX_REMOTE_OVERHEAD_MS=OVERHEAD_MS,
    ):
        sandbox = sandbox_backend()
        assert isinstance(sandbox, RemoteSandbox)
        yield sandbox


@pytest.fixture
def client_app(celery_site: RemoteSandbox) -> Celery:
    return celery_site.app


@pytest.fixture(scope="module")
def module_worker(redis_url: str) -> Iterator[Worker]:
    """One worker for the whole module, for the tests that do not kill it."""
    worker = Worker(redis_url, "steady")
    try:
        yield worker
    finally:
        worker.kill()


@pytest.fixture
def worker(module_worker: Worker, client_app: Celery) -> Worker:
    module_worker.wait_ready(client_app)
    return module_worker
