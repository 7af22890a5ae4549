"""The demo catalog shows the runtime: plugins that call their dependencies, an installation
that "Outdated" and "Upgrade" have something to say about, and a plugin with no resolution."""

import io

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client

from marketplace_site.actions import installations as actions
from marketplace_site.marketplace import create_marketplace

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded() -> None:
    call_command("seed_demo", stdout=io.StringIO())


@pytest.mark.usefixtures("seeded")
def test_the_dashboard_formats_and_charts_with_its_dependencies() -> None:
    market = create_marketplace()
    ada = User.objects.get(username="ada")
    installation = market.install("dashboard-kit", user=ada)
    assert {"chart-data", "currency-format", "template-render"} <= set(installation.lock)
    result = market.run_installed(installation.id, {"sales": [1000, 500.5]}, user=ada)
    assert result.error is None
    assert result.output == {
        "total": "€1,500.50",
        "histogram": [1, 0, 1],
        "widgets": ["chart", "table", "kpi"],
    }


@pytest.mark.usefixtures("seeded")
def test_the_demo_installation_is_outdated_and_its_upgrade_changes_the_output() -> None:
    market = create_marketplace()
    bob = User.objects.get(username="bob")
    (installation,) = market.installations(bob)
    context = {"lines": [{"qty": 1, "price": 1000}], "tax_rate": 0}
    before = market.run_installed(installation.id, context, user=bob)
    assert before.output == {"subtotal": "€1000.00", "tax": "€0.00", "total": "€1000.00"}
    rows = {row.name: row for row in actions.outdated(market, installation.id, user=bob)}
    assert rows["currency-format"].outdated
    assert rows["currency-format"].newest_fitting == "1.1.0"
    market.upgrade(installation.id, user=bob)
    after = market.run_installed(installation.id, context, user=bob)
    assert isinstance(after.output, dict) and after.output["total"] == "€1,000.00"


@pytest.mark.usefixtures("seeded")
def test_report_builder_says_why_it_cannot_be_installed(client: Client) -> None:
    html = client.get("/plugins/report-builder/").content.decode()
    assert 'id="resolution-error"' in html
    assert "stats-basic" in html.split('id="resolution-error"')[1].split("</div>")[0]
    assert "Plan and install" not in html


@pytest.mark.usefixtures("seeded")
def test_the_demo_shows_a_readme_a_changelog_and_a_yanked_version() -> None:
    dashboard = Client().get("/plugins/dashboard-kit/").content.decode()
    assert '<section id="readme"' in dashboard
    assert "<table>" in dashboard.split('id="readme"', 1)[1]  # its context table, rendered
    currency = Client().get("/plugins/currency-format/").content.decode()
    assert "Group thousands" in currency  # the 1.1.0 changelog in the versions list
    text_utils = Client().get("/plugins/text-utils/").content.decode()
    row = text_utils.split('id="version-1.1.0"', 1)[1].split("</tr>", 1)[0]
    assert "yanked" in row
    assert "Splits on tabs only" in row
    latest = create_marketplace().registry.get("text-utils")
    assert latest is not None
    assert latest.version == "1.2.0"  # not the pre-release 2.0.0rc1, not the yanked 1.1.0
    yanked = create_marketplace().registry.get("text-utils", "1.1.0")
    assert yanked is not None and ".split('\\t')" in yanked.entry_point  # its own bug


def test_seeding_twice_keeps_one_of_everything() -> None:
    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())
    market = create_marketplace()
    assert [v for v in market.registry.versions("text-utils") if v == "1.1.0"] == ["1.1.0"]
