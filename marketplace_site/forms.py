import json
from typing import Any

from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError

from marketplace_site.models import TOKEN_NAME_MAX_LENGTH
from marketplace_site.types import PluginManifest, storable_text
from registry.forms import parse_manifest_text

# As deep as the API accepts (marketplace_site.api.parser.MAX_JSON_DEPTH).
CONTEXT_MAX_DEPTH = 32


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number; numbers must be finite")


def _context_problem(value: Any) -> str | None:
    """Why a parsed context cannot be used: too deep, or strings a database would refuse."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if level > CONTEXT_MAX_DEPTH:
            return f"The context nests deeper than {CONTEXT_MAX_DEPTH} levels."
        if isinstance(item, dict):
            for key, child in item.items():
                stack.extend([(key, level + 1), (child, level + 1)])
        elif isinstance(item, list):
            stack.extend((child, level + 1) for child in item)
        elif isinstance(item, str) and not storable_text(item):
            return "The context's strings may not contain NUL (\\u0000) or unpaired surrogates."
    return None


class SignUpForm(UserCreationForm[User]):
    email = forms.EmailField(required=False, help_text="Optional.")

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email")


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        max_length=TOKEN_NAME_MAX_LENGTH,
        label="Token name",
        help_text="What will use it, e.g. “CI on my laptop”.",
    )


class InstallForm(forms.Form):
    """Choose a published version or give a manifest, plus the context its code runs with."""

    SOURCES = (("published", "A published plugin"), ("manifest", "A new manifest"))

    source = forms.ChoiceField(choices=SOURCES, initial="published", widget=forms.RadioSelect)
    name = forms.CharField(required=False, max_length=100, label="Plugin name")
    version = forms.CharField(
        required=False, max_length=100, help_text="Leave empty for the latest version."
    )
    manifest_text = forms.CharField(
        required=False,
        label="Manifest JSON",
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
        strip=False,
        help_text="Only for a new manifest: installing it publishes it first.",
    )
    context = forms.CharField(
        required=False,
        label="Context (JSON object)",
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
        help_text='Global variables for the plugin\'s code, e.g. {"text": "hello"}.',
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.manifest: PluginManifest | None = None

    def clean_context(self) -> dict[str, Any]:
        text = (self.cleaned_data.get("context") or "").strip()
        if not text:
            return {}
        try:
            value = json.loads(text, parse_constant=_reject_constant)
        except RecursionError as error:
            raise ValidationError(
                f"The context nests deeper than {CONTEXT_MAX_DEPTH} levels.", code="too_deep"
            ) from error
        except ValueError as error:  # invalid JSON, or an integer of more than 4300 digits
            raise ValidationError(
                f"The context is not valid JSON: {error}.", code="invalid_json"
            ) from error
        if not isinstance(value, dict):
            raise ValidationError("The context must be a JSON object.", code="not_an_object")
        problem = _context_problem(value)
        if problem:
            raise ValidationError(problem, code="invalid_context")
        return value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("source") == "manifest":
            manifest, errors = parse_manifest_text(cleaned.get("manifest_text") or "")
            for key, (message, code) in errors.items():
                label = "" if key == "__all__" else f"{key}: "
                self.add_error("manifest_text", ValidationError(f"{label}{message}", code=code))
            self.manifest = manifest
        elif not (cleaned.get("name") or "").strip():
            self.add_error("name", ValidationError("Name the plugin to install.", code="required"))
        return cleaned
