"""Stored XSS: markup in every user-written field renders as text on every page that shows it."""

import json
from html.parser import HTMLParser
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from depgraph import drawing
from marketplace_site.marketplace import create_marketplace
from marketplace_site.models import ApiToken
from marketplace_site.web.tokens import api_token_create
from registry.models import Plugin, PluginVersion
from reviews.models import OwnerReply, Report, Review
from tests.factories import make_manifest, make_superuser, make_user

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
SVG = "<svg/onload=alert(1)>"
PAYLOAD = f"{SCRIPT} {IMG} {SVG} javascript:alert(1)"
# What must never reach a page unescaped: each opens an element the browser would run.
RAW = ("<script>alert", "<img src=x", "<svg/onload")


class ActiveContent(HTMLParser):
    """What a browser would run in a page: scripts, event handlers, javascript: links."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_script = tag == "script"
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}={value!r}>")
            if name in {"href", "src", "action", "data"} and (
                value or ""
            ).strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}={value!r}>")

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and "alert" in data:
            self.found.append(f"<script>{data[:40]}")


def assert_only_escaped(html: str, *, expect_escaped: bool = True) -> None:
    for needle in RAW:
        assert needle not in html, f"unescaped {needle!r}"
    scanner = ActiveContent()
    scanner.feed(html)
    assert scanner.found == []
    if expect_escaped:
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.fixture
def world() -> dict[str, Any]:
    """Plugins, reviews, replies, reports and tokens full of markup."""
    author = make_user("author")
    critic = make_user("critic")
    market = create_marketplace()
    market.publish(
        make_manifest(
            "base-lib",
            description=PAYLOAD,
            author=PAYLOAD,
            keywords=[SCRIPT, IMG, "alert"],
            license=PAYLOAD,
            homepage="https://example.org/?q=a&b=c",
        ),
        owner=author,
    )
    market.publish(
        make_manifest(
            "xss-app",
            description=f"script alert {PAYLOAD}",
            author=PAYLOAD,
            keywords=["script", SCRIPT],
            entry_point=f"result = {PAYLOAD!r}",
            dependencies={"base-lib": ">=1.0"},
        ),
        owner=author,
    )
    review = Review.objects.create(plugin_name="base-lib", user=critic, rating=2, comment=PAYLOAD)
    OwnerReply.objects.create(review=review, author=author, text=PAYLOAD)
    Report.objects.create(review=review, reporter=author, reason="spam", text=PAYLOAD)
    token, _ = api_token_create(user=author, name=PAYLOAD[:60])
    return {"author": author, "critic": critic, "review": review, "token": token}


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


PUBLIC_PAGES = [
    "/",
    "/plugins/",
    "/plugins/?sort=updated",
    "/search/?q=script",
    "/search/?q=alert+img",
    "/search/?q=%3Cscript%3E",
    "/plugins/base-lib/",
    "/plugins/xss-app/",
    "/plugins/base-lib/graph/",
    "/plugins/xss-app/graph/",
    "/users/critic/reviews/",
    "/install/?name=xss-app",
]


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_public_pages_show_markup_as_text(world: dict[str, Any], url: str) -> None:
    html = page(Client(), url)
    # The graph and install pages show only names and versions; search results highlight
    # words inside the payload, so only its pieces are escaped; the rest show it whole.
    whole = not url.startswith("/search/") and not url.endswith(("/graph/", "?name=xss-app"))
    assert_only_escaped(html, expect_escaped=whole)
    if url.startswith("/search/"):
        assert "&lt;" in html and "&gt;" in html


def test_search_highlighting_escapes_around_the_marks(world: dict[str, Any]) -> None:
    html = page(Client(), "/search/?q=script+alert")
    assert "&lt;<mark>script</mark>&gt;<mark>alert</mark>(1)&lt;/<mark>script</mark>&gt;" in html
    assert_only_escaped(html, expect_escaped=False)


def test_owner_pages_show_markup_as_text(world: dict[str, Any]) -> None:
    owner = client_for(world["author"])
    assert_only_escaped(page(owner, "/plugins/base-lib/"))
    assert_only_escaped(page(owner, "/accounts/"))  # the token's name
    # The remove page names the plugin and its dependents only.
    remove = reverse("remove_version", args=["base-lib", "1.0.0"])
    assert_only_escaped(page(owner, remove), expect_escaped=False)


def test_the_reviewers_pages_show_markup_as_text(world: dict[str, Any]) -> None:
    critic = client_for(world["critic"])
    for url in ["/plugins/base-lib/", "/accounts/", "/users/critic/reviews/"]:
        assert_only_escaped(page(critic, url))


def test_a_new_token_page_shows_its_name_as_text(world: dict[str, Any]) -> None:
    response = client_for(world["critic"]).post(
        reverse("api_token_create"), {"name": "<script>alert(1)</script>"}
    )
    assert response.status_code == 200
    assert_only_escaped(response.content.decode())


def test_the_install_plan_shows_markup_as_text(world: dict[str, Any]) -> None:
    manifest = make_manifest("plan-me", description=PAYLOAD, dependencies={"xss-app": "*"})
    client = client_for(world["critic"])
    for action in ("plan", "install"):
        response = client.post(
            reverse("install"),
            {
                "source": "manifest",
                "manifest_text": json.dumps(manifest.to_dict()),
                "context": json.dumps({"who": PAYLOAD}),
                "action": action,
            },
        )
        assert response.status_code == 200
        assert_only_escaped(response.content.decode(), expect_escaped=False)


def test_form_errors_echoing_input_show_it_as_text(world: dict[str, Any]) -> None:
    client = client_for(world["critic"])
    bad = {"name": "bad", "version": SCRIPT, "entry_point": "1", "dependencies": {"base-lib": IMG}}
    response = client.post(reverse("publish"), {"manifest_text": json.dumps(bad)})
    assert response.status_code == 400
    assert_only_escaped(response.content.decode())
    response = client.post(reverse("install"), {"source": "published", "name": SCRIPT})
    assert_only_escaped(response.content.decode(), expect_escaped=False)


def test_names_and_links_cannot_carry_markup(world: dict[str, Any]) -> None:
    client = client_for(world["critic"])
    for fields in (
        {"name": SCRIPT},
        {"name": "ok-name", "homepage": "javascript:alert(1)"},
        {"name": "ok-name", "homepage": 'https://example.org/"onmouseover="alert(1)'},
        {"name": "ok-name", "keywords": "not a list"},
    ):
        manifest = {"version": "1.0.0", "entry_point": "1", **fields}
        response = client.post(reverse("publish"), {"manifest_text": json.dumps(manifest)})
        assert response.status_code == 400
        assert_only_escaped(response.content.decode(), expect_escaped=False)
    assert not Plugin.objects.filter(canonical_name="ok-name").exists()


@pytest.mark.skipif(not drawing.dot_available(), reason="Graphviz (dot) is not installed")
def test_the_graph_picture_has_no_markup_from_users(world: dict[str, Any]) -> None:
    response = Client().get(reverse("plugin_graph_svg", args=["xss-app"]))
    assert response.status_code == 200
    svg = response.content.decode()
    assert "<svg" in svg and "base-lib" in svg
    assert_only_escaped(svg, expect_escaped=False)
    assert "alert" not in svg and "<script" not in svg


def test_the_api_returns_markup_as_json_strings(world: dict[str, Any]) -> None:
    response = Client().get("/api/v1/plugins/base-lib")
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["latest"]["description"] == PAYLOAD


def test_admin_pages_show_markup_as_text(world: dict[str, Any]) -> None:
    admin = client_for(make_superuser())
    review = world["review"]
    plugin = Plugin.objects.get(canonical_name="base-lib")
    version = PluginVersion.objects.get(plugin=plugin)
    token = ApiToken.objects.get(pk=world["token"].pk)
    urls = [
        reverse("admin:registry_plugin_changelist"),
        reverse("admin:registry_plugin_change", args=[plugin.pk]),
        reverse("admin:registry_pluginversion_changelist"),
        reverse("admin:registry_pluginversion_change", args=[version.pk]),
        reverse("admin:reviews_review_changelist"),
        reverse("admin:reviews_review_change", args=[review.pk]),
        reverse("admin:marketplace_site_apitoken_changelist"),
        reverse("admin:marketplace_site_apitoken_change", args=[token.pk]),
    ]
    names_only = {urls[0], urls[1]}  # a plugin's admin pages show its name and owner
    for url in urls:
        assert_only_escaped(page(admin, url), expect_escaped=url not in names_only)
