"""Pages that are never blank: an empty search shows popular and recent plugins, the API docs
list the endpoints without JavaScript, and the site has a favicon."""

import re
from typing import Any

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from marketplace_site.marketplace import create_marketplace
from tests.factories import make_user
from tests.pages import get, section, text

pytestmark = pytest.mark.django_db


def card_names(html: str) -> list[str]:
    return re.findall(r'<h3><a href="/plugins/[^"]+/">([^<]+)</a>', html)


def test_an_empty_search_shows_most_installed_and_recent() -> None:
    market = create_marketplace()
    for name in ("alpha", "beta", "gamma"):
        market.publish({"name": name, "version": "1.0.0", "entry_point": "1"})
    for username in ("ann", "ben"):
        market.install("beta", user=make_user(username))
    market.install("gamma", user=make_user("cat"))

    for url in ("/search/", "/search/?q=", "/search/?q=++"):
        html = get(Client(), url)
        assert card_names(section(html, "popular")) == ["beta", "gamma"]
        assert card_names(section(html, "recent")) == ["gamma", "beta", "alpha"]


def test_a_plugin_whose_versions_are_all_removed_leaves_the_popular_list() -> None:
    market = create_marketplace()
    for name in ("kept", "gone"):
        market.publish({"name": name, "version": "1.0.0", "entry_point": "1"})
        market.install(name, user=make_user(f"fan-of-{name}"))
    assert market.registry.remove_version("gone", "1.0.0")
    html = get(Client(), "/search/")
    assert card_names(section(html, "popular")) == ["kept"]


def test_an_empty_search_of_an_empty_catalogue_says_so() -> None:
    html = get(Client(), "/search/")
    assert 'id="popular"' not in html
    assert "No plugins yet." in text(section(html, "recent"))


def test_a_query_is_still_answered_by_the_registry() -> None:
    create_marketplace().publish(
        {"name": "chart-kit", "version": "1.0.0", "entry_point": "1", "keywords": ["chart"]}
    )
    html = get(Client(), "/search/?q=chart")
    assert "1 plugin match" in text(html)
    assert 'id="recent"' not in html


def test_the_empty_search_costs_the_same_queries_whatever_the_catalogue(
    django_assert_max_num_queries: Any,
) -> None:
    market = create_marketplace()
    for index in range(12):
        market.publish({"name": f"p{index}", "version": "1.0.0", "entry_point": "1"})
        market.install(f"p{index}", user=make_user(f"u{index}"))
    with django_assert_max_num_queries(4):
        Client().get("/search/")


def test_the_api_docs_list_every_endpoint_in_plain_html() -> None:
    html = get(Client(), "/api/v1/docs")
    fallback = html[html.index("<noscript>") : html.index("</noscript>")]
    assert '<a href="/api/v1/openapi.json">' in fallback
    schema = Client().get("/api/v1/openapi.json").json()
    listed = set(re.findall(r"<dt><code>([A-Z]+) ([^<]+)</code></dt>", fallback))
    expected = {
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        for method in operations
        if method in {"get", "post", "put", "patch", "delete"}
    }
    assert listed == expected
    assert ("POST", "/api/v1/plugins") in listed


def test_the_favicon_is_linked_served_and_answers_at_the_root() -> None:
    client = Client()
    html = get(client, "/")
    links = re.findall(r'<link rel="icon" href="([^"]+)"', html)
    assert links == ["/static/icons/favicon.svg", "/static/icons/favicon.ico"]
    for name in ("icons/favicon.svg", "icons/favicon.ico"):
        assert finders.find(name) is not None
    with open(finders.find("icons/favicon.ico"), "rb") as icon:  # type: ignore[arg-type]
        assert icon.read(4) == b"\x00\x00\x01\x00"  # an ICO file's header
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == "/static/icons/favicon.ico"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_without_javascript_the_api_docs_page_lists_the_endpoints(
    browser: Any, live_server: Any
) -> None:
    from playwright.sync_api import expect

    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.goto("/api/v1/docs")
    endpoints = page.locator("#api-endpoints")
    expect(endpoints).to_be_visible()
    expect(endpoints).to_contain_text("POST /api/v1/plugins")
    expect(page.get_by_role("link", name="OpenAPI schema (JSON)")).to_have_attribute(
        "href", "/api/v1/openapi.json"
    )
    context.close()
