"""The site's forms: sign-up, API tokens, publishing, installing and "Try it".

Every JSON a person types or uploads is read by ``marketplace_site.inputs``; a form puts its
message next to the field. A form's error code names what the person must fix in that field:
``invalid_json`` for any JSON that cannot be used (the message says which rule), where the API
gives clients the finer codes of ``inputs``.
"""

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import UserCreationForm
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError

from marketplace_site.actions.manifests import manifest_errors
from marketplace_site.inputs import CONTEXT_MAX_CHARS, JsonInputError, read_json, read_json_object
from marketplace_site.models import TOKEN_NAME_MAX_LENGTH
from marketplace_site.types import PluginManifest, storable_text, validate_manifest_data
from registry.models import YANK_REASON_MAX_LENGTH

# The codes a form keeps from inputs; the rest are "invalid_json".
FORM_CODES = {"too_large", "not_an_object"}


def _form_code(error: JsonInputError) -> str:
    return error.code if error.code in FORM_CODES else "invalid_json"


class JsonObjectField(forms.CharField):
    """A JSON object typed into a textarea (a run's context); empty means ``{}``."""

    def __init__(self, **kwargs: Any) -> None:
        self.what = kwargs.pop("what", "context")
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, value: Any) -> dict[str, Any]:
        text = super().clean(value)
        if not text.strip():
            return {}
        try:
            return read_json_object(text, what=self.what)
        except JsonInputError as error:
            raise ValidationError(error.message, code=_form_code(error)) from error


def manifest_error_code(key: str, message: str) -> str:
    """The form's code for a manifest error: ``required``, or ``invalid_<field>`` (a
    dependency's ``dependencies.<name>`` key gives ``invalid_dependencies``)."""
    if "required" in message:
        return "required"
    return f"invalid_{key.split('.', 1)[0]}"


def read_manifest_text(text: str) -> tuple[object, dict[str, tuple[str, str]]]:
    """The parsed JSON (None when it cannot be read), and every problem with it as a
    manifest: field -> (message, code), as ``actions.manifests.manifest_errors`` finds them."""
    try:
        data = read_json(text, what="manifest")
    except JsonInputError as error:
        field = str(error.path[0]) if error.path else ""
        if field.isidentifier():  # a problem inside one field of the manifest
            return None, {field: (error.message, f"invalid_{field}")}
        return None, {"__all__": (error.message, _form_code(error))}
    errors = manifest_errors(data)
    return data, {
        field: (message, manifest_error_code(field, message)) for field, message in errors.items()
    }


def parse_manifest_text(text: str) -> tuple[PluginManifest | None, dict[str, tuple[str, str]]]:
    """A manifest from JSON text, or the errors: manifest field -> (message, code)."""
    data, errors = read_manifest_text(text)
    if errors:
        return None, errors
    return PluginManifest.from_dict(data), {}


class SignUpForm(UserCreationForm[User]):
    email = forms.EmailField(required=False, help_text="Optional.")

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email")


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        max_length=TOKEN_NAME_MAX_LENGTH,
        label="Token name",
        help_text="What will use it, e.g. \u201cCI on my laptop\u201d.",
    )


class ManifestForm(forms.Form):
    """Publish: a manifest JSON file or pasted text, every problem reported at once."""

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
    # Markdown is awkward inside JSON: either may be given here instead of in the manifest.
    readme = forms.CharField(
        required=False,
        label="README (Markdown, optional)",
        help_text="Replaces the manifest's readme; at most 64 KiB. Raw HTML is shown as text.",
        widget=forms.Textarea(attrs={"rows": 8}),
        strip=False,
    )
    changelog = forms.CharField(
        required=False,
        label="Changes in this version (Markdown, optional)",
        help_text="Replaces the manifest's changelog; shown in the versions list.",
        widget=forms.Textarea(attrs={"rows": 4}),
        strip=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.manifest: PluginManifest | None = None
        # The manifest as parsed, valid or not (the view checks its name against others').
        self.manifest_data: object = None
        # Problems with the manifest's own fields, shown one per line next to the manifest.
        self.manifest_errors: dict[str, tuple[str, str]] = {}
        # Dependencies not published yet: shown with the result, they do not stop a publish.
        self.manifest_warnings: dict[str, str] = {}

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
        data, errors = read_manifest_text(text)
        self.manifest_data = data
        self.manifest_errors = errors
        for key, (message, code) in errors.items():
            label = "" if key == "__all__" else f"{key}: "
            self.add_error(field, ValidationError(f"{label}{message}", code=code))
        parsed = None if errors else PluginManifest.from_dict(data)
        self.manifest = self._with_markdown(parsed, cleaned)
        return cleaned

    def _with_markdown(
        self, manifest: PluginManifest | None, cleaned: dict[str, Any]
    ) -> PluginManifest | None:
        """The manifest with the README and changelog typed into their own fields; their
        errors go next to those fields."""
        given = {key: cleaned[key] for key in ("readme", "changelog") if cleaned.get(key)}
        if manifest is None or not given:
            return manifest
        data = {**manifest.to_dict(), **given}
        errors = validate_manifest_data(data)
        for key, message in errors.items():
            self.add_error(
                key if key in given else None, ValidationError(message, code=f"invalid_{key}")
            )
        return None if errors else PluginManifest.from_dict(data)

    def add_manifest_error(self, key: str, message: str, code: str) -> None:
        """Attach an error found after validation (a duplicate, a name someone else has)."""
        field = "manifest_file" if self.cleaned_data.get("manifest_file") else "manifest_text"
        if self.manifest_errors.get(key, ("", ""))[0] == message:
            return  # already reported by the form itself
        self.manifest_errors[key] = (message, code)
        self.add_error(field, ValidationError(f"{key}: {message}", code=code))


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
    context = JsonObjectField(
        label="Context (JSON object)",
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
        help_text='Global variables for the plugin\'s code, e.g. {"text": "hello"}.',
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.manifest: PluginManifest | None = None

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


class TryPluginForm(forms.Form):
    """ "Try it": a JSON context for one run of a published version."""

    context = JsonObjectField(
        label="Context (JSON object)",
        initial="{}",
        # A trial run is interactive: its field refuses a long text before it is parsed.
        max_length=CONTEXT_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false", "class": "code"}),
        help_text='Its keys become global variables of the plugin\'s code, e.g. {"n": 3}.',
    )


class YankForm(forms.Form):
    """Yank a version (PEP 592): the reason people see beside it, optional."""

    reason = forms.CharField(
        required=False,
        max_length=YANK_REASON_MAX_LENGTH,
        label="Reason",
        help_text="Why not to use this version, e.g. \u201cdata loss; use 1.2.1\u201d.",
    )

    def clean_reason(self) -> str:
        reason: str = self.cleaned_data.get("reason") or ""
        if not storable_text(reason):
            raise ValidationError(
                "The reason contains a character that cannot be stored.", code="invalid_reason"
            )
        return reason
