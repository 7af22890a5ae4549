"""Fuzzing the manifest parser and the publish form: field errors, never a server error."""

import json
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marketplace_site.forms import parse_manifest_text
from marketplace_site.types import InvalidManifest, PluginManifest
from registry.models import PluginVersion
from tests.factories import make_user

FUZZ = settings(
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()  # NaN and infinities included: the parser must not care
    | st.text()
    | st.sampled_from(["1.0.0", "2.1.0rc1", "result = 1", ">=1.0", "^1.2", "plugin-a", "\x00"])
)
json_like = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=16,
)
names = st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9._-]{0,8}[A-Za-z0-9]\Z") | st.text(max_size=12)
manifest_like = st.fixed_dictionaries(
    {},
    optional={
        "name": names | json_like,
        "version": st.sampled_from(["1.0.0", "0.1", "1.0.0.dev1", "1!2.0", "x", " "]) | json_like,
        "entry_point": st.sampled_from(["result = 1", "", "   "]) | json_like,
        "description": st.text() | json_like,
        "author": st.text(max_size=30) | json_like,
        "license": st.text(max_size=30) | json_like,
        "homepage": st.sampled_from(["https://example.org", "javascript:alert(1)", ""])
        | st.text(max_size=30),
        "keywords": st.lists(st.text(max_size=10), max_size=25) | json_like,
        "dependencies": st.dictionaries(
            names,
            st.sampled_from([">=1.0", "^1.2.3", "*", "~=2", "<<", ""]) | st.text(max_size=8),
            max_size=3,
        )
        | json_like,
    },
)
manifest_texts = (
    st.builds(lambda data: json.dumps(data, allow_nan=True), manifest_like)
    | st.builds(json.dumps, json_like)
    | st.text(max_size=300)
    | st.builds(lambda depth: "[" * depth + "]" * depth, st.integers(1, 5000))
    | st.binary(max_size=200).map(lambda raw: raw.decode("latin-1"))
)


@FUZZ
@given(data=manifest_like | json_like)
def test_from_dict_gives_a_manifest_or_invalid_manifest(data: Any) -> None:
    try:
        manifest = PluginManifest.from_dict(data)
    except InvalidManifest as error:
        assert error.errors
        assert all(isinstance(message, str) and message for message in error.errors.values())
    else:
        assert manifest.name and manifest.version and manifest.entry_point.strip()
        assert PluginManifest.from_dict(manifest.to_dict()) == manifest


@FUZZ
@given(text=manifest_texts)
def test_parse_manifest_text_gives_a_manifest_or_field_errors(text: str) -> None:
    manifest, errors = parse_manifest_text(text)
    assert (manifest is None) == bool(errors)
    for message, code in errors.values():
        assert message and code


@pytest.fixture
def author(db: None) -> User:
    return make_user("fuzzer")


@pytest.mark.django_db
@FUZZ
@given(text=manifest_texts, as_file=st.booleans())
def test_the_publish_form_answers_302_or_400(
    author: User, settings: Any, text: str, as_file: bool
) -> None:
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "publish": (0, 3600)}
    client = Client(raise_request_exception=True)
    client.force_login(author)
    before = PluginVersion.objects.count()
    if as_file:
        upload = SimpleUploadedFile("manifest.json", text.encode("utf-8", "surrogatepass"))
        data: dict[str, Any] = {"manifest_file": upload}
    else:
        data = {"manifest_text": text}
    response = client.post(reverse("publish"), data)
    assert response.status_code in {302, 400}
    stored = PluginVersion.objects.count() - before
    assert stored == (1 if response.status_code == 302 else 0)
