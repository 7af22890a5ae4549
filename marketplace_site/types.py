"""The shared contract of the marketplace: value types, errors and service Protocols.

Every app may import this module and nothing else from another package of the project.
It imports only the standard library and ``packaging`` (see CONTRACTS.md).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

JSONValue = None | bool | int | float | str | list[Any] | dict[str, Any]

NAME_MAX_LENGTH = 100
NAME_PATTERN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$")
MANIFEST_TEXT_FIELDS = ("description", "author", "license", "homepage")
TEXT_FIELD_MAX_LENGTH = {"description": 5000, "author": 200, "license": 100, "homepage": 500}
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


# The version model (CONTRACTS.md "Versions"): a string that is SemVer 2.0.0 (with npm's
# optional "v" and surrounding spaces, as node-semver's non-loose parse) is read as SemVer;
# anything else as PEP 440 through ``packaging``. Only ASCII digits are digits: Python's
# ``\d`` and ``int()`` accept Arabic-Indic and other digits, so no pattern here uses them.
_SEMVER_NUMBER = r"0|[1-9][0-9]*"
_SEMVER_ID = rf"(?:{_SEMVER_NUMBER}|[0-9]*[A-Za-z-][0-9A-Za-z-]*)"
SEMVER_PATTERN = re.compile(
    rf"v?(?P<major>{_SEMVER_NUMBER})\.(?P<minor>{_SEMVER_NUMBER})\.(?P<patch>{_SEMVER_NUMBER})"
    rf"(?:-(?P<pre>{_SEMVER_ID}(?:\.{_SEMVER_ID})*))?"
    r"(?:\+(?P<build>[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?"
)
# JavaScript's String.prototype.trim() set, which node-semver strips around a version.
JS_WHITESPACE = "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"  # noqa: E501

SemVerIdentifier = tuple[int, int, str]  # (0, n, "") numeric, (1, 0, text) alphanumeric
VersionKey = tuple[Any, ...]


@dataclass(frozen=True, order=False)
class SemVer:
    """A SemVer 2.0.0 version: ``pre`` and ``build`` are its dot-separated identifiers."""

    major: int
    minor: int
    patch: int
    pre: tuple[str, ...] = ()
    build: tuple[str, ...] = ()

    @property
    def is_prerelease(self) -> bool:
        return bool(self.pre)

    @property
    def release(self) -> tuple[int, int, int]:
        return (self.major, self.minor, self.patch)

    def pre_key(self) -> tuple[SemVerIdentifier, ...]:
        """SemVer 2.0.0 section 11: numbers numerically and below text, text in ASCII order."""
        return tuple((0, int(i), "") if i.isdigit() else (1, 0, i) for i in self.pre)

    def __str__(self) -> str:
        text = f"{self.major}.{self.minor}.{self.patch}"
        return text + ("-" + ".".join(self.pre) if self.pre else "")


def parse_semver(text: str) -> SemVer | None:
    """``text`` as SemVer 2.0.0 (``v`` prefix and surrounding spaces allowed), else None."""
    match = SEMVER_PATTERN.fullmatch(text.strip(JS_WHITESPACE))
    if match is None:
        return None
    pre, build = match.group("pre"), match.group("build")
    return SemVer(
        int(match.group("major")),
        int(match.group("minor")),
        int(match.group("patch")),
        tuple(pre.split(".")) if pre else (),
        tuple(build.split(".")) if build else (),
    )


def parse_pep440(text: str) -> Version | None:
    """``text`` as a PEP 440 version (``packaging``), else None; ASCII digits only."""
    if not text.isascii():
        return None
    try:
        return Version(text)
    except InvalidVersion:
        return None


AnyVersion = SemVer | Version


def parse_any_version(text: str) -> AnyVersion | None:
    """The one reading of a version string: SemVer when it is SemVer, else PEP 440, else None."""
    if not isinstance(text, str):
        return None
    return parse_semver(text) or parse_pep440(text)


def is_prerelease(version: AnyVersion) -> bool:
    """SemVer: it has a pre-release part. PEP 440: ``packaging``'s rule (a pre- or dev-release)."""
    return version.is_prerelease


def has_local_part(version: AnyVersion) -> bool:
    """Build metadata (SemVer) or a local version label (PEP 440): refused at publish."""
    return bool(version.build) if isinstance(version, SemVer) else version.local is not None


def _release_key(release: tuple[int, ...]) -> tuple[int, ...]:
    trimmed = list(release)
    while len(trimmed) > 1 and trimmed[-1] == 0:
        trimmed.pop()  # 1.0 and 1.0.0 are one version
    return tuple(trimmed)


