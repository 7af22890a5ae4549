"""The one reader of people's JSON: the same rules for the API, manifests and contexts."""

import json
from typing import Any

import pytest
from django.conf import settings

from marketplace_site.inputs import MAX_DEPTH, JsonInputError, read_json, read_json_object


def nested(levels: int) -> str:
    return "[" * levels + "]" * levels


@pytest.mark.parametrize(
    ("data", "value"),
    [
        ('{"n": 3, "xs": [1, "a", null, true]}', {"n": 3, "xs": [1, "a", None, True]}),
        (b'{"word": "caf\\u00e9"}', {"word": "café"}),
        (nested(MAX_DEPTH), json.loads(nested(MAX_DEPTH))),
        ("1e300", 1e300),
    ],
)
def test_usable_json_is_read(data: str | bytes, value: Any) -> None:
    assert read_json(data) == value


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ("{not json", "invalid_json"),
        (b"\xff\xfe", "invalid_json"),
        ("9" * 5000, "invalid_json"),
        ('{"n": NaN}', "invalid_number"),
        ("[-Infinity]", "invalid_number"),
        ('{"n": 1e400}', "invalid_number"),
        ('{"a\\u0000": 1}', "invalid_string"),
        ('["\\ud800"]', "invalid_string"),
        (nested(MAX_DEPTH + 1), "too_deep"),
        (nested(100_000), "too_deep"),
    ],
)
def test_what_cannot_be_used_is_refused_with_its_code(data: str | bytes, code: str) -> None:
    with pytest.raises(JsonInputError) as caught:
        read_json(data)
    assert caught.value.code == code
    assert caught.value.http_status == 400
    assert caught.value.message


def test_the_size_cap_is_the_manifest_cap() -> None:
    text = json.dumps("x" * settings.MANIFEST_MAX_BYTES)
    with pytest.raises(JsonInputError) as caught:
        read_json(text, what="manifest")
    assert caught.value.code == "too_large"
    assert caught.value.message == "The manifest is larger than 256 KiB."


def test_messages_name_what_was_read_and_where() -> None:
    with pytest.raises(JsonInputError) as caught:
        read_json(nested(40), what="context")
    assert caught.value.message == f"The context nests deeper than {MAX_DEPTH} levels."
    with pytest.raises(JsonInputError) as caught:
        read_json('{"author": ["ok", "nul \\u0000"]}')
    assert caught.value.path == ("author", 1)


def test_an_object_is_required_where_asked() -> None:
    assert read_json_object("{}", what="context") == {}
    with pytest.raises(JsonInputError) as caught:
        read_json_object("[1]", what="context")
    assert caught.value.code == "not_an_object"
    assert "The context must be a JSON object" in caught.value.message
