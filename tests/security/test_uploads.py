"""Oversized bodies are refused before they are read; deeply nested JSON is refused."""

import io
import json
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from marketplace_site.marketplace import create_marketplace
from marketplace_site.web.tokens import api_token_create
from registry.models import Plugin
from reviews.models import Review
from tests.factories import make_manifest, make_user

pytestmark = pytest.mark.django_db

MIB = 1024 * 1024


class UnreadableBody(io.RawIOBase):
    """A request body that fails the test if anything reads it."""

    def __init__(self) -> None:
        self.reads = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        self.reads += 1
        raise AssertionError("the oversized body was read")

    def readline(self, size: int | None = -1) -> bytes:
        return self.read()


@pytest.fixture
def user() -> User:
    return make_user("uploader")


@pytest.fixture
def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def plugin() -> str:
    create_marketplace().publish(make_manifest("target"))
    return "target"


def post_unread(client: Client, path: str, length: int, content_type: str, **headers: str) -> Any:
    body = UnreadableBody()
    environ: dict[str, Any] = {"wsgi.input": body}
    response = client.generic(
        "POST",
        path,
        b"",
        content_type,
        headers=headers,
        CONTENT_LENGTH=str(length),
        **environ,
    )
    assert body.reads == 0
    return response


@pytest.mark.parametrize(
    "path",
    [reverse("publish"), reverse("install"), "/plugins/target/reviews/", "/accounts/login/"],
)
def test_pages_refuse_a_large_body_without_reading_it(
    signed_in: Client, plugin: str, path: str
) -> None:
    response = post_unread(signed_in, path, 50 * MIB, "multipart/form-data; boundary=xyz")
    content = response.content.decode()
    assert response.status_code == 413
    assert "That upload is too large" in content
    assert "512 KiB" in content
    assert Review.objects.count() == 0


def test_the_api_refuses_a_large_body_without_reading_it(user: User) -> None:
    token = api_token_create(user=user, name="ci")[1]
    client = Client()
    auth = {"Authorization": f"Bearer {token}"}
    for length in (300 * 1024, 50 * MIB):  # over the manifest cap; over the site's cap
        response = post_unread(client, "/api/v1/plugins", length, "application/json", **auth)
        assert response.status_code == 413
        assert response.json()["error"] == "too_large"


def test_a_manifest_file_over_the_cap_is_refused_with_a_field_error(signed_in: Client) -> None:
    big = SimpleUploadedFile("m.json", b" " * (300 * 1024), content_type="application/json")
    response = signed_in.post(reverse("publish"), {"manifest_file": big})
    assert response.status_code == 400
    assert "The file is larger than 256 KiB." in response.content.decode()
    assert Plugin.objects.count() == 0


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def manifest_with(context: str) -> str:
    return (
        '{"name": "deep", "version": "1.0.0", "entry_point": "1", '
        f'"description": "x", "keywords": {context}}}'
    )


@pytest.mark.parametrize("depth", [50, 5_000, 100_000])
def test_the_publish_form_refuses_deeply_nested_json(signed_in: Client, depth: int) -> None:
    response = signed_in.post(reverse("publish"), {"manifest_text": manifest_with(nested(depth))})
    assert response.status_code == 400
    assert "The manifest nests deeper than 32 levels." in response.content.decode()
    assert Plugin.objects.count() == 0


@pytest.mark.parametrize("depth", [50, 5_000, 100_000])
def test_the_install_form_refuses_a_deeply_nested_context(
    signed_in: Client, plugin: str, depth: int
) -> None:
    context = '{"a": ' + nested(depth) + "}"
    response = signed_in.post(
        reverse("install"),
        {"source": "published", "name": plugin, "context": context, "action": "plan"},
    )
    assert response.status_code == 400
    assert "The context nests deeper than 32 levels." in response.content.decode()


@pytest.mark.parametrize("depth", [50, 5_000, 100_000])
def test_the_api_refuses_deeply_nested_json(user: User, plugin: str, depth: int) -> None:
    token = api_token_create(user=user, name="ci")[1]
    body = '{"name": "target", "context": {"a": ' + nested(depth) + "}}"
    response = Client().generic(
        "POST",
        "/api/v1/install/plan",
        body.encode(),
        "application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 400
    assert response.json()["error"] == "too_deep"


@pytest.mark.parametrize("text", ["nul \x00 inside", "lone \ud800 surrogate"])
def test_strings_a_database_cannot_store_are_field_errors(signed_in: Client, text: str) -> None:
    manifest = json.dumps({"name": "odd", "version": "1.0.0", "entry_point": "1", "author": text})
    response = signed_in.post(reverse("publish"), {"manifest_text": manifest})
    assert response.status_code == 400
    assert "author: " in response.content.decode()
    assert Plugin.objects.count() == 0


def test_a_context_with_nul_characters_is_refused(signed_in: Client, plugin: str) -> None:
    response = signed_in.post(
        reverse("install"),
        {"source": "published", "name": plugin, "context": '{"a": "\\u0000"}', "action": "plan"},
    )
    assert response.status_code == 400
    assert "NUL" in response.content.decode()


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity"])
def test_a_context_with_a_non_finite_number_is_refused(
    signed_in: Client, plugin: str, number: str
) -> None:
    response = signed_in.post(
        reverse("install"),
        {
            "source": "published",
            "name": plugin,
            "context": f'{{"a": {number}}}',
            "action": "install",
        },
    )
    assert response.status_code == 400
    assert "numbers must be finite" in response.content.decode()
