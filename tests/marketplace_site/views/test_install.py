import json

import pytest
from django.test import Client
from django.urls import reverse

from marketplace_site.marketplace import create_marketplace
from sandbox.models import SandboxRun
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog() -> None:
    market = create_marketplace()
    market.publish({"name": "base", "version": "1.0.0", "entry_point": "1"})
    market.publish({"name": "base", "version": "2.0.0", "entry_point": "1"})
    market.publish(
        {"name": "mid", "version": "1.0.0", "entry_point": "1", "dependencies": {"base": "<2"}}
    )
    market.publish(
        {
            "name": "app",
            "version": "1.0.0",
            "entry_point": "result = 'hi ' + who",
            "dependencies": {"mid": "^1.0"},
        }
    )


def signed_in() -> Client:
    client = Client()
    client.login(username=make_user().username, password=PASSWORD)
    return client


def test_plan_shows_resolution_and_tree_and_stores_nothing(client: Client, catalog: None) -> None:
    manifest = {"name": "new", "version": "1.0.0", "entry_point": "1", "dependencies": {"mid": "*"}}
    response = client.post(
        reverse("install"),
        {"source": "manifest", "manifest_text": json.dumps(manifest), "action": "plan"},
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert "Installing publishes" in content
    assert "Resolved versions" in content and "mid" in content and "1.0.0" in content
    assert 'class="dep-tree"' in content
    assert create_marketplace().registry.get("new") is None


def test_install_of_a_published_plugin_shows_the_result(catalog: None) -> None:
    response = signed_in().post(
        reverse("install"),
        {"source": "published", "name": "app", "context": '{"who": "ada"}', "action": "install"},
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert "Installed app 1.0.0" in content
    assert "hi ada" in content
    assert "Peak memory" in content
    assert SandboxRun.objects.filter(plugin_name="app").count() == 1


def test_install_needs_an_account(client: Client, catalog: None) -> None:
    response = client.post(
        reverse("install"), {"source": "published", "name": "app", "action": "install"}
    )
    assert response.status_code == 302 and reverse("login") in response["Location"]
    assert SandboxRun.objects.count() == 0


def test_a_conflict_is_explained_in_words_and_nothing_changes(catalog: None) -> None:
    manifest = {
        "name": "top",
        "version": "1.0.0",
        "entry_point": "1",
        "dependencies": {"mid": "^1", "base": ">=2"},
    }
    response = signed_in().post(
        reverse("install"),
        {"source": "manifest", "manifest_text": json.dumps(manifest), "action": "install"},
    )
    assert response.status_code == 422
    content = response.content.decode()
    assert "Cannot install: nothing was changed." in content
    assert "base" in content and "mid 1.0.0" in content
    assert create_marketplace().registry.get("top") is None


def test_a_cycle_is_shown_as_a_path(catalog: None) -> None:
    market = create_marketplace()
    market.registry.add(
        market.validate(
            {"name": "pong", "version": "1.0.0", "entry_point": "1", "dependencies": {"ping": "*"}}
        )
    )
    manifest = {
        "name": "ping",
        "version": "1.0.0",
        "entry_point": "1",
        "dependencies": {"pong": "*"},
    }
    response = signed_in().post(
        reverse("install"),
        {"source": "manifest", "manifest_text": json.dumps(manifest), "action": "install"},
    )
    assert response.status_code == 422
    content = response.content.decode()
    assert "ping -&gt; pong -&gt; ping" in content
    assert market.registry.get("ping") is None


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"source": "published", "name": ""}, "name", "Name the plugin to install."),
        ({"source": "published", "name": "nope"}, "name", "No plugin named nope."),
        ({"source": "published", "name": "app", "version": "9"}, "version", "app has no version 9"),
        ({"source": "published", "name": "app", "context": "[1]"}, "context", "JSON object"),
        ({"source": "published", "name": "app", "context": "{x"}, "context", "not valid JSON"),
        ({"source": "manifest", "manifest_text": "{}"}, "manifest_text", "name: The name"),
    ],
)
def test_bad_input_is_a_field_error(
    client: Client, catalog: None, data: dict[str, str], field: str, message: str
) -> None:
    response = client.post(reverse("install"), {**data, "action": "plan"})
    assert response.status_code == 400
    errors = " ".join(response.context["form"].errors[field])
    assert message in errors


def test_the_page_is_prefilled_from_the_plugin_page(client: Client, catalog: None) -> None:
    response = client.get(reverse("install"), {"name": "app", "version": "1.0.0"})
    assert response.status_code == 200
    assert 'value="app"' in response.content.decode()


@pytest.mark.parametrize("action", ["plan", "install"])
def test_a_new_manifest_under_someone_elses_name_is_refused_like_the_api(
    catalog: None, action: str
) -> None:
    owner = make_user("owner")
    create_marketplace().publish(
        {"name": "owned", "version": "1.0.0", "entry_point": "1"}, owner=owner
    )
    manifest = {"name": "Owned", "version": "2.0.0", "entry_point": "1"}
    visitor = Client()
    for client in (signed_in(), visitor):
        response = client.post(
            reverse("install"),
            {"source": "manifest", "manifest_text": json.dumps(manifest), "action": action},
        )
        if action == "install" and client is visitor:
            assert response.status_code == 302  # a visitor is sent to log in first
            continue
        assert response.status_code == 403
        assert "belongs to another account" in response.content.decode()
    assert create_marketplace().registry.versions("owned") == ["1.0.0"]


def test_its_owner_and_visitors_may_plan_a_new_version_of_a_free_name(catalog: None) -> None:
    owner = make_user("owner")
    create_marketplace().publish(
        {"name": "owned", "version": "1.0.0", "entry_point": "1"}, owner=owner
    )
    as_owner = Client()
    as_owner.force_login(owner)
    mine = {"name": "owned", "version": "2.0.0", "entry_point": "1"}
    free = {"name": "brand-new", "version": "1.0.0", "entry_point": "1"}
    for client, manifest in ((as_owner, mine), (Client(), free)):
        response = client.post(
            reverse("install"),
            {"source": "manifest", "manifest_text": json.dumps(manifest), "action": "plan"},
        )
        assert response.status_code == 200
        assert "Installing publishes" in response.content.decode()
