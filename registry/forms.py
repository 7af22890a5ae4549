"""The publish form: a manifest JSON file or pasted text, every problem reported at once."""

import json
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from marketplace_site.types import PluginManifest, validate_manifest_data

MAX_JSON_DEPTH = 20


def _depth(value: Any, limit: int) -> int:
    """How deeply a parsed JSON value nests, stopping once past ``limit``."""
    stack = [(value, 1)]
    deepest = 0
    while stack:
        item, level = stack.pop()
        deepest = max(deepest, level)
        if deepest > limit:
            return deepest
        if isinstance(item, dict):
            stack.extend((child, level + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, level + 1) for child in item)
    return deepest


def parse_manifest_text(text: str) -> tuple[PluginManifest | None, dict[str, tuple[str, str]]]:
    """A manifest from JSON text, or the errors: manifest field -> (message, code)."""
    if len(text.encode()) > settings.MANIFEST_MAX_BYTES:
        limit_kib = settings.MANIFEST_MAX_BYTES // 1024
        return None, {"__all__": (f"The manifest is larger than {limit_kib} KiB.", "too_large")}
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        where = f"line {error.lineno}, column {error.colno}"
        message = f"The manifest is not valid JSON: {error.msg} ({where})."
        return None, {"__all__": (message, "invalid_json")}
    except RecursionError:
        return None, {"__all__": ("The manifest nests too deeply.", "too_deep")}
    if _depth(data, MAX_JSON_DEPTH) > MAX_JSON_DEPTH:
        return None, {"__all__": ("The manifest nests too deeply.", "too_deep")}
    errors = validate_manifest_data(data)
    if errors:
        return None, {
            field: (message, "required" if "required" in message else f"invalid_{field}")
            for field, message in errors.items()
        }
    return PluginManifest.from_dict(data), {}


class ManifestForm(forms.Form):
    manifest_file = forms.FileField(
        required=False,
        label="Manifest file",
        help_text="A JSON file of at most 256 KiB.",
    )
    manifest_text = forms.CharField(
        required=False,
        label="…or paste the manifest JSON",
        widget=forms.Textarea(attrs={"rows": 14, "spellcheck": "false"}),
        strip=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.manifest: PluginManifest | None = None
        # Problems with the manifest's own fields, shown one per line next to the manifest.
        self.manifest_errors: dict[str, tuple[str, str]] = {}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        upload = cleaned.get("manifest_file")
        text = cleaned.get("manifest_text") or ""
        if upload is not None:
            if upload.size > settings.MANIFEST_MAX_BYTES:
                limit_kib = settings.MANIFEST_MAX_BYTES // 1024
                raise ValidationError(
                    {"manifest_file": ValidationError(
                        f"The file is larger than {limit_kib} KiB.", code="too_large"
                    )}
                )  # fmt: skip
            try:
                text = upload.read().decode("utf-8")
            except UnicodeDecodeError as error:
                raise ValidationError(
                    {"manifest_file": ValidationError(
                        "The file is not UTF-8 text.", code="invalid_encoding"
                    )}
                ) from error  # fmt: skip
            field = "manifest_file"
        elif text.strip():
            field = "manifest_text"
        else:
            raise ValidationError(
                {"manifest_text": ValidationError(
                    "Upload a manifest file or paste its JSON.", code="required"
                )}
            )  # fmt: skip
        manifest, errors = parse_manifest_text(text)
        self.manifest_errors = errors
        for key, (message, code) in errors.items():
            label = "" if key == "__all__" else f"{key}: "
            self.add_error(field, ValidationError(f"{label}{message}", code=code))
        self.manifest = manifest
        return cleaned

    def add_manifest_error(self, key: str, message: str, code: str) -> None:
        """Attach an error found after validation (a duplicate, a bad constraint)."""
        field = "manifest_file" if self.cleaned_data.get("manifest_file") else "manifest_text"
        self.manifest_errors[key] = (message, code)
        self.add_error(field, ValidationError(f"{key}: {message}", code=code))
