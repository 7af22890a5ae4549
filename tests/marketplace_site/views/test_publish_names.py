"""The publish form and the plugin page: names, every error at once, warnings, rate limits."""

import json
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from marketplace_site.actions import Marketplace, create_marketplace
from marketplace_site.actions import plugins as plugin_actions
from marketplace_site.actions.names import POPULAR_MIN_REVIEWS
from marketplace_site.models import RateCounter
from registry.models import HeldVersion, PluginVersion
from tests.factories import make_manifest, make_review, make_user

pytestmark = pytest.mark.django_db


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post_manifest(client: Client, **fields: Any) -> Any:
    data = {"name": "csv-tools", "version": "1.0.0", "entry_point": "result = 1", **fields}
    return client.post(reverse("publish"), {"manifest_text": json.dumps(data)})


def _marketplace() -> Marketplace:
    return create_marketplace()


def manifest_errors(response: Any) -> dict[str, str]:
    return {
        key: message for key, (message, _code) in response.context["form"].manifest_errors.items()
    }


def test_every_error_is_shown_at_once_next_to_the_manifest() -> None:
    response = post_manifest(
        logged_in(make_user()),
        name="loop",
        version="one",
        entry_point="def f(:\n    pass\n",
        dependencies={"a": ">>>1", "loop": "*", "b": "^1.0.0"},
    )
    assert response.status_code == 400
    errors = manifest_errors(response)
    assert set(errors) == {"version", "entry_point", "dependencies.a", "dependencies.loop"}
    content = response.content.decode()
    assert "entry_point: The entry_point does not compile" in content
    assert "line 1, column 7" in content
    assert "dependencies.loop: A plugin cannot depend on itself" in content
    assert not PluginVersion.objects.exists()


def test_a_lookalike_name_is_shown_with_the_other_errors() -> None:
    plugin_actions.publish(
        _marketplace(), make_manifest("csv-tools"), acting_user=make_user("first")
    )
    client = logged_in(make_user())
    response = post_manifest(client, name="CSV-T00LS", version="bad")
    assert response.status_code == 400
    errors = manifest_errors(response)
    assert set(errors) == {"name", "version"}
    assert "'csv-tools'" in errors["name"]
    # Alone, it is still refused (by the action the form calls).
    response = post_manifest(client, name="csvtools")
    assert response.status_code == 400
    assert "looks the same as the plugin &#x27;csv-tools&#x27;" in response.content.decode()
    assert not PluginVersion.objects.filter(plugin__canonical_name="csvtools").exists()


def test_someone_elses_reserved_name_is_refused_on_the_form() -> None:
    owner = make_user()
    marketplace = _marketplace()
    marketplace.publish(make_manifest("popular"), owner=owner)
    plugin_actions.remove_version(marketplace, "popular", "1.0.0", acting_user=owner)
    response = post_manifest(logged_in(make_user()), name="popular", version="1.0.1")
    assert response.status_code == 403
    assert "belongs to another account" in manifest_errors(response)["name"]
    assert marketplace.registry.versions("popular") == []


def test_the_page_of_a_removed_plugin_says_so_with_the_date() -> None:
    owner = make_user()
    marketplace = _marketplace()
    marketplace.publish(make_manifest("popular"), owner=owner)
    plugin_actions.remove_version(marketplace, "popular", "1.0.0", acting_user=owner)
    response = Client().get(reverse("plugin_detail", args=["popular"]))
    assert response.status_code == 410
    content = response.content.decode()
    reserved = marketplace.registry.get_reserved("popular")
    assert reserved is not None and reserved.removed_at is not None
    assert "removed by its owner on" in content
    assert reserved.removed_at.strftime("%Y") in content
    assert Client().get(reverse("plugin_detail", args=["never-was"])).status_code == 404


def test_a_name_near_a_popular_one_is_held_and_the_author_told() -> None:
    marketplace = _marketplace()
    marketplace.publish(make_manifest("csv-tools"), owner=make_user())
    for _ in range(POPULAR_MIN_REVIEWS):
        make_review("csv-tools", make_user(), rating=5)
    response = post_manifest(logged_in(make_user()), name="csv-tool")
    assert response.status_code == 202
    content = response.content.decode()
    assert "Held for review" in content
    assert "one edit away from the popular plugin &#x27;csv-tools&#x27;" in content
    assert HeldVersion.objects.pending().count() == 1
    assert Client().get(reverse("plugin_detail", args=["csv-tool"])).status_code == 404


