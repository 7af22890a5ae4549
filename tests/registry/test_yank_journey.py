"""An author yanks a broken version and undoes it, in a real browser."""

import pytest
from playwright.sync_api import Page, expect

from registry.services import RegistryService
from tests.factories import PASSWORD, make_manifest, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_yank_with_a_reason_then_unyank(page: Page) -> None:
    author = make_user("ada")
    for version in ("1.0.0", "1.1.0"):
        RegistryService().add(
            make_manifest("csv-tools", version, readme="# CSV tools\n\nParses *CSV*."),
            owner=author,
        )
    page.goto("/accounts/login/?next=/plugins/csv-tools/")
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="CSV tools")).to_be_visible()  # the README

    row = page.locator("#version-1\\.1\\.0")
    row.get_by_text("Yank", exact=True).click()
    row.get_by_label("Reason (optional)").fill("Loses the last row")
    row.get_by_role("button", name="Yank 1.1.0").click()
    expect(page.get_by_text("Yanked csv-tools 1.1.0")).to_be_visible()
    row = page.locator("#version-1\\.1\\.0")
    expect(row.locator(".badge-danger")).to_have_text("yanked")
    expect(row.get_by_text("Loses the last row")).to_be_visible()
    assert page.get_by_role("heading", level=1).inner_text().startswith("csv-tools 1.0.0")

    row.get_by_role("button", name="Unyank").click()
    expect(page.get_by_text("csv-tools 1.1.0 is no longer yanked.")).to_be_visible()
    assert page.get_by_role("heading", level=1).inner_text().startswith("csv-tools 1.1.0")
