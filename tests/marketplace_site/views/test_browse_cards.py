"""The browse page: its cards (written in Python) are the card template's, byte for byte, and
its pages, read from either end of an order's index, list every plugin once in that order."""

from datetime import timedelta

import pytest
from django.template import engines
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from marketplace_site.views.plugins import BROWSE_PAGE_SIZE, BROWSE_SORTS
from marketplace_site.web.cards import cards
from registry.models import Plugin
from registry.services import RegistryService
from tests.factories import make_manifest

pytestmark = pytest.mark.django_db

TEMPLATE_CARDS = '{% for plugin in plugins %}{% include "includes/_plugin_card.html" %}{% endfor %}'


def test_cards_are_the_card_templates_markup_for_every_kind_of_card() -> None:
    registry = RegistryService()
    registry.add(make_manifest("plain"))
    registry.add(
        make_manifest(
            "busy", author='Ada <b>"Lovelace"</b> & co',
            description="<script>alert('x')</script> & " + "long words " * 30,
            keywords=["one", "<two>", "three", "four", "five", "six", "seven"],
        )
    )  # fmt: skip
    registry.add(make_manifest("quiet", author="", description="", keywords=[]))
    # Short, but not NFC: truncatechars writes it composed.
    registry.add(make_manifest("decomposed", description="Cafe\u0301 tools"))
    registry.add(make_manifest("gone", description="Every version yanked."))
    registry.yank("gone", "1.0.0", "broken")
    Plugin.objects.filter(canonical_name="busy").update(
        install_count=1, installation_run_count=1, trial_run_count=1
    )
    Plugin.objects.filter(canonical_name="quiet").update(
        install_count=2, installation_run_count=1234567, trial_run_count=0,
        updated_at=timezone.now() - timedelta(days=400),
        display_name="Quiet ü",  # not a name publishing accepts: its address is quoted
    )  # fmt: skip
    plugins = registry.browse_page(sort="name", limit=10)
    assert [plugin.canonical_name for plugin in plugins] == [
        "busy", "decomposed", "gone", "plain", "quiet",
    ]  # fmt: skip
    expected = engines["django"].from_string(TEMPLATE_CARDS).render({"plugins": plugins})
    written = cards(plugins)
    assert written == expected
    # "updated ... ago" in the active language, as the timesince filter writes it.
    with translation.override("de"):
        german = engines["django"].from_string(TEMPLATE_CARDS).render({"plugins": plugins})
        assert cards(plugins) == german and "1\xa0Jahr" in german
    # What each kind shows, so that the comparison above compares cards that differ.
    assert "&lt;script&gt;" in written and "<script>" not in written
    assert "<li>six</li>" in written and "seven" not in written
    assert ">yanked</span>" in written
    assert "by unknown" in written
    assert "<p>Caf\u00e9 tools</p>" in written
    assert "1 install · 1 installation run · 1 trial run" in written
    assert "2 installs · 1234567 installation runs · 0 trial runs" in written
    assert 'href="/plugins/Quiet%20%C3%BC/"' in written and 'href="/plugins/busy/"' in written


NAMES = [f"plugin-{i:02d}" for i in range(47)]


def names_on_page(client: Client, sort: str, number: int | str) -> list[str]:
    """The plugins a page's cards link to, in the page's order."""
    page = client.get(f"{reverse('browse')}?sort={sort}&page={number}").content.decode()
    links = {name: page.find(f'href="/plugins/{name}/"') for name in NAMES}
    return sorted((name for name, at in links.items() if at >= 0), key=links.__getitem__)


def test_every_page_of_every_order_lists_each_plugin_once_in_that_order(client: Client) -> None:
    """47 plugins, three pages: the last pages are read walking the index from its far end;
    updates and installs tie in threes, which the name breaks."""
    registry = RegistryService()
    for name in NAMES:
        registry.add(make_manifest(name))
    now = timezone.now()
    for i, name in enumerate(NAMES):
        Plugin.objects.filter(canonical_name=name).update(
            updated_at=now - timedelta(hours=i // 3), install_count=(i * 7) % 5
        )
    expected = {
        "name": NAMES,
        "updated": NAMES,  # newest first: i // 3 grows with the name
        "installs": sorted(NAMES, key=lambda name: (-((NAMES.index(name) * 7) % 5), name)),
    }
    assert set(expected) == set(BROWSE_SORTS)
    pages = -(-len(NAMES) // BROWSE_PAGE_SIZE)
    for sort, order in expected.items():
        listed: list[str] = []
        for number in range(1, pages + 1):
            listed += names_on_page(client, sort, number)
        assert listed == order, sort


@pytest.mark.parametrize(("asked", "shown"), [("0", 1), ("-3", 1), ("x", 1), ("2", 2), ("99", 3)])
def test_a_page_number_out_of_range_shows_the_nearest_page(
    client: Client, asked: str, shown: int
) -> None:
    registry = RegistryService()
    for name in NAMES:
        registry.add(make_manifest(name))
    assert names_on_page(client, "name", asked) == names_on_page(client, "name", shown)
