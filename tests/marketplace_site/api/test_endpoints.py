"""Every operation's success path, its response checked against the schema it declares."""

import json
from typing import Any

import pytest
from django.contrib.auth.models import User

from marketplace_site.api.schemas import (
    ConstraintCheckOut,
    InstallOut,
    PlanOut,
    PluginDetailOut,
    PluginListOut,
    ReviewListOut,
    ReviewOut,
    VersionOut,
)
from marketplace_site.marketplace import create_marketplace
from registry.services import RegistryService
from sandbox.models import SandboxRun
from sandbox.results import int_from_text
from tests.factories import publish
from tests.marketplace_site.conftest import ApiClient

pytestmark = pytest.mark.django_db


def manifest(name: str = "csv-tools", version: str = "1.0.0", **fields: Any) -> dict[str, Any]:
    return {"name": name, "version": version, "entry_point": "result = 6 * 7", **fields}


def test_list_pages_and_sorts(anon: ApiClient, owner: User) -> None:
    for i in range(5):
        publish(f"plugin-{i}", owner=owner if i == 0 else None)
    response = anon.get("/plugins", {"limit": 2, "offset": 1})
    assert response.status_code == 200
    page = PluginListOut.model_validate(response.json())
    assert page.count == 5 and page.offset == 1 and page.limit == 2
    assert [p.name for p in page.items] == ["plugin-1", "plugin-2"]

    first = PluginListOut.model_validate(anon.get("/plugins").json()).items[0]
    assert first.owner == "owner" and first.latest_version == "1.0.0"
    assert first.description == "A plugin made by a test."

    publish("plugin-2", "2.0.0")  # now the most recently updated
    newest = PluginListOut.model_validate(anon.get("/plugins", {"sort": "updated"}).json())
    assert newest.items[0].name == "plugin-2" and newest.items[0].latest_version == "2.0.0"
    assert newest.items[0].owner is None


def test_list_of_an_empty_catalog(anon: ApiClient) -> None:
    page = PluginListOut.model_validate(anon.get("/plugins", {"offset": 1000}).json())
    assert page.count == 0 and page.items == []


def test_search(anon: ApiClient) -> None:
    publish("image-resizer", description="Resize images", keywords=["images"])
    publish("csv-tools", description="Parse CSV text")
    response = anon.get("/search", {"q": "imag"})
    assert response.status_code == 200
    page = PluginListOut.model_validate(response.json())
    assert page.count == 1 and [p.name for p in page.items] == ["image-resizer"]
    assert page.items[0].keywords == ["images"]
    assert PluginListOut.model_validate(anon.get("/search", {"q": "nothing"}).json()).count == 0


