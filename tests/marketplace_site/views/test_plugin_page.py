"""The plugin page composed from all five apps."""

import pytest
from django.test import Client
from django.urls import reverse

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


def test_the_page_shows_every_capability(client: Client, market) -> None:  # type: ignore[no-untyped-def]
    market.install_published("app")
    market.install_published("app")
    content = client.get(reverse("plugin_detail", args=["app"])).content.decode()
    assert "The app." in content  # registry
    assert "Nice and small." in content  # reviews
    assert 'id="dependencies"' in content and "/plugins/base/" in content  # dependency tree
    assert "<strong>2</strong> installs" in content  # recorded runs
    assert "http://testserver/api/v1/install" in content  # the API install command
    assert f"{reverse('install')}?name=app&amp;version=1.0.0" in content
    used_by = client.get(reverse("plugin_detail", args=["base"])).content.decode()
    assert 'id="used-by"' in used_by and "/plugins/app/" in used_by


def test_browse_sorts_by_installs(client: Client, market) -> None:  # type: ignore[no-untyped-def]
    market.install_published("base")
    market.install_published("base")
    market.install_published("app")
    content = client.get(reverse("browse"), {"sort": "installs"}).content.decode()
    assert content.index("/plugins/base/") < content.index("/plugins/app/")
    assert "2 installs" in content and "1 install " in content
    by_name = client.get(reverse("browse")).content.decode()
    assert by_name.index("/plugins/app/") < by_name.index("/plugins/base/")