def version_key(version: AnyVersion) -> VersionKey:
    """The total order on both readings, used by the registry, the resolver and the pages.

    ``(epoch, release without trailing zeros, stage, local)``. Within PEP 440 the order is
    ``packaging``'s; within SemVer it is SemVer 2.0.0 section 11 (build metadata ignored). On
    one release, stages run: SemVer pre-releases (0, so npm's ``-0`` bound is the lowest of
    the release), PEP 440 dev-releases (1), PEP 440 a/b/rc pre-releases (2), the release and
    its post-releases (3). Every number is a non-negative
    ``int`` of any size (no 2**53 limit). Equal keys mean the same version.
    """
    if isinstance(version, SemVer):
        stage: tuple[Any, ...] = (0, version.pre_key()) if version.pre else (3, 0, (1, 0))
        return (0, _release_key(version.release), stage, ())
    dev = (1, 0) if version.dev is None else (0, version.dev)
    post = 0 if version.post is None else version.post + 1
    if version.pre is not None:
        rank = {"a": 0, "b": 1, "rc": 2}[version.pre[0]]
        stage = (2, (rank, version.pre[1], post, dev))
    elif version.post is None and version.dev is not None:
        stage = (1, version.dev)
    else:
        stage = (3, post, dev)
    local = tuple(
        (1, int(part), "") if part.isdigit() else (0, 0, part)
        for part in (version.local or "").split(".")
        if part
    )
    return (version.epoch, _release_key(version.release), stage, local)


def version_sort_key(text: str) -> VersionKey:
    """``version_key`` of a version string; strings that are no version sort first."""
    parsed = parse_any_version(text)
    return (-1,) if parsed is None else version_key(parsed)


class MarketplaceError(Exception):
    """Base of every error the marketplace raises on purpose.

    ``code`` is the machine-readable name a JSON client sees, ``http_status`` the status a
    page or the API answers with (RFC 9110: 400 for input the caller must fix, 403 for a
    permission, 404, 409 for a conflict with what is stored, 422 for a request that is
    well-formed but cannot be carried out), and ``detail`` the message, or field -> message.
    """

    code = "marketplace_error"
    http_status = 400

    @property
    def message(self) -> str:
        return str(self)

    @property
    def detail(self) -> str | dict[str, str]:
        return self.message


class Forbidden(MarketplaceError):
    """The acting user may not do this (not the owner, not a moderator, ...)."""

    code = "forbidden"
    http_status = 403


class InvalidManifest(MarketplaceError):
    code = "invalid_manifest"
    http_status = 400

    def __init__(self, errors: Mapping[str, str], message: str | None = None) -> None:
        self.errors: dict[str, str] = dict(errors)
        if message is None:
            message = "Invalid manifest: " + "; ".join(
                f"{key}: {value}" for key, value in self.errors.items()
            )
        super().__init__(message)

    @property
    def detail(self) -> str | dict[str, str]:
        return self.errors or {"__all__": self.message}


class DuplicateVersion(MarketplaceError):
    code = "duplicate_version"
    http_status = 409

    def __init__(self, name: str, version: str, message: str | None = None) -> None:
        self.name = name
        self.version = version
        super().__init__(message or f"{name} {version} is already published.")


class PluginNotFound(MarketplaceError):
    code = "plugin_not_found"
    http_status = 404

    def __init__(self, name: str, version: str | None = None, message: str | None = None) -> None:
        self.name = name
        self.version = version
        if message is None:
            message = (
                f"No plugin named {name!r}."
                if version is None
                else f"{name} has no version {version}."
            )
        super().__init__(message)


class InstallationNotFound(PluginNotFound):
    """No installation with that id belongs to the acting user (another user's is not
    found either: nobody learns which ids exist)."""

    code = "installation_not_found"

    def __init__(self, installation_id: object) -> None:
        super().__init__(
            str(installation_id), None, f"You have no installation with id {installation_id!r}."
        )


class LockMismatch(MarketplaceError):
    """Code pinned by a lock no longer has the SHA-256 the lock recorded: it is not run."""

    code = "lock_mismatch"
    http_status = 409

    def __init__(self, name: str, version: str, expected: str, found: str) -> None:
        self.name, self.version, self.expected, self.found = name, version, expected, found
        super().__init__(
            f"The code pinned for {name} {version} no longer matches its lock (SHA-256 "
            f"{found[:12]}…, locked {expected[:12]}…); it was not run. Reinstall the plugin "
            "to pin it again."
        )


class InvalidConstraint(MarketplaceError, ValueError):
    code = "invalid_constraint"

    def __init__(self, constraint: str, message: str | None = None) -> None:
        self.constraint = constraint
        super().__init__(message or f"Cannot parse the constraint {constraint!r}.")


class ResolutionError(MarketplaceError):
    code = "resolution_failed"
    http_status = 422

    def __init__(self, explanation: str) -> None:
        self.explanation = explanation
        super().__init__(explanation)


class CircularDependencyError(MarketplaceError):
    code = "circular_dependency"
    http_status = 422

    def __init__(self, cycle: Sequence[str], message: str | None = None) -> None:
        self.cycle: list[str] = list(cycle)
        super().__init__(message or "Circular dependency: " + " -> ".join(self.cycle))


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
    ):
        if key not in errors and not _storable(data.get(key)):
            errors[key] = (
                f"The {key} contains a character that cannot be stored: a NUL (\\u0000) "
                "or an unpaired surrogate (\\ud800-\\udfff)."
            )
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


