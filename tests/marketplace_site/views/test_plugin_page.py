"""The plugin page composed from all five apps."""

import pytest
from django.test import Client
from django.urls import reverse

from marketplace_site.actions import Marketplace
from marketplace_site.marketplace import create_marketplace
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def market():  # type: ignore[no-untyped-def]
    market = create_marketplace()
    owner = make_user("owner")
    market.publish({"name": "base", "version": "1.0.0", "entry_point": "1"}, owner=owner)
    market.publish(
        {
            "name": "app",
            "version": "1.0.0",
            "entry_point": "result = 40 + 2",
            "description": "The app.",
            "dependencies": {"base": "^1.0"},
        },
        owner=owner,
    )
    market.reviews.add_review("app", "reader", 4, "Nice and small.")
    return market


def counts_of(content: str) -> dict[str, str]:
    """The plugin page's counts: installs, installation runs, trial runs, by their ids."""
    found = {}
    for key in ("installs", "installation-runs", "trial-runs"):
        start = content.index(f'id="{key}"><strong>') + len(f'id="{key}"><strong>')
        found[key] = content[start : content.index("</strong>", start)]
    return found


def test_the_page_shows_every_capability(client: Client, market) -> None:  # type: ignore[no-untyped-def]
    market.install_published("app")
    market.install_published("app")
    content = client.get(reverse("plugin_detail", args=["app"])).content.decode()
    assert "The app." in content  # registry
    assert "Nice and small." in content  # reviews
    assert 'id="dependencies"' in content and "/plugins/base/" in content  # dependency tree
    # Two install-workflow runs are trial runs: nobody installed it.
    assert counts_of(content) == {"installs": "0", "installation-runs": "0", "trial-runs": "2"}
    assert "http://testserver/api/v1/install" in content  # the API install command
    assert f"{reverse('install')}?name=app&amp;version=1.0.0" in content
    used_by = client.get(reverse("plugin_detail", args=["base"])).content.decode()
    assert 'id="used-by"' in used_by and "/plugins/app/" in used_by


def test_installs_installation_runs_and_trial_runs_are_counted_apart(
    client: Client, market: Marketplace
) -> None:
    ann, bea = make_user("ann"), make_user("bea")
    failing = market.publish(
        {"name": "broken", "version": "1.0.0", "entry_point": "raise ValueError('no')"}
    )
    assert not market.install_published(failing.name).sandbox.success  # a failed trial run
    installation = market.install("app", user=ann)
    market.install("app", user=ann)  # installing again re-pins: still one install
    market.install("app", user=bea)
    market.run_installed(installation.id, user=ann)
    market.install_published("app")  # a trial run

    def shown(name: str) -> dict[str, str]:
        return counts_of(client.get(reverse("plugin_detail", args=[name])).content.decode())

    assert shown("app") == {"installs": "2", "installation-runs": "1", "trial-runs": "1"}
    assert shown("broken") == {"installs": "0", "installation-runs": "0", "trial-runs": "1"}
    market.uninstall(installation.id, user=ann)
    assert shown("app") == {"installs": "1", "installation-runs": "1", "trial-runs": "1"}
    card = client.get(reverse("browse")).content.decode()
    assert "1 install · 1 installation run · 1 trial run" in card
    api = client.get("/api/v1/plugins/app").json()
    assert (api["installs"], api["installation_runs"], api["trial_runs"]) == (1, 1, 1)
    listed = {item["name"]: item for item in client.get("/api/v1/plugins").json()["items"]}
    assert (listed["broken"]["installs"], listed["broken"]["trial_runs"]) == (0, 1)


def test_browse_sorts_by_installs(client: Client, market) -> None:  # type: ignore[no-untyped-def]
    for user in ("ann", "bea"):
        market.install("base", user=make_user(user))
    market.install("app", user=make_user("cy"))
    market.install_published("app")  # trial runs do not count as installs
    market.install_published("app")
    content = client.get(reverse("browse"), {"sort": "installs"}).content.decode()
    assert content.index("/plugins/base/") < content.index("/plugins/app/")
    assert "2 installs ·" in content and "1 install ·" in content
    by_name = client.get(reverse("browse")).content.decode()
    assert by_name.index("/plugins/app/") < by_name.index("/plugins/base/")
    api = client.get("/api/v1/plugins", {"sort": "installs"}).json()
    assert [item["name"] for item in api["items"]] == ["base", "app"]


@pytest.mark.parametrize(
    ("spelling", "query"),
    [("widget-kit", ""), ("WIDGET.KIT", "?version=1.0.0"), ("widget__kit", "")],
)
def test_another_spelling_of_a_name_redirects_to_the_published_one(
    client: Client, spelling: str, query: str
) -> None:
    create_marketplace().publish({"name": "Widget_Kit", "version": "1.0.0", "entry_point": "1"})
    response = client.get(reverse("plugin_detail", args=[spelling]) + query)
    assert response.status_code == 301
    assert response["Location"] == reverse("plugin_detail", args=["Widget_Kit"]) + query
    assert client.get(response["Location"]).status_code == 200
