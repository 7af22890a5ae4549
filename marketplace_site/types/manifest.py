"""A plugin's manifest: its names and limits, the frozen value, and its validation."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from packaging.utils import canonicalize_name

from marketplace_site.types.errors import InvalidManifest
from marketplace_site.types.versions import has_local_part, parse_any_version

NAME_MAX_LENGTH = 100
NAME_PATTERN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$")
MANIFEST_TEXT_FIELDS = ("description", "author", "license", "homepage")
TEXT_FIELD_MAX_LENGTH = {"description": 5000, "author": 200, "license": 100, "homepage": 500}
# Markdown fields, limited in UTF-8 bytes: the README as PyPI's long_description is shown, the
# changelog entry of one version.
MARKDOWN_MAX_BYTES = {"readme": 64 * 1024, "changelog": 16 * 1024}
MAX_KEYWORDS = 20
KEYWORD_MAX_LENGTH = 50
# The longest version constraint anywhere: a manifest's, the stored dependency edge's column,
# the range calculator's and the resolver's (which refuses longer text before parsing it).
CONSTRAINT_MAX_LENGTH = 200


def canonical_name(name: str) -> str:
    """The normalized form under which plugin names are compared (PEP 503)."""
    return canonicalize_name(name)


def module_name(plugin_name: str) -> str:
    """The name a plugin is imported by in a run: its canonical name with ``-`` and ``.``
    replaced by ``_`` (``text-utils`` -> ``text_utils``, ``My.Plugin`` -> ``my_plugin``).

    A valid plugin name always gives a Python identifier, though one may begin with a digit
    (``3d-tools`` -> ``3d_tools``), which an ``import`` statement cannot name.
    """
    return canonical_name(plugin_name).replace("-", "_").replace(".", "_")


class FrozenDict(dict[str, str]):
    """A read-only dict: hashable, JSON-serializable and copyable, unlike MappingProxyType."""

    def _readonly(self, *args: object, **kwargs: object) -> None:
        raise TypeError("plugin dependencies are read-only")

    __setitem__ = __delitem__ = _readonly
    clear = pop = popitem = setdefault = update = _readonly  # type: ignore[assignment]
    __ior__ = _readonly  # type: ignore[assignment]

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(tuple(sorted(self.items())))

    def __reduce__(self) -> tuple[type[FrozenDict], tuple[dict[str, str]]]:
        return (FrozenDict, (dict(self),))

    def __copy__(self) -> FrozenDict:
        return self

    def __deepcopy__(self, memo: dict[int, object]) -> FrozenDict:
        return self


@dataclass(frozen=True)
class PluginManifest:
    """One version of a plugin, as its author published it."""

    name: str
    version: str
    entry_point: str
    description: str = ""
    author: str = ""
    license: str = ""
    homepage: str = ""
    keywords: tuple[str, ...] = ()
    dependencies: Mapping[str, str] = field(default_factory=FrozenDict)
    readme: str = ""  # Markdown, rendered safely on the plugin page
    changelog: str = ""  # Markdown: what changed in this version

    def __post_init__(self) -> None:
        object.__setattr__(self, "keywords", tuple(self.keywords))
        object.__setattr__(self, "dependencies", FrozenDict(self.dependencies))

    @property
    def canonical_name(self) -> str:
        return canonical_name(self.name)

    @classmethod
    def from_dict(cls, data: object) -> PluginManifest:
        """Build a manifest from a parsed JSON object; InvalidManifest lists every problem."""
        errors = validate_manifest_data(data)
        if errors:
            raise InvalidManifest(errors)
        assert isinstance(data, Mapping)  # noqa: S101 - validate_manifest_data checked it
        return cls(
            name=data["name"].strip(),
            version=data["version"].strip(),
            entry_point=data["entry_point"],
            description=data.get("description") or "",
            author=data.get("author") or "",
            license=data.get("license") or "",
            homepage=data.get("homepage") or "",
            keywords=tuple(k.strip() for k in data.get("keywords") or () if k.strip()),
            dependencies={
                k.strip(): v.strip() for k, v in (data.get("dependencies") or {}).items()
            },
            readme=data.get("readme") or "",
            changelog=data.get("changelog") or "",
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "entry_point": self.entry_point,
            "description": self.description,
            "author": self.author,
            "license": self.license,
            "homepage": self.homepage,
            "keywords": list(self.keywords),
            "dependencies": dict(self.dependencies),
            "readme": self.readme,
            "changelog": self.changelog,
        }


def _check_name(value: object, label: str = "name") -> str | None:
    if not isinstance(value, str) or not value.strip():
        return f"The {label} is required."
    value = value.strip()
    if len(value) > NAME_MAX_LENGTH:
        return f"The {label} is longer than {NAME_MAX_LENGTH} characters."
    if not NAME_PATTERN.match(value):
        return (
            f"The {label} {value!r} may contain only letters, digits, '-', '_' and '.', "
            "and must start and end with a letter or digit."
        )
    return None


def validate_manifest_data(data: object) -> dict[str, str]:
    """Every problem with a would-be manifest, field -> message; empty when it is valid."""
    if not isinstance(data, Mapping):
        return {"__all__": "A manifest must be a JSON object."}
    errors: dict[str, str] = {}

    name_error = _check_name(data.get("name"))
    if name_error:
        errors["name"] = name_error

    version = data.get("version")
    if not isinstance(version, str) or not version.strip():
        errors["version"] = "The version is required."
    else:
        parsed = parse_any_version(version.strip())
        if parsed is None:
            errors["version"] = (
                f"{version!r} is not a valid version; use SemVer such as 1.0.0 or "
                "2.0.0-beta.1, or PEP 440 such as 2.1.0rc1 (ASCII digits only)."
            )
        elif has_local_part(parsed):
            errors["version"] = (
                f"{version!r} has build metadata or a local version part (after '+'); "
                "publish it without, as PyPI refuses local versions."
            )

    entry_point = data.get("entry_point")
    if not isinstance(entry_point, str) or not entry_point.strip():
        errors["entry_point"] = "The entry_point (the plugin's Python source) is required."

    for key in MANIFEST_TEXT_FIELDS:
        value = data.get(key)
        if value is None:
            continue
        if not isinstance(value, str):
            errors[key] = f"The {key} must be a string."
        elif len(value) > TEXT_FIELD_MAX_LENGTH[key]:
            errors[key] = f"The {key} is longer than {TEXT_FIELD_MAX_LENGTH[key]} characters."
    homepage = data.get("homepage")
    if (
        isinstance(homepage, str)
        and homepage
        and "homepage" not in errors
        and not re.match(r"^https?://[^\s<>\"']+$", homepage)
    ):
        errors["homepage"] = "The homepage must be an http:// or https:// address."

    errors.update(_check_markdown(data))

    keywords = data.get("keywords")
    if keywords is not None:
        if not isinstance(keywords, list | tuple) or not all(isinstance(k, str) for k in keywords):
            errors["keywords"] = "The keywords must be a list of strings."
        elif len(keywords) > MAX_KEYWORDS:
            errors["keywords"] = f"At most {MAX_KEYWORDS} keywords."
        elif any(len(k) > KEYWORD_MAX_LENGTH for k in keywords):
            errors["keywords"] = f"A keyword is longer than {KEYWORD_MAX_LENGTH} characters."

    dependencies = data.get("dependencies")
    if dependencies is not None:
        dependency_error = _check_dependencies(dependencies)
        if dependency_error:
            errors["dependencies"] = dependency_error

    for key in (
        "name",
        "version",
        "entry_point",
        *MANIFEST_TEXT_FIELDS,
        "keywords",
        "dependencies",
        *MARKDOWN_MAX_BYTES,
    ):
        if key not in errors and not _storable(data.get(key)):
            errors[key] = (
                f"The {key} contains a character that cannot be stored: a NUL (\\u0000) "
                "or an unpaired surrogate (\\ud800-\\udfff)."
            )
    return errors


def _check_markdown(data: Mapping[str, Any]) -> dict[str, str]:
    """The Markdown fields: strings, each within its size in UTF-8 bytes."""
    errors: dict[str, str] = {}
    for key, limit in MARKDOWN_MAX_BYTES.items():
        value = data.get(key)
        if value is None:
            continue
        if not isinstance(value, str):
            errors[key] = f"The {key} must be a string of Markdown."
        elif len(value.encode("utf-8", "surrogatepass")) > limit:
            errors[key] = f"The {key} is larger than {limit // 1024} KiB of UTF-8 text."
    return errors


def storable_text(text: str) -> bool:
    """False for text a database refuses: NUL characters (PostgreSQL) and lone surrogates."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _storable(value: object) -> bool:
    if isinstance(value, str):
        return storable_text(value)
    if isinstance(value, list | tuple):
        return all(_storable(item) for item in value)
    if isinstance(value, Mapping):
        return all(_storable(key) and _storable(item) for key, item in value.items())
    return True


def _check_dependencies(dependencies: object) -> str | None:
    if not isinstance(dependencies, Mapping):
        return "The dependencies must be an object mapping plugin names to version constraints."
    for dep_name, constraint in dependencies.items():
        name_error = _check_name(dep_name, "dependency name")
        if name_error:
            return name_error
        if not isinstance(constraint, str):
            return f'The constraint for {dep_name!r} must be a string, such as ">=1.0".'
        if len(constraint) > CONSTRAINT_MAX_LENGTH:
            return f"The constraint for {dep_name!r} is too long."
    return None