@dataclass(frozen=True)
class SandboxResult:
    success: bool
    output: JSONValue
    stdout: str
    error: str | None
    duration_ms: float
    memory_bytes: int
    timed_out: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "success": self.success,
            "output": self.output,
            "stdout": self.stdout,
            "error": self.error,
            "duration_ms": self.duration_ms,
            "memory_bytes": self.memory_bytes,
            "timed_out": self.timed_out,
        }


@dataclass(frozen=True)
class PluginModule:
    """One importable module of a sandbox run: the plugin ``plugin``'s entry point ``source``.

    ``imports`` is the module names it may import among the run's modules (its declared
    dependencies, through ``module_name``); None lets it import any of them.
    """

    source: str
    imports: frozenset[str] | None = None
    plugin: str = ""


@dataclass(frozen=True)
class Installation:
    """A user's installed plugin, pinned by a lock (CONTRACTS.md "Installations").

    ``lock`` maps every transitive dependency (canonical name, root excluded) to its pinned
    version; ``hashes`` maps every pinned plugin, root included, to the SHA-256 (hex) of the
    code pinned for it.
    """

    id: int
    user: str
    plugin_name: str
    version: str
    lock: Mapping[str, str]
    created_at: datetime
    updated_at: datetime
    hashes: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Review:
    id: int
    plugin_name: str
    user: str
    rating: int
    comment: str
    flagged: bool
    flag_reason: str
    created_at: datetime


@dataclass(frozen=True)
class DependencyNode:
    name: str
    version: str | None
    constraint: str | None
    children: tuple[DependencyNode, ...] = ()
    # True where the plugin already appears above this node (a cycle back-edge leaf).
    cycle: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "constraint": self.constraint,
            "cycle": self.cycle,
            "children": [child.to_dict() for child in self.children],
        }


@dataclass(frozen=True)
class InstallResult:
    manifest: PluginManifest
    resolved: dict[str, str]
    tree: DependencyNode
    sandbox: SandboxResult


@runtime_checkable
class DependencyProvider(Protocol):
    """What the resolver and the dependency graph need to know about published plugins."""

    def versions(self, name: str) -> list[str]: ...

    def dependencies(self, name: str, version: str) -> Mapping[str, str]: ...


@runtime_checkable
class GraphProvider(DependencyProvider, Protocol):
    """A DependencyProvider that also says which version a constraint resolves to.

    ``chosen_version(name, constraint)`` is the version the dependency graph shows for a
    dependency: the resolver's transitive choice where there is one, else the highest version
    that satisfies ``constraint`` (any version when it is None); None when nothing fits or the
    plugin does not exist.
    """

    def chosen_version(self, name: str, constraint: str | None) -> str | None: ...


@runtime_checkable
class Registry(Protocol):
    def add(self, manifest: PluginManifest, owner: Any = None) -> PluginManifest: ...

    def get(self, name: str, version: str | None = None) -> PluginManifest | None: ...

    def versions(self, name: str) -> list[str]: ...

    def list_plugins(self, offset: int = 0, limit: int | None = None) -> list[PluginManifest]: ...

    def search(self, query: str, limit: int = 20) -> list[PluginManifest]: ...

    def remove_version(self, name: str, version: str) -> bool: ...


@runtime_checkable
class Resolver(Protocol):
    def satisfies(
        self, version: str, constraint: str, include_prerelease: bool = False
    ) -> bool: ...

    def max_satisfying(
        self, versions: Sequence[str], constraint: str, include_prerelease: bool = False
    ) -> str | None: ...

    def resolve(
        self, constraints: Mapping[str, str], available: Mapping[str, Sequence[str]]
    ) -> dict[str, str | None]: ...

    def resolve_transitive(
        self, root: PluginManifest, provider: DependencyProvider
    ) -> dict[str, str]: ...


@runtime_checkable
class Sandbox(Protocol):
    def run(
        self,
        code: str,
        context: Mapping[str, Any] | None = None,
        *,
        modules: Mapping[str, str | PluginModule] | None = None,
        imports: Collection[str] | None = None,
        timeout_ms: int = 1000,
        memory_limit_mb: int = 256,
    ) -> SandboxResult: ...


@runtime_checkable
class Reviews(Protocol):
    def add_review(self, plugin_name: str, user: str, rating: int, comment: str = "") -> Review: ...

    def flag(self, review_id: int, reason: str = "") -> Review: ...

    def unflag(self, review_id: int) -> Review: ...

    def average_rating(self, plugin_name: str) -> float | None: ...

    def for_plugin(self, plugin_name: str, include_flagged: bool = False) -> list[Review]: ...

    def by_user(self, user: str) -> list[Review]: ...

    def flagged(self, plugin_name: str | None = None) -> list[Review]: ...


@runtime_checkable
class DependencyGraph(Protocol):
    def build_tree(self, name: str, version: str | None = None) -> DependencyNode: ...

    def find_cycle(self, name: str | None = None) -> list[str] | None: ...

    def topological_order(self, names: Sequence[str] | None = None) -> list[str]: ...

    def flatten(self, name: str, version: str | None = None) -> list[str]: ...
