"""The Try it form's JSON context."""

import pytest

from marketplace_site.forms import TryPluginForm


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("", {}),
        ("  ", {}),
        ("{}", {}),
        ('{"n": 3, "xs": [1, "a", null]}', {"n": 3, "xs": [1, "a", None]}),
    ],
)
def test_valid_context(text: str, value: dict[str, object]) -> None:
    form = TryPluginForm({"context": text})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["context"] == value


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("{not json", "invalid_json"),
        ('{"n": NaN}', "invalid_json"),
        ('{"n": Infinity}', "invalid_json"),
        ("[1, 2]", "not_an_object"),
        ('"text"', "not_an_object"),
        ("[" * 100_000, "max_length"),
        ("[" * 60_000, "invalid_json"),
    ],
)
def test_invalid_context(text: str, code: str) -> None:
    form = TryPluginForm({"context": text})
    assert not form.is_valid()
    assert [error.code for error in form.errors.as_data()["context"]] == [code]
