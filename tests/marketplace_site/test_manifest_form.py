import json
from typing import Any, cast

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from marketplace_site.forms import ManifestForm

VALID = {"name": "csv-tools", "version": "1.0.0", "entry_point": "result = 1"}


def codes(form: ManifestForm, field: str) -> list[str]:
    # The form gives every error it raises a code.
    return [cast(str, error.code) for error in form.errors.as_data()[field]]


def test_pasted_valid_manifest() -> None:
    form = ManifestForm({"manifest_text": json.dumps(VALID)})
    assert form.is_valid(), form.errors
    assert form.manifest is not None and form.manifest.name == "csv-tools"


def test_uploaded_valid_manifest() -> None:
    upload = SimpleUploadedFile("m.json", json.dumps(VALID).encode(), "application/json")
    form = ManifestForm({}, {"manifest_file": upload})
    assert form.is_valid(), form.errors


def test_nothing_given() -> None:
    form = ManifestForm({"manifest_text": "  "})
    assert not form.is_valid()
    assert codes(form, "manifest_text") == ["required"]


def test_malformed_json_points_at_the_position() -> None:
    form = ManifestForm({"manifest_text": '{"name": "x",}'})
    assert not form.is_valid()
    assert codes(form, "manifest_text") == ["invalid_json"]
    assert "line 1" in form.errors["manifest_text"][0]


def test_every_field_error_is_reported_at_once() -> None:
    bad = {
        "name": "bad name!",
        "version": "one",
        "entry_point": "",
        "dependencies": {"ok": 3},
        "keywords": "not-a-list",
    }
    form = ManifestForm({"manifest_text": json.dumps(bad)})
    assert not form.is_valid()
    assert set(form.manifest_errors) == {
        "name",
        "version",
        "entry_point",
        "dependencies",
        "keywords",
    }
    assert sorted(codes(form, "manifest_text")) == sorted(
        ["invalid_name", "invalid_version", "required", "invalid_dependencies", "invalid_keywords"]
    )


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({**VALID, "name": ""}, "name"),
        ({**VALID, "name": "x" * 101}, "name"),
        ({**VALID, "name": "ünïcode"}, "name"),
        ({k: v for k, v in VALID.items() if k != "version"}, "version"),
        ({**VALID, "version": "1.0.0.0.0-beta!"}, "version"),
        ({**VALID, "entry_point": "   "}, "entry_point"),
        ({**VALID, "dependencies": ["a"]}, "dependencies"),
        ({**VALID, "dependencies": {"bad name": ">=1"}}, "dependencies"),
        ({**VALID, "homepage": "javascript:alert(1)"}, "homepage"),
    ],
)
def test_each_bad_field(data: dict[str, Any], field: str) -> None:
    form = ManifestForm({"manifest_text": json.dumps(data)})
    assert not form.is_valid()
    assert list(form.manifest_errors) == [field]


def test_a_manifest_must_be_an_object() -> None:
    form = ManifestForm({"manifest_text": "[1, 2]"})
    assert not form.is_valid()
    assert "JSON object" in form.errors["manifest_text"][0]


def test_a_file_over_256_kib_is_refused_before_parsing() -> None:
    big = SimpleUploadedFile("m.json", b"{" + b" " * (256 * 1024 + 1) + b"}")
    form = ManifestForm({}, {"manifest_file": big})
    assert not form.is_valid()
    assert codes(form, "manifest_file") == ["too_large"]


def test_deeply_nested_json_is_refused() -> None:
    nested = "[" * 5000 + "]" * 5000
    form = ManifestForm({"manifest_text": nested})
    assert not form.is_valid()
    assert codes(form, "manifest_text")[0] in {"too_deep", "invalid_json"}


def test_a_file_that_is_not_utf8() -> None:
    form = ManifestForm({}, {"manifest_file": SimpleUploadedFile("m.json", b"\xff\xfe\x00")})
    assert not form.is_valid()
    assert codes(form, "manifest_file") == ["invalid_encoding"]


def test_pasted_text_over_256_kib_is_refused_before_parsing() -> None:
    form = ManifestForm({"manifest_text": "{" + " " * (256 * 1024) + "}"})
    assert not form.is_valid()
    assert codes(form, "manifest_text") == ["too_large"]
    assert form.errors["manifest_text"] == ["The manifest is larger than 256 KiB."]
    assert form.manifest is None


def test_readme_and_changelog_in_the_manifest_or_their_own_fields() -> None:
    in_manifest = {**VALID, "readme": "# In JSON", "changelog": "* JSON."}
    form = ManifestForm({"manifest_text": json.dumps(in_manifest)})
    assert form.is_valid(), form.errors
    assert form.manifest is not None and form.manifest.readme == "# In JSON"
    form = ManifestForm(
        {"manifest_text": json.dumps(in_manifest), "readme": "# Typed\n", "changelog": ""}
    )
    assert form.is_valid(), form.errors
    assert form.manifest is not None
    assert form.manifest.readme == "# Typed\n" and form.manifest.changelog == "* JSON."


def test_a_readme_too_large_is_an_error_next_to_its_field() -> None:
    form = ManifestForm({"manifest_text": json.dumps(VALID), "readme": "a" * (64 * 1024 + 1)})
    assert not form.is_valid()
    assert codes(form, "readme") == ["invalid_readme"] and "64 KiB" in form.errors["readme"][0]
    assert form.manifest is None and "manifest_text" not in form.errors
    in_json = ManifestForm({"manifest_text": json.dumps({**VALID, "changelog": 5})})
    assert not in_json.is_valid()
    assert codes(in_json, "manifest_text") == ["invalid_changelog"]
