"""Fixtures shared by every test: factories live in tests/factories.py."""

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings
from hypothesis.configuration import set_hypothesis_home_dir

# Every hypothesis test keeps its files (examples, constants) out of the repository: pytest's
# norecursedirs (pyproject) replaces the defaults, so a .hypothesis directory at the root would
# make collection warn, an error here.
set_hypothesis_home_dir(str(Path(tempfile.gettempdir()) / "marketplace-hypothesis"))
# No per-example deadline: how long one example takes is a speed figure (tests/benchmarks),
# and under coverage on a busy machine a correct example can pass 200 ms and fail the test.
settings.register_profile("marketplace", deadline=None)
settings.load_profile("marketplace")

# Playwright's sync API runs an event loop in the test thread; the ORM calls a test makes
# around it are still synchronous, so Django's async-safety guard does not apply.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def chromium_path() -> str | None:
    for candidate in (os.environ.get("CHROMIUM_PATH"), *CHROMIUM_CANDIDATES):
        if candidate and shutil.which(candidate):
            return candidate
    return None


@pytest.fixture
def dot() -> str:
    """Graphviz's dot (Debian package ``graphviz``): required in CI, skipped elsewhere."""
    path = shutil.which("dot")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("Graphviz is missing: the test command installs Debian's graphviz.")
        pytest.skip("Graphviz's dot is not installed.")
    return path


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (no browser download)."""
    executable = chromium_path()
    if executable is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing: the test command installs Debian's chromium.")
        pytest.skip("Chromium is not installed; run the README's test command.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any, live_server: Any) -> Iterator[Any]:
    """A fresh browser tab; ``page.base_url`` is the live server's address."""
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture(autouse=True)
def _no_page_cache(settings: Any) -> None:
    """Tests change data between requests inside one transaction, where the cache's
    invalidation (on commit) never runs; tests/marketplace_site/web/test_page_cache.py turns
    it on. The fragments cache (memory) is emptied too: ids come back after a rollback."""
    from django.core.cache import caches

    settings.PAGE_CACHE_SECONDS = 0
    caches["fragments"].clear()


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings: Any) -> None:
    """Creating a user with the real hasher costs about 0.2 s; tests make hundreds."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def marketplace(db: None) -> Any:
    from marketplace_site.marketplace import create_marketplace

    return create_marketplace()


@pytest.fixture(autouse=True)
def _clear_cache_after_transactional_tests(request: Any, django_db_blocker: Any) -> Iterator[None]:
    """The cache (rate-limit counters) is a database table that a flush leaves alone, and user
    ids come back after one; a test with the ``db`` fixture rolls its rows back instead."""
    yield
    marker = request.node.get_closest_marker("django_db")
    transactional = {"transactional_db", "live_server"} & set(request.fixturenames) or (
        marker is not None and marker.kwargs.get("transaction")
    )
    if transactional:
        from django.core.cache import cache

        with django_db_blocker.unblock():
            cache.clear()
