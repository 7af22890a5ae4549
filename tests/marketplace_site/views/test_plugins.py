"""The plugin pages: browse, a plugin's page, publish, remove a version, accounts."""

import json

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from registry.models import Plugin
from registry.services import RegistryService
from tests.factories import PASSWORD, make_manifest, make_user

pytestmark = pytest.mark.django_db


def publish_payload(**fields: object) -> dict[str, str]:
    data = {"name": "csv-tools", "version": "1.0.0", "entry_point": "result = 1", **fields}
    return {"manifest_text": json.dumps(data)}


def logged_in(user: User) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_browse_pages_and_sorts(client: Client) -> None:
    for i in range(25):
        RegistryService().add(make_manifest(f"plugin-{i:02d}"))
    first = client.get(reverse("browse")).content.decode()
    assert "plugin-00" in first and "plugin-19" in first and "plugin-20" not in first
    assert "Page 1 of 2" in first
    second = client.get(reverse("browse"), {"page": 2}).content.decode()
    assert "plugin-24" in second and "plugin-00" not in second
    by_update = client.get(reverse("browse"), {"sort": "updated"}).content.decode()
    assert by_update.index("plugin-24") < by_update.index("plugin-23")
    assert client.get(reverse("browse"), {"page": "x", "sort": "bogus"}).status_code == 200


def test_plugin_page_shows_the_manifest_and_versions(client: Client) -> None:
    registry = RegistryService()
    registry.add(
        make_manifest(
            "csv-tools", "1.0.0", author="Ada", license="MIT", homepage="https://example.org",
            keywords=["csv", "data"], dependencies={"text-utils": "^1.0"},
        )
    )  # fmt: skip
    registry.add(make_manifest("csv-tools", "2.0.0", description="The new one."))
    page = client.get(reverse("plugin_detail", args=["csv-tools"])).content.decode()
    assert "The new one." in page and "2.0.0" in page and "1.0.0" in page
    # Another spelling of the name reaches the page, by way of its one address.
    older = client.get(
        reverse("plugin_detail", args=["CSV_Tools"]), {"version": "1.0"}, follow=True
    )
    assert older.redirect_chain == [
        (reverse("plugin_detail", args=["csv-tools"]) + "?version=1.0", 301)
    ]
    content = older.content.decode()
    assert "older version" in content
    assert "Ada" in content and "MIT" in content and "https://example.org" in content
    assert "text-utils" in content and "^1.0" in content


def test_unknown_plugin_or_version_is_404(client: Client) -> None:
    RegistryService().add(make_manifest("csv-tools"))
    assert client.get(reverse("plugin_detail", args=["nope"])).status_code == 404
    missing = client.get(reverse("plugin_detail", args=["csv-tools"]), {"version": "9.9"})
    assert missing.status_code == 404


def test_publish_requires_login(client: Client) -> None:
    response = client.post(reverse("publish"), publish_payload())
    assert response.status_code == 302
    assert reverse("login") in response["Location"]
    assert Plugin.objects.count() == 0


def test_publish_stores_and_redirects_to_the_plugin() -> None:
    user = make_user()
    response = logged_in(user).post(reverse("publish"), publish_payload())
    assert response.status_code == 302
    assert response["Location"] == reverse("plugin_detail", args=["csv-tools"])
    assert Plugin.objects.get().owner == user


def test_publish_shows_every_error_next_to_the_field_and_stores_nothing() -> None:
    client = logged_in(make_user())
    response = client.post(
        reverse("publish"), publish_payload(name="", version="nope", entry_point="")
    )
    assert response.status_code == 400
    content = response.content.decode()
    assert "name: The name is required." in content
    assert "version: &#x27;nope&#x27; is not a valid version" in content
    assert "entry_point: The entry_point" in content
    assert 'data-code="invalid_version"' in content
    assert Plugin.objects.count() == 0


