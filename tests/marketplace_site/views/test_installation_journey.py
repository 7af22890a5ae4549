"""A host application's owner in a real browser: install, run, see "Outdated", upgrade, run
again, uninstall (against the live server, on SQLite and on PostgreSQL)."""

from typing import Any

import pytest
from playwright.sync_api import expect

from marketplace_site.marketplace import create_marketplace
from tests.factories import PASSWORD, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MONEY = "def money(x):\n    return format(x, '{spec}') + ' EUR'\n"


def test_install_run_outdated_upgrade_run_uninstall(page: Any) -> None:
    market = create_marketplace()
    market.publish(
        {"name": "money-fmt", "version": "1.0.0", "entry_point": MONEY.format(spec=".2f")}
    )
    market.publish(
        {
            "name": "price-tag",
            "version": "1.0.0",
            "entry_point": "import money_fmt\nresult = money_fmt.money(amount)",
            "dependencies": {"money-fmt": "^1.0"},
        }
    )
    make_user("host")
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("host")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.goto("/plugins/price-tag/")
    expect(page.locator("#dependencies")).to_contain_text("money-fmt")
    page.get_by_role("button", name="Install 1.0.0 for me").click()
    expect(page.get_by_text("Installed price-tag 1.0.0.")).to_be_visible()
    expect(page.locator("#outdated")).to_contain_text("money-fmt")

    page.get_by_label("Context (JSON object)").fill('{"amount": 1234.5}')
    page.get_by_role("button", name="Run").click()
    expect(page.locator("#sandbox-output")).to_have_text('"1234.50 EUR"')
    expect(page.locator("#installation-run-count")).to_have_text("1 run of this installation")

    market.publish(
        {"name": "money-fmt", "version": "1.1.0", "entry_point": MONEY.format(spec=",.2f")}
    )
    page.reload()
    expect(page.locator("#outdated strong")).to_have_text("1.1.0")

    page.get_by_role("link", name="Upgrade").first.click()
    expect(page.locator("#upgrade-changes")).to_contain_text("1.0.0")
    expect(page.locator("#upgrade-changes")).to_contain_text("1.1.0")
    page.get_by_role("button", name="Apply the upgrade").click()
    expect(page.get_by_text("Upgraded price-tag.")).to_be_visible()

    page.get_by_label("Context (JSON object)").fill('{"amount": 1234.5}')
    page.get_by_role("button", name="Run").click()
    expect(page.locator("#sandbox-output")).to_have_text('"1,234.50 EUR"')

    page.get_by_role("link", name="Uninstall").first.click()
    page.get_by_role("button", name="Uninstall").click()
    expect(page.get_by_text("Uninstalled price-tag.")).to_be_visible()
    expect(page.get_by_text("You have installed no plugin yet.")).to_be_visible()
