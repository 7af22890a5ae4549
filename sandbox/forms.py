"""The "Try it" form: a JSON context for one run."""

import json
from typing import Any

from django import forms

CONTEXT_MAX_CHARS = 64 * 1024


def _reject_constant(name: str) -> None:
    # NaN and Infinity are accepted by Python's json module but are not JSON.
    raise ValueError(f"{name} is not a JSON value")


class TryPluginForm(forms.Form):
    context = forms.CharField(
        label="Context (JSON object)",
        required=False,
        initial="{}",
        max_length=CONTEXT_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false", "class": "code"}),
        help_text='Its keys become global variables of the plugin\'s code, e.g. {"n": 3}.',
    )

    def clean_context(self) -> dict[str, Any]:
        text = self.cleaned_data.get("context") or ""
        if not text.strip():
            return {}
        try:
            value = json.loads(text, parse_constant=_reject_constant)
        except (ValueError, RecursionError) as exc:
            raise forms.ValidationError(
                "This is not valid JSON: %(problem)s",
                code="invalid_json",
                params={"problem": str(exc)},
            ) from exc
        if not isinstance(value, dict):
            raise forms.ValidationError(
                'The context must be a JSON object, such as {"n": 3}.', code="not_an_object"
            )
        return value
