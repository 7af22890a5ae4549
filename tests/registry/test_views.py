"""The registry's own pages: home and search."""

import pytest
from django.test import Client
from django.urls import reverse

from registry.services import RegistryService
from tests.factories import make_manifest

pytestmark = pytest.mark.django_db


def test_home_lists_recently_updated_plugins(client: Client) -> None:
    RegistryService().add(make_manifest("older"))
    RegistryService().add(make_manifest("newer"))
    response = client.get(reverse("home"))
    assert response.status_code == 200
    content = response.content.decode()
    assert content.index("/plugins/newer/") < content.index("/plugins/older/")
    assert 'name="q"' in content  # the search box


def test_search_highlights_matches_and_escapes_html(client: Client) -> None:
    RegistryService().add(
        make_manifest("image-tool", description="Resize <script>alert(1)</script> images")
    )
    response = client.get(reverse("search"), {"q": "imag"})
    content = response.content.decode()
    assert "1 plugin match" in content
    assert "<mark>image</mark>-tool" in content
    assert "<mark>images</mark>" in content
    assert "<script>alert(1)</script>" not in content
    assert "&lt;script&gt;" in content


def test_search_with_no_match_says_so(client: Client) -> None:
    response = client.get(reverse("search"), {"q": "nothing-here"})
    assert "Nothing matches" in response.content.decode()


def test_search_says_more_than_the_count_cap(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from registry import search, views

    for i in range(7):
        RegistryService().add(make_manifest(f"widget-{i}"))
    monkeypatch.setattr(search, "COUNT_CAP", 2)
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    content = client.get(reverse("search"), {"q": "widget"}).content.decode()
    assert "More than 2 plugins match" in content
    # Further pages count further, so paging goes on to the last match.
    content = client.get(reverse("search"), {"q": "widget", "page": "3"}).content.decode()
    assert "More than 6 plugins match" in content and 'rel="next"' in content
    content = client.get(reverse("search"), {"q": "widget", "page": "4"}).content.decode()
    assert "7 plugins match" in content and 'rel="next"' not in content
