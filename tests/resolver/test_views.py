"""The range calculator pages, rendered through Django's test client."""

import html
import re

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

from marketplace_site.sections import range_calculator as pages
from registry.services import RegistryService
from tests.factories import make_manifest

pytestmark = pytest.mark.django_db


def text_of(page: bytes) -> str:
    """The page's visible words, for assertions that do not depend on markup."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page.decode())).split())


@pytest.fixture
def widget() -> None:
    registry = RegistryService()
    for version in ("1.0.0", "1.4.0", "2.0.0", "2.1.0rc1"):
        registry.add(make_manifest("Widget_Kit", version))


def test_the_calculator_page_renders_an_empty_form(client: Client) -> None:
    response = client.get(reverse("range_calculator"))
    assert response.status_code == 200
    assert "resolver/range_calculator.html" in [t.name for t in response.templates]
    assert b'name="constraint"' in response.content
    assert b'id="result"' not in response.content


def test_the_calculator_shows_which_typed_versions_match_and_which_wins(client: Client) -> None:
    response = client.get(
        reverse("range_calculator"), {"constraint": "~1.2", "versions": "1.1.0, 1.2.0 1.2.7\n1.3.0"}
    )
    assert response.status_code == 200
    page = text_of(response.content)
    assert "Read as an npm range: >=1.2.0 <1.3.0-0" in page
    assert "1.2.7 wins: the highest of 2 matching versions." in page
    assert "1.3.0 no" in page
    assert "1.2.7 yes, wins" in page


def test_a_bad_constraint_is_shown_next_to_the_field(client: Client) -> None:
    response = client.get(reverse("range_calculator"), {"constraint": "^1.x.y", "versions": "1.0"})
    assert response.status_code == 400
    errors = re.search(rb'<ul class="field-errors" id="id_constraint_error">(.*?)</ul>',
                       response.content, re.S)  # fmt: skip
    assert errors is not None
    assert b"&#x27;^1.x.y&#x27; is not a version range" in errors.group(1)
    assert b'id="result"' not in response.content


def test_too_many_versions_is_an_error_on_that_field(client: Client) -> None:
    versions = " ".join(f"1.{k}" for k in range(501))
    response = client.get(reverse("range_calculator"), {"constraint": "*", "versions": versions})
    assert response.status_code == 400
    assert b"At most 500 versions" in response.content


def test_the_plugin_calculator_uses_the_published_versions(client: Client, widget: None) -> None:
    url = reverse("range_calculator_plugin", args=["widget-kit"])
    response = client.get(url, {"constraint": ">=1.2,<3"})
    assert response.status_code == 200
    page = text_of(response.content)
    assert "Range calculator: Widget_Kit" in page
    assert "Read as a PEP 440 specifier set: <3,>=1.2" in page
    assert "2.0.0 wins: the highest of 2 matching versions." in page
    assert "2.1.0rc1 pre-release no" in page
    assert "1.0.0 no" in page


def test_the_plugin_calculator_counts_prereleases_when_asked(client: Client, widget: None) -> None:
    url = reverse("range_calculator_plugin", args=["Widget_Kit"])
    response = client.get(url, {"constraint": "^2", "include_prerelease": "on"})
    assert "2.1.0rc1 wins" in text_of(response.content)


def test_the_plugin_calculator_says_when_nothing_matches(client: Client, widget: None) -> None:
    url = reverse("range_calculator_plugin", args=["widget-kit"])
    response = client.get(url, {"constraint": "^9"})
    assert "No version matches." in text_of(response.content)


def test_the_plugin_calculator_lists_versions_before_a_question(
    client: Client, widget: None
) -> None:
    response = client.get(reverse("range_calculator_plugin", args=["widget-kit"]))
    assert response.status_code == 200
    assert "Published versions 1.0.0, 1.4.0, 2.0.0, 2.1.0rc1" in text_of(response.content)


def test_an_unknown_plugin_is_not_found(client: Client) -> None:
    response = client.get(reverse("range_calculator_plugin", args=["ghost"]))
    assert response.status_code == 404


def test_the_calculator_only_answers_get(client: Client) -> None:
    assert client.post(reverse("range_calculator"), {"constraint": "*"}).status_code == 405


def test_the_plugin_page_section_aims_a_form_at_the_plugin(widget: None) -> None:
    plugin = RegistryService().get_plugin("widget-kit")
    assert plugin is not None
    context = pages.plugin_section(None, None, plugin, plugin.latest)  # type: ignore[arg-type]
    assert context["resolver_url"] == "/resolver/Widget_Kit/"
    section = render_to_string("resolver/_plugin_section.html", context)
    assert 'action="/resolver/Widget_Kit/"' in section
    assert 'name="constraint"' in section
    assert 'id="resolver_constraint"' in section


def test_an_overlong_constraint_is_refused_by_the_form(client: Client) -> None:
    response = client.get(reverse("range_calculator"), {"constraint": "1" * 201})
    assert response.status_code == 400
    assert b"at most 200 characters" in response.content


@pytest.mark.parametrize(
    ("constraint", "reading", "note"),
    [
        ("^2.0.0-next.5", "Read as an npm range: >=2.0.0-next.5 <3.0.0-0 As node-semver 7", False),
        (">=1.2.3", "Read as a PEP 440 specifier set: >=1.2.3", True),
        (">=1.0,<2", "Read as a PEP 440 specifier set: <2,>=1.0", False),
    ],
)
def test_the_calculator_says_which_reading_it_used(
    client: Client, constraint: str, reading: str, note: bool
) -> None:
    response = client.get(reverse("range_calculator"), {"constraint": constraint, "versions": "1"})
    page = text_of(response.content)
    assert reading in page
    also = "It is also a valid npm range; a constraint valid in both keeps PEP 440's meaning."
    assert (also in page) is note


@pytest.fixture
def widget_with_a_yank(widget: None) -> None:
    RegistryService().yank("widget-kit", "2.0.0", reason="Breaks the grid")


def test_the_plugin_calculator_passes_over_a_yanked_version_as_an_install_does(
    client: Client, widget_with_a_yank: None
) -> None:
    url = reverse("range_calculator_plugin", args=["widget-kit"])
    page = text_of(client.get(url, {"constraint": ">=1.2,<3"}).content)
    assert "1.4.0 wins: the highest of 1 matching version, not counting 1 yanked." in page
    assert "2.0.0 yanked yes, but yanked: picked only when pinned exactly" in page


def test_the_plugin_calculator_picks_a_yanked_version_pinned_exactly(
    client: Client, widget_with_a_yank: None
) -> None:
    url = reverse("range_calculator_plugin", args=["widget-kit"])
    page = text_of(client.get(url, {"constraint": "==2.0.0"}).content)
    assert "2.0.0 wins: the highest of 1 matching version." in page


def test_the_plugin_calculator_says_when_only_yanked_versions_match(
    client: Client, widget_with_a_yank: None
) -> None:
    url = reverse("range_calculator_plugin", args=["widget-kit"])
    page = text_of(client.get(url, {"constraint": "~2.0"}).content)
    assert "Only yanked versions match" in page
    assert "No version matches." not in page


def test_the_plugin_calculator_names_the_yanked_versions_before_a_question(
    client: Client, widget_with_a_yank: None
) -> None:
    page = text_of(client.get(reverse("range_calculator_plugin", args=["widget-kit"])).content)
    assert "Yanked (picked only when a constraint pins exactly one of them): 2.0.0" in page


def test_the_plugin_calculator_works_when_every_version_is_yanked(client: Client) -> None:
    registry = RegistryService()
    registry.add(make_manifest("solo", "1.0.0"))
    registry.yank("solo", "1.0.0")
    response = client.get(reverse("range_calculator_plugin", args=["solo"]), {"constraint": "*"})
    assert response.status_code == 200
    assert "Only yanked versions match" in text_of(response.content)
