"""A publish through the API and through the form go through the same service."""

import json
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from marketplace_site.marketplace import Marketplace
from registry.models import PluginVersion
from tests.factories import PASSWORD
from tests.marketplace_site.api.helpers import assert_error
from tests.marketplace_site.conftest import ApiClient

pytestmark = pytest.mark.django_db

MANIFEST = {
    "name": "csv-tools",
    "version": "1.0.0",
    "entry_point": "result = 1",
    "description": "Parse CSV",
    "keywords": ["csv", "data"],
    "dependencies": {},
}


def form_client(user: User) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def form_publish(client: Client, manifest: dict[str, Any]) -> Any:
    return client.post(reverse("publish"), {"manifest_text": json.dumps(manifest)})


def stored(name: str) -> list[dict[str, Any]]:
    fields = ("name", "version", "precedence", "entry_point", "description", "keywords",
              "dependencies", "plugin__owner__username")  # fmt: skip
    return list(PluginVersion.objects.filter(name=name).values(*fields))


def test_both_call_marketplace_publish(
    owner: User, as_owner: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[str, str, Any]] = []
    original = Marketplace.publish

    def spy(self: Marketplace, manifest: Any, *, owner: Any = None) -> Any:
        result = original(self, manifest, owner=owner)
        calls.append((result.name, result.version, owner))
        return result

    monkeypatch.setattr(Marketplace, "publish", spy)
    assert form_publish(form_client(owner), MANIFEST).status_code == 302
    assert as_owner.post("/plugins", {**MANIFEST, "version": "1.1.0"}).status_code == 201
    assert calls == [("csv-tools", "1.0.0", owner), ("csv-tools", "1.1.0", owner)]


def test_both_store_the_same_version(owner: User, as_owner: ApiClient) -> None:
    assert form_publish(form_client(owner), MANIFEST).status_code == 302
    through_form = stored("csv-tools")
    PluginVersion.objects.all().delete()
    assert as_owner.post("/plugins", MANIFEST).status_code == 201
    assert stored("csv-tools") == through_form


def test_both_refuse_the_same_duplicate(owner: User, as_owner: ApiClient) -> None:
    assert as_owner.post("/plugins", MANIFEST).status_code == 201
    form = form_publish(form_client(owner), {**MANIFEST, "version": "1.0"})
    assert form.status_code == 400
    api_error = assert_error(
        as_owner.post("/plugins", {**MANIFEST, "version": "1.0"}), 409, "duplicate_version"
    )
    assert form.context["form"].manifest_errors["version"] == (api_error.detail, api_error.error)
    assert len(stored("csv-tools")) == 1


def test_both_report_the_same_field_errors(owner: User, as_owner: ApiClient) -> None:
    bad = {**MANIFEST, "name": "bad name", "version": "one", "homepage": "ftp://x"}
    form = form_publish(form_client(owner), bad)
    assert form.status_code == 400
    api_error = assert_error(as_owner.post("/plugins", bad), 400, "invalid_manifest")
    form_messages = {k: m for k, (m, _code) in form.context["form"].manifest_errors.items()}
    assert form_messages == api_error.detail


def test_both_refuse_someone_elses_name(owner: User, other: User, as_other: ApiClient) -> None:
    assert form_publish(form_client(owner), MANIFEST).status_code == 302
    second = {**MANIFEST, "version": "2.0.0"}
    assert form_publish(form_client(other), second).status_code == 403
    assert_error(as_other.post("/plugins", second), 403, "not_owner")
    assert len(stored("csv-tools")) == 1