def test_the_account_page_lists_held_publishes_and_reserved_names() -> None:
    marketplace = _marketplace()
    marketplace.publish(make_manifest("csv-tools"), owner=make_user())
    for _ in range(POPULAR_MIN_REVIEWS):
        make_review("csv-tools", make_user(), rating=5)
    author = make_user()
    client = logged_in(author)
    post_manifest(client, name="csv-tool")
    marketplace.publish(make_manifest("old-name"), owner=author)
    plugin_actions.remove_version(marketplace, "old-name", "1.0.0", acting_user=author)
    page = client.get(reverse("account")).content.decode()
    held = page.split('id="held-publishes"', 1)[1].split("</section>", 1)[0]
    assert "csv-tool 1.0.0" in held
    assert "Waiting for a moderator" in held
    reserved = page.split('id="reserved-names"', 1)[1].split("</p>", 1)[0]
    assert "old-name" in reserved
    cards = page.split('id="my-plugins"', 1)[1].split('id="reserved-names"', 1)[0]
    assert "old-name" not in cards  # no card with an empty version for a removed plugin
    others = logged_in(make_user()).get(reverse("account")).content.decode()
    assert 'id="held-publishes"' not in others


def test_a_missing_dependency_is_a_warning_on_the_result_and_the_plugin_page() -> None:
    client = logged_in(make_user())
    response = client.post(
        reverse("publish"),
        {
            "manifest_text": json.dumps(
                {
                    "name": "csv-tools",
                    "version": "1.0.0",
                    "entry_point": "result = 1",
                    "dependencies": {"not-yet": "^1.0.0"},
                }
            )
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("plugin_detail", args=["csv-tools"])
    content = response.content.decode()
    warning = "&#x27;not-yet&#x27; is not published (yet)"
    assert content.count(warning) == 2  # the result's message and the page's own line
    assert 'id="dependency-warnings"' in content
    _marketplace().publish(make_manifest("not-yet"), owner=make_user())
    page = Client().get(reverse("plugin_detail", args=["csv-tools"])).content.decode()
    assert 'id="dependency-warnings"' not in page


@pytest.fixture
def two_per_hour(settings: Any) -> None:
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "publish": (2, 3600)}


@pytest.mark.usefixtures("two_per_hour")
def test_rejected_publishes_do_not_count_toward_the_limit() -> None:
    client = logged_in(make_user())
    for _ in range(5):
        assert post_manifest(client, version="bad").status_code == 400
    assert post_manifest(client, version="1.0.0").status_code == 302
    assert post_manifest(client, version="1.0.0").status_code == 400  # a duplicate
    assert post_manifest(client, version="1.0.1").status_code == 302
    assert RateCounter.objects.get().count == 2


@pytest.mark.usefixtures("two_per_hour")
def test_a_limited_publish_keeps_the_manifest_and_says_when() -> None:
    client = logged_in(make_user())
    for version in ("1.0.0", "1.0.1"):
        assert post_manifest(client, version=version).status_code == 302
    response = post_manifest(client, version="1.0.2", description="kept text")
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 3600
    content = response.content.decode()
    assert "Try again in" in content
    assert '<form method="post"' in content  # the form, not a dead end
    assert "kept text" in content and "1.0.2" in content
    assert not PluginVersion.objects.filter(version="1.0.2").exists()


def test_installing_a_new_name_near_a_popular_one_holds_it_and_says_so() -> None:
    marketplace = _marketplace()
    marketplace.publish(make_manifest("csv-tools"), owner=make_user())
    for _ in range(POPULAR_MIN_REVIEWS):
        make_review("csv-tools", make_user(), rating=5)
    manifest = {"name": "csv-tool", "version": "1.0.0", "entry_point": "result = 1"}
    response = logged_in(make_user()).post(
        reverse("install"),
        {"source": "manifest", "manifest_text": json.dumps(manifest), "action": "install"},
    )
    assert response.status_code == 422
    assert "is held for review" in response.content.decode()
    assert HeldVersion.objects.pending().count() == 1
    assert marketplace.registry.get("csv-tool") is None