def test_search_pages_on_past_the_count_cap(
    anon: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from registry import search

    monkeypatch.setattr(search, "COUNT_CAP", 3)
    for i in range(7):
        publish(f"widget-{i}")
    seen, offset, count = [], 0, 99
    while offset < count:  # as the endpoint's description tells a client to page
        page = PluginListOut.model_validate(
            anon.get("/search", {"q": "widget", "limit": 2, "offset": offset}).json()
        )
        seen += [p.name for p in page.items]
        offset, count = offset + 2, page.count
    assert sorted(seen) == [f"widget-{i}" for i in range(7)] and count == 7


def test_plugin_detail(anon: ApiClient, owner: User, other: User) -> None:
    publish("csv-tools", "1.0.0", owner=owner)
    publish("csv-tools", "1.10.0", owner=owner, description="Newest")
    publish("csv-tools", "2.0.0rc1", owner=owner)
    create_marketplace().reviews.add_review("csv-tools", other, 4)
    create_marketplace().reviews.add_review("csv-tools", "third", 5)
    response = anon.get("/plugins/CSV_Tools")  # any spelling of the name
    assert response.status_code == 200
    detail = PluginDetailOut.model_validate(response.json())
    assert detail.name == "csv-tools" and detail.owner == "owner"
    assert detail.latest.version == "1.10.0" and detail.latest.description == "Newest"
    assert detail.versions == ["1.0.0", "1.10.0", "2.0.0rc1"]
    assert detail.average_rating == 4.5


def test_version_detail(anon: ApiClient) -> None:
    publish("csv-tools", "1.0.0", dependencies={"text-utils": "^1.0"})
    publish("csv-tools", "1.1.0")
    response = anon.get("/plugins/csv-tools/versions/1.0")  # 1.0 is 1.0.0
    assert response.status_code == 200
    version = VersionOut.model_validate(response.json())
    assert version.manifest.version == "1.0.0"
    assert version.manifest.dependencies == {"text-utils": "^1.0"}
    assert version.is_latest is False and version.is_prerelease is False
    latest = VersionOut.model_validate(anon.get("/plugins/csv-tools/versions/1.1.0").json())
    assert latest.is_latest is True


def test_constraint_check(anon: ApiClient) -> None:
    for version in ("1.0.0", "1.2.0", "1.5.0", "2.0.0", "2.1.0b1"):
        publish("csv-tools", version)
    response = anon.get("/plugins/csv-tools/check", {"constraint": "^1.2"})
    assert response.status_code == 200
    check = ConstraintCheckOut.model_validate(response.json())
    assert check.matching == ["1.2.0", "1.5.0"] and check.best == "1.5.0"
    pep440 = ConstraintCheckOut.model_validate(
        anon.get("/plugins/csv-tools/check", {"constraint": ">=2"}).json()
    )
    assert pep440.matching == ["2.0.0"] and pep440.best == "2.0.0"
    pre = ConstraintCheckOut.model_validate(
        anon.get(
            "/plugins/csv-tools/check", {"constraint": ">=2", "include_prerelease": "true"}
        ).json()
    )
    assert pre.best == "2.1.0b1" and pre.include_prerelease is True
    none = ConstraintCheckOut.model_validate(
        anon.get("/plugins/csv-tools/check", {"constraint": ">=9"}).json()
    )
    assert none.matching == [] and none.best is None


def test_review_list_leaves_out_hidden_reviews(anon: ApiClient, owner: User) -> None:
    publish("csv-tools", owner=owner)
    reviews = create_marketplace().reviews
    reviews.add_review("csv-tools", "ann", 5, "Great")
    hidden = reviews.add_review("csv-tools", "bob", 1, "spam spam")
    reviews.add_review("csv-tools", "cid", 3)
    reviews.flag(hidden.id, "spam")
    response = anon.get("/plugins/csv-tools/reviews")
    assert response.status_code == 200
    page = ReviewListOut.model_validate(response.json())
    assert page.count == 2 and page.average_rating == 4.0
    assert [r.user for r in page.items] == ["cid", "ann"]  # newest first
    one = ReviewListOut.model_validate(
        anon.get("/plugins/csv-tools/reviews", {"offset": 1, "limit": 1}).json()
    )
    assert [r.user for r in one.items] == ["ann"] and one.items[0].comment == "Great"


def test_publish(as_owner: ApiClient, owner: User) -> None:
    response = as_owner.post("/plugins", manifest(keywords=["csv"], dependencies={}))
    assert response.status_code == 201, response.json()
    version = VersionOut.model_validate(response.json())
    assert version.plugin == "csv-tools" and version.is_latest
    assert version.manifest.entry_point == "result = 6 * 7"
    plugin = RegistryService().get_plugin("csv-tools")
    assert plugin is not None and plugin.owner == owner
    # The owner publishes further versions.
    assert as_owner.post("/plugins", manifest(version="1.1.0")).status_code == 201
    assert RegistryService().versions("csv-tools") == ["1.0.0", "1.1.0"]


def test_remove_version(as_owner: ApiClient, owner: User) -> None:
    publish("csv-tools", "1.0.0", owner=owner)
    publish("csv-tools", "1.1.0", owner=owner)
    response = as_owner.delete("/plugins/csv-tools/versions/1.1.0")
    assert response.status_code == 204 and response.content == b""
    assert RegistryService().versions("csv-tools") == ["1.0.0"]
    assert as_owner.delete("/plugins/csv-tools/versions/1.0.0").status_code == 204
    assert RegistryService().get_plugin("csv-tools") is None


def test_superuser_removes_any_version(owner: User) -> None:
    from marketplace_site.web.tokens import api_token_create
    from tests.factories import make_user

    admin = make_user("admin", is_superuser=True, is_staff=True)
    publish("csv-tools", owner=owner)
    client = ApiClient(api_token_create(user=admin, name="admin")[1])
    assert client.delete("/plugins/csv-tools/versions/1.0.0").status_code == 204


def test_add_review_and_replace_it(as_other: ApiClient, owner: User, other: User) -> None:
    publish("csv-tools", owner=owner)
    response = as_other.post("/plugins/csv-tools/reviews", {"rating": 4, "comment": "Good"})
    assert response.status_code == 201, response.json()
    review = ReviewOut.model_validate(response.json())
    assert review.user == "other" and review.rating == 4 and review.plugin_name == "csv-tools"
    again = as_other.post("/plugins/CSV-tools/reviews", {"rating": 2})
    assert again.status_code == 201
    reviews = create_marketplace().reviews.for_plugin("csv-tools")
    assert [(r.user, r.rating, r.comment) for r in reviews] == [("other", 2, "")]


def test_plan_a_manifest_stores_nothing(as_owner: ApiClient) -> None:
    publish("text-utils", "1.0.0")
    publish("text-utils", "1.4.0")
    body = {"manifest": manifest(dependencies={"text-utils": "^1.0"})}
    response = as_owner.post("/install/plan", body)
    assert response.status_code == 200, response.json()
    plan = PlanOut.model_validate(response.json())
    assert plan.publishes is True
    assert plan.resolved == {"text-utils": "1.4.0"}
    assert plan.tree.name == "csv-tools" and plan.tree.children[0].version == "1.4.0"
    assert RegistryService().get("csv-tools") is None
    assert not SandboxRun.objects.exists()


def test_plan_a_published_plugin(as_other: ApiClient) -> None:
    publish("text-utils", "1.0.0")
    publish("csv-tools", "2.0.0", dependencies={"text-utils": ">=1"})
    response = as_other.post("/install/plan", {"name": "csv-tools"})
    assert response.status_code == 200, response.json()
    plan = PlanOut.model_validate(response.json())
    assert plan.publishes is False and plan.manifest.version == "2.0.0"
    assert plan.resolved == {"text-utils": "1.0.0"}


def test_install_a_manifest(as_owner: ApiClient, owner: User) -> None:
    publish("text-utils", "1.0.0")
    body = {
        "manifest": manifest(
            entry_point="result = {'sum': x + y}", dependencies={"text-utils": "1.x"}
        ),
        "context": {"x": 2, "y": 3},
    }
    response = as_owner.post("/install", body)
    assert response.status_code == 200, response.json()
    result = InstallOut.model_validate(response.json())
    assert result.resolved == {"text-utils": "1.0.0"}
    assert result.tree.children[0].name == "text-utils"
    assert result.sandbox.success is True and result.sandbox.output == {"sum": 5}
    assert RegistryService().get_plugin("csv-tools").owner == owner  # type: ignore[union-attr]
    assert SandboxRun.objects.filter(plugin_name="csv-tools", user=owner).count() == 1


def test_install_answers_an_integer_past_4300_digits_as_valid_json(as_owner: ApiClient) -> None:
    body = {"manifest": manifest(entry_point="10 ** 5000")}
    response = as_owner.post("/install", body)
    assert response.status_code == 200
    # Python's own json refuses such integers by default; the document itself is valid JSON.
    document = json.loads(response.content, parse_int=int_from_text)
    assert document["sandbox"]["success"] is True
    assert document["sandbox"]["output"] == 10**5000


def test_install_a_published_plugin_whose_code_fails(as_other: ApiClient) -> None:
    publish("csv-tools", "1.0.0", entry_point="raise ValueError('boom')")
    publish("csv-tools", "1.1.0", entry_point="print('hi'); result = name")
    old = as_other.post("/install", {"name": "csv-tools", "version": "1.0.0"})
    assert old.status_code == 200
    failed = InstallOut.model_validate(old.json()).sandbox
    assert failed.success is False and "boom" in (failed.error or "")
    latest = InstallOut.model_validate(
        as_other.post("/install", {"name": "csv-tools", "context": {"name": "Ada"}}).json()
    )
    assert latest.manifest.version == "1.1.0"
    assert latest.sandbox.output == "Ada" and latest.sandbox.stdout == "hi\n"
