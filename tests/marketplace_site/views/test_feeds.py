"""The Atom feeds of new releases, read as XML, and the pages that point to them."""

import re
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from marketplace_site.marketplace import Marketplace, create_marketplace
from registry.models import PluginVersion
from tests.factories import make_user

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def market() -> Marketplace:
    market = create_marketplace()
    owner = make_user("owner")
    releases = [
        ("csv-tools", "1.0.0", "* First."),
        ("text-utils", "0.1.0", ""),
        ("csv-tools", "1.1.0", "* Quoted fields.\n\n<script>alert(1)</script>"),
    ]
    start = timezone.now() - timedelta(days=3)
    for day, (name, version, changelog) in enumerate(releases):
        market.publish(
            {"name": name, "version": version, "entry_point": "result = 1",
             "description": f"{name} does things & more", "changelog": changelog},
            owner=owner,
        )  # fmt: skip
        # Publish times a day apart, so that the order is the feed's, not the clock's.
        PluginVersion.objects.filter(version=version, plugin__canonical_name=name).update(
            published_at=start + timedelta(days=day)
        )
    return market


def feed(client: Client, url: str) -> ET.Element:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    return ET.fromstring(response.content)  # noqa: S314 - our own feed


def entries(root: ET.Element) -> list[dict[str, str]]:
    found = []
    for entry in root.iter(f"{ATOM}entry"):
        link = entry.find(f"{ATOM}link")
        found.append(
            {
                "title": entry.findtext(f"{ATOM}title") or "",
                "link": link.get("href", "") if link is not None else "",
                "summary": entry.findtext(f"{ATOM}summary") or "",
                "categories": ",".join(c.get("term", "") for c in entry.iter(f"{ATOM}category")),
                "updated": entry.findtext(f"{ATOM}updated") or "",
                "published": entry.findtext(f"{ATOM}published") or "",
            }
        )
    return found


def test_the_site_feed_lists_every_release_newest_first(
    client: Client, market: Marketplace
) -> None:
    root = feed(client, reverse("releases_feed"))
    assert root.tag == f"{ATOM}feed"
    assert root.findtext(f"{ATOM}title") == "New releases · Plugin Marketplace"
    found = entries(root)
    assert [e["title"] for e in found] == ["csv-tools 1.1.0", "text-utils 0.1.0", "csv-tools 1.0.0"]
    assert found[0]["link"] == "http://testserver/plugins/csv-tools/?version=1.1.0"
    summary = found[0]["summary"]  # HTML, as text in the XML
    assert "<li>Quoted fields.</li>" in summary and "<script" not in summary
    assert "does things &amp; more" in summary


def test_the_plugin_feed_lists_its_own_releases(client: Client, market: Marketplace) -> None:
    root = feed(client, reverse("plugin_releases_feed", args=["CSV_Tools"]))
    assert root.findtext(f"{ATOM}title") == "New releases of csv-tools · Plugin Marketplace"
    assert [e["title"] for e in entries(root)] == ["csv-tools 1.1.0", "csv-tools 1.0.0"]
    assert client.get(reverse("plugin_releases_feed", args=["nothing"])).status_code == 404


def test_a_yanked_release_stays_in_the_feed_marked(client: Client, market: Marketplace) -> None:
    market.yank("csv-tools", "1.1.0", reason="Loses the last row")
    found = entries(feed(client, reverse("plugin_releases_feed", args=["csv-tools"])))
    yanked = found[0]
    assert yanked["title"] == "csv-tools 1.1.0 (yanked)"
    assert yanked["categories"] == "yanked"
    assert "<strong>Yanked</strong>: Loses the last row" in yanked["summary"]
    assert yanked["updated"] > yanked["published"]  # brought back to readers' attention
    assert found[1]["title"] == "csv-tools 1.0.0" and found[1]["categories"] == ""


def test_pages_link_the_feeds_in_their_head(client: Client, market: Marketplace) -> None:
    home = client.get(reverse("browse")).content.decode()
    head = re.search(r"<head>.*?</head>", home, re.S)
    assert head and (
        '<link rel="alternate" type="application/atom+xml" title="New releases on the marketplace"'
        f' href="{reverse("releases_feed")}">'
    ) in head.group(0)
    plugin = client.get(reverse("plugin_detail", args=["csv-tools"])).content.decode()
    head = re.search(r"<head>.*?</head>", plugin, re.S)
    assert head and f'href="{reverse("plugin_releases_feed", args=["csv-tools"])}"' in head.group(0)
    assert head.group(0).count('type="application/atom+xml"') == 2