def test_publish_a_duplicate_version_is_a_field_error() -> None:
    user = make_user()
    client = logged_in(user)
    client.post(reverse("publish"), publish_payload())
    response = client.post(reverse("publish"), publish_payload(version="1.0"))
    assert response.status_code == 400
    assert 'data-code="duplicate_version"' in response.content.decode()
    assert RegistryService().versions("csv-tools") == ["1.0.0"]


def test_publish_with_a_bad_constraint_is_a_field_error() -> None:
    client = logged_in(make_user())
    response = client.post(reverse("publish"), publish_payload(dependencies={"x": ">>>1"}))
    assert response.status_code == 400
    content = response.content.decode()
    assert "dependencies.x: The constraint for &#x27;x&#x27; is invalid" in content
    assert Plugin.objects.count() == 0


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 302), ("other", 403), ("owner", 302), ("staff", 403)],
)
def test_publish_permission_matrix(who: str, status: int) -> None:
    owner = make_user("owner")
    RegistryService().add(make_manifest("csv-tools", "1.0.0"), owner=owner)
    users = {
        "other": make_user("other"),
        "owner": owner,
        "staff": make_user("staff", is_staff=True),
    }
    client = Client() if who == "anonymous" else logged_in(users[who])
    response = client.post(reverse("publish"), publish_payload(version="2.0.0"))
    assert response.status_code == status
    expected = ["1.0.0", "2.0.0"] if who == "owner" else ["1.0.0"]
    assert RegistryService().versions("csv-tools") == expected
    if status == 403:
        assert "belongs to another account" in response.content.decode()


@pytest.mark.parametrize(
    ("who", "get_status", "post_status", "removed"),
    [
        ("anonymous", 302, 302, False),
        ("other", 403, 403, False),
        ("owner", 200, 302, True),
        ("staff", 403, 403, False),
        ("superuser", 200, 302, True),
    ],
)
def test_remove_version_permission_matrix(
    who: str, get_status: int, post_status: int, removed: bool
) -> None:
    owner = make_user("owner")
    registry = RegistryService()
    registry.add(make_manifest("csv-tools", "1.0.0"), owner=owner)
    registry.add(make_manifest("csv-tools", "2.0.0"), owner=owner)
    users = {
        "other": make_user("other"),
        "owner": owner,
        "staff": make_user("staff", is_staff=True),
        "superuser": User.objects.create_superuser("root", password=PASSWORD),
    }
    client = Client() if who == "anonymous" else logged_in(users[who])
    url = reverse("remove_version", args=["csv-tools", "2.0.0"])
    assert client.get(url).status_code == get_status
    assert registry.versions("csv-tools") == ["1.0.0", "2.0.0"]  # GET changes nothing
    assert client.post(url).status_code == post_status
    assert registry.versions("csv-tools") == (["1.0.0"] if removed else ["1.0.0", "2.0.0"])


def test_removing_the_last_version_goes_home() -> None:
    owner = make_user()
    RegistryService().add(make_manifest("solo", "1.0.0"), owner=owner)
    response = logged_in(owner).post(reverse("remove_version", args=["solo", "1.0.0"]))
    assert response["Location"] == reverse("home")
    assert Plugin.objects.with_latest().count() == 0
    assert Plugin.objects.reserved().get().owner == owner  # the name stays the owner's


def test_signup_logs_the_new_user_in(client: Client) -> None:
    response = client.post(
        reverse("signup"),
        {
            "username": "newbie",
            "password1": "a-long-pass-phrase",
            "password2": "a-long-pass-phrase",
        },
    )
    assert response.status_code == 302
    assert client.get(reverse("account")).status_code == 200


def test_account_page_lists_my_plugins() -> None:
    user = make_user()
    RegistryService().add(make_manifest("mine"), owner=user)
    RegistryService().add(make_manifest("theirs"), owner=make_user())
    content = logged_in(user).get(reverse("account")).content.decode()
    assert "mine" in content and "theirs" not in content


def test_404_page_uses_the_site_layout(client: Client) -> None:
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "Plugin Marketplace" in response.content.decode()
