"""The "My plugins" pages, and the plugin page's resolution tree and install button."""

from typing import Any

import pytest
from django.test import Client

from marketplace_site.marketplace import Marketplace
from marketplace_site.models import InstalledPlugin, PinnedVersion
from tests.factories import PASSWORD, make_user, publish
from tests.pages import text

pytestmark = pytest.mark.django_db

FORMAT_1 = "def money(x):\n    return f'${x:.2f}'\n"
FORMAT_2 = "def money(x):\n    return f'USD {x:,.2f}'\n"


def signed_in(client: Client, username: str = "ada") -> Client:
    client.login(username=make_user(username).username, password=PASSWORD)
    return client


@pytest.fixture
def plugins(marketplace: Marketplace) -> None:
    publish("currency-format", "1.0.0", marketplace=marketplace, entry_point=FORMAT_1)
    publish(
        "price-tag", "1.0.0", marketplace=marketplace,
        entry_point="import currency_format\ncurrency_format.money(amount)",
        dependencies={"currency-format": "^1.0"},
    )  # fmt: skip


@pytest.mark.usefixtures("plugins")
def test_install_run_upgrade_uninstall_through_the_pages(
    client: Client, marketplace: Marketplace
) -> None:
    signed_in(client)
    page = client.get("/plugins/price-tag/").content.decode()
    assert 'id="install-for-me"' in page
    response = client.post("/installations/new/", {"name": "price-tag", "version": "1.0.0"})
    assert response.status_code == 302
    detail_url = response["Location"]
    listing = text(client.get("/installations/").content.decode())
    assert "price-tag 1.0.0 currency-format 1.0.0" in listing

    ran = client.post(detail_url, {"context": '{"amount": 3}'})
    assert ran.status_code == 200
    assert ran.context["result"].output == "$3.00"
    assert "1 run of this installation" in text(ran.content.decode())

    bad = client.post(detail_url, {"context": "{oops"})
    assert bad.status_code == 400
    assert InstalledPlugin.objects.get().run_count == 1

    publish("currency-format", "1.1.0", marketplace=marketplace, entry_point=FORMAT_2)
    outdated = text(client.get(detail_url).content.decode())
    assert "currency-format 1.0.0" in outdated and "1.1.0" in outdated

    upgrade_url = detail_url + "upgrade/"
    plan = client.get(upgrade_url)
    assert "currency-format 1.0.0 1.1.0" in text(plan.content.decode())
    assert dict(marketplace.installations(InstalledPlugin.objects.get().user)[0].lock) == {
        "currency-format": "1.0.0"
    }
    assert client.post(upgrade_url).status_code == 302
    again = client.post(detail_url, {"context": '{"amount": 1000}'})
    assert again.context["result"].output == "USD 1,000.00"

    assert client.post(detail_url + "uninstall/").status_code == 302
    assert not InstalledPlugin.objects.exists()


@pytest.mark.usefixtures("plugins")
def test_a_removed_pinned_version_is_marked_and_still_runs(
    client: Client, marketplace: Marketplace
) -> None:
    signed_in(client)
    client.post("/installations/new/", {"name": "price-tag"})
    installation = InstalledPlugin.objects.get()
    marketplace.remove_version("currency-format", "1.0.0")
    url = f"/installations/{installation.pk}/"
    assert "no longer published" in client.get(url).content.decode()
    assert client.post(url, {"context": '{"amount": 2}'}).context["result"].output == "$2.00"


@pytest.mark.usefixtures("plugins")
def test_an_altered_lock_is_refused_on_the_page(client: Client) -> None:
    signed_in(client)
    client.post("/installations/new/", {"name": "price-tag"})
    PinnedVersion.objects.filter(is_root=True).update(code="'changed'")
    response = client.post(f"/installations/{InstalledPlugin.objects.get().pk}/", {"context": "{}"})
    assert response.status_code == 409
    assert "no longer matches its lock" in response.content.decode()


@pytest.mark.usefixtures("plugins")
def test_other_users_and_visitors_cannot_reach_an_installation(client: Client) -> None:
    signed_in(client)
    client.post("/installations/new/", {"name": "price-tag"})
    pk = InstalledPlugin.objects.get().pk
    client.logout()
    for url in (f"/installations/{pk}/", f"/installations/{pk}/upgrade/"):
        assert client.get(url).status_code == 302  # to the login page
    signed_in(client, "mallory")
    for url in ("", "upgrade/", "uninstall/"):
        assert client.get(f"/installations/{pk}/{url}").status_code == 404
        assert client.post(f"/installations/{pk}/{url}", {"context": "{}"}).status_code == 404
    assert "price-tag" not in client.get("/installations/").content.decode()
    assert InstalledPlugin.objects.get().run_count == 0


def test_the_plugin_page_shows_the_resolution_an_install_would_pin(
    client: Client, marketplace: Marketplace
) -> None:
    publish("stats", "1.0.0", marketplace=marketplace)
    publish("stats", "2.0.0", marketplace=marketplace)
    publish("stats", "2.1.0", marketplace=marketplace)
    publish("chart", "1.0.0", marketplace=marketplace, dependencies={"stats": ">=1"})
    publish("report", "1.0.0", marketplace=marketplace, dependencies={"chart": "*", "stats": "<2"})
    html = client.get("/plugins/report/").content.decode()
    # One version of stats for the whole closure: 1.0.0 satisfies both edges.
    assert "stats >=1 → 1.0.0" in text(html) and "stats <2 → 1.0.0" in text(html)
    assert 'id="resolution-error"' not in html
    publish("broken", "1.0.0", marketplace=marketplace, dependencies={"chart": "*", "stats": ">=9"})
    broken = client.get("/plugins/broken/").content.decode()
    assert 'id="resolution-error"' in broken
    assert "stats" in text(broken.split('id="resolution-error"')[1].split("</div>")[0])
    assert 'id="not-installable"' in broken
    assert "Plan and install" not in broken and 'id="install-for-me"' not in broken


def test_a_plugin_that_cannot_be_installed_says_why(
    client: Client, marketplace: Marketplace
) -> None:
    publish("ping", "1.0.0", marketplace=marketplace, dependencies={"pong": "*"})
    publish("pong", "1.0.0", marketplace=marketplace, dependencies={"ping": "*"})
    signed_in(client)
    response = client.post("/installations/new/", {"name": "ping"}, follow=True)
    assert response.status_code == 200
    assert "ping cannot be installed: " in response.content.decode()
    assert not InstalledPlugin.objects.exists()


@pytest.mark.usefixtures("plugins")
def test_the_run_form_is_rate_limited_and_keeps_the_context(
    client: Client, marketplace: Marketplace, settings: Any
) -> None:
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "run": (2, 60)}
    signed_in(client)
    detail_url = client.post("/installations/new/", {"name": "price-tag"})["Location"]
    for _ in range(2):
        assert client.post(detail_url, {"context": '{"amount": 3}'}).status_code == 200
    limited = client.post(detail_url, {"context": '{"amount": 41.5}'})
    assert limited.status_code == 429
    assert 1 <= int(limited["Retry-After"]) <= 60
    page = limited.content.decode()
    assert "{&quot;amount&quot;: 41.5}" in page  # the pasted context, still in the form
    words = text(page)
    assert "You have reached the limit of 2 runs of installations per 60 seconds." in words
    assert "Try again in " in words
    assert limited.context["result"] is None
    assert InstalledPlugin.objects.get().run_count == 2
