"""In a real Chromium, on a phone (390 x 844 CSS px) and a desktop (1280 x 800): a form that
runs a plugin lands on its result, and table cells keep names and dates on one line (a wide
table scrolls in its box instead of breaking words).

The demo data and sign-in are those of test_phone_width (ada owns an installation of
dashboard-kit)."""

from collections.abc import Iterator
from typing import Any

import pytest

from tests.marketplace_site.views.test_phone_width import (
    WIDER_THAN_THE_SCREEN,
    demo,  # noqa: F401  (a fixture, used by name)
    sign_in,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}

IN_VIEWPORT = """(element) => {
  const box = element.getBoundingClientRect();
  return {top: box.top, bottom: box.bottom, height: window.innerHeight};
}"""
LINES = """(element) => {
  const range = document.createRange();
  range.selectNodeContents(element);
  const tops = new Set([...range.getClientRects()].map(box => Math.round(box.top)));
  return tops.size;
}"""


def _page(browser: Any, live_server: Any, viewport: dict[str, int]) -> Iterator[Any]:
    context = browser.new_context(base_url=live_server.url, viewport=viewport)
    context.set_default_timeout(30_000)
    yield context.new_page()
    context.close()


@pytest.fixture(params=[PHONE, DESKTOP], ids=["phone", "desktop"])
def screen(request: Any, browser: Any, live_server: Any) -> Iterator[Any]:
    yield from _page(browser, live_server, request.param)


def assert_on_screen(page: Any, selector: str) -> None:
    heading = page.locator(selector)
    box = heading.evaluate(IN_VIEWPORT)
    assert box["top"] >= 0, (selector, box)
    assert box["bottom"] <= box["height"], (selector, box)


def run_and_wait(page: Any, button: str) -> None:
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name=button, exact=True).click()


def test_run_on_an_installation_lands_on_its_result(
    screen: Any,
    demo: dict[str, Any],  # noqa: F811
) -> None:
    sign_in(screen, "ada")
    screen.goto(f"/installations/{demo['installation']}/")
    screen.fill("#id_context", "{}")
    run_and_wait(screen, "Run")
    assert screen.url.endswith("#sandbox-result")
    assert_on_screen(screen, "#sandbox-result h2")


def test_install_lands_on_its_execution_result(
    screen: Any,
    demo: dict[str, Any],  # noqa: F811
) -> None:
    sign_in(screen, "ada")
    screen.goto("/install/?name=dashboard-kit")
    run_and_wait(screen, "Install")
    assert screen.url.endswith("#result")
    assert_on_screen(screen, "#result h2")
    assert_on_screen(screen, "#execution-result")


def test_try_it_lands_on_its_result(
    screen: Any,
    demo: dict[str, Any],  # noqa: F811
) -> None:
    sign_in(screen, "ada")
    screen.goto("/plugins/dashboard-kit/")
    screen.locator("#sandbox").get_by_role("button", name="Try it").click()
    screen.wait_for_url("**/plugins/dashboard-kit/try/**")
    screen.fill("#id_context", "{}")
    run_and_wait(screen, "Run")
    assert screen.url.endswith("#sandbox-result")
    assert_on_screen(screen, "#sandbox-result h2")


def test_a_bad_context_stays_next_to_its_field(
    screen: Any,
    demo: dict[str, Any],  # noqa: F811
) -> None:
    """No result to land on: the page opens at its top, with the form's message in view on
    the Try it page (the form comes first there)."""
    sign_in(screen, "ada")
    screen.goto("/plugins/dashboard-kit/try/")
    screen.fill("#id_context", "[1, 2")
    run_and_wait(screen, "Run")
    assert screen.locator("#sandbox-result").count() == 0
    assert screen.evaluate("window.scrollY") == 0


@pytest.fixture
def phone(browser: Any, live_server: Any) -> Iterator[Any]:
    yield from _page(browser, live_server, PHONE)


@pytest.fixture
def desktop(browser: Any, live_server: Any) -> Iterator[Any]:
    yield from _page(browser, live_server, DESKTOP)


def test_lock_table_names_are_one_line_on_a_phone(
    phone: Any,
    demo: dict[str, Any],  # noqa: F811
) -> None:
    sign_in(phone, "ada")
    phone.goto(f"/installations/{demo['installation']}/")
    names = phone.locator("#outdated tbody tr td:first-child")
    assert names.count() >= 2
    lines = {names.nth(i).inner_text(): names.nth(i).evaluate(LINES) for i in range(names.count())}
    assert "dashboard-kit" in lines
    assert set(lines.values()) == {1}, lines
    # The table is wider than the phone: it scrolls in its box, the page does not.
    assert phone.evaluate(WIDER_THAN_THE_SCREEN) == 0


def test_version_dates_are_one_line_on_a_desktop(
    desktop: Any,
    demo: dict[str, Any],  # noqa: F811
) -> None:
    sign_in(desktop, "grace")  # the owner: the Yank and Remove column too
    desktop.goto("/plugins/dashboard-kit/")
    dates = desktop.locator("#versions tbody tr td:nth-child(2)")
    assert dates.count() >= 1
    lines = {dates.nth(i).inner_text(): dates.nth(i).evaluate(LINES) for i in range(dates.count())}
    assert set(lines.values()) == {1}, lines
