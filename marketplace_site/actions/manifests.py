"""Every problem with a manifest at once, for the publish form, the API and ``Marketplace``.

Errors are keyed by manifest field; a problem with one dependency is keyed
``dependencies.<name>`` so that each bad constraint gets its own message (Warehouse's upload
checks report each field the same way). Warnings do not stop a publish: a dependency on a plugin
that is not published yet (a pair of plugins is published one after the other).
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

from marketplace_site.types import (
    InvalidConstraint,
    InvalidManifest,
    PluginManifest,
    canonical_name,
    validate_manifest_data,
)
from registry.services import RegistryService
from resolver.services import ResolverService


@dataclass(frozen=True)
class CheckedManifest:
    """A manifest with no errors, and what the author should still hear about."""

    manifest: PluginManifest
    warnings: dict[str, str] = field(default_factory=dict)


def dependency_key(name: object) -> str:
    return f"dependencies.{name}"


def entry_point_error(source: str) -> str | None:
    """Why ``source`` does not compile as a module, with line and column; None when it does.

    Compiling runs none of the code; it catches what the parser and the compiler refuse
    (``return`` outside a function included). Source nested too deeply for the compiler is
    refused too, as the sandbox could not run it either.
    """
    try:
        compile(source, "<entry_point>", "exec", dont_inherit=True)
    except SyntaxError as error:
        where = f"line {error.lineno}, column {error.offset}" if error.lineno else "the code"
        return f"The entry_point does not compile: {error.msg} (at {where})."
    except (ValueError, RecursionError, MemoryError) as error:
        return f"The entry_point does not compile: {error}."
    return None


def _constraint_errors(data: Mapping[str, object], resolver: ResolverService) -> dict[str, str]:
    errors: dict[str, str] = {}
    dependencies = data.get("dependencies")
    if not isinstance(dependencies, Mapping):
        return errors
    own = data.get("name")
    own_name = canonical_name(own) if isinstance(own, str) and own.strip() else None
    for name, constraint in dependencies.items():
        if not isinstance(name, str) or not isinstance(constraint, str):
            continue  # validate_manifest_data reports the shape
        if own_name is not None and canonical_name(name) == own_name:
            errors[dependency_key(name)] = (
                f"A plugin cannot depend on itself ({name!r} is this plugin's own name)."
            )
            continue
        try:
            resolver.satisfies("0", constraint)
        except InvalidConstraint as error:
            errors[dependency_key(name)] = f"The constraint for {name!r} is invalid: {error}"
    return errors


def manifest_errors(data: object, resolver: ResolverService | None = None) -> dict[str, str]:
    """Every problem with a would-be manifest, field -> message; empty when it is valid:
    its fields (``validate_manifest_data``), each dependency's constraint and its name (not
    this plugin's own), and whether the entry point compiles."""
    errors = validate_manifest_data(data)
    if not isinstance(data, Mapping):
        return errors
    errors.update(_constraint_errors(data, resolver or ResolverService()))
    source = data.get("entry_point")
    if "entry_point" not in errors and isinstance(source, str):
        problem = entry_point_error(source)
        if problem:
            errors["entry_point"] = problem
    return errors


def as_data(manifest: PluginManifest | Mapping[str, object]) -> object:
    if isinstance(manifest, PluginManifest):
        return manifest.to_dict()
    return manifest


def check_manifest(
    manifest: PluginManifest | Mapping[str, object], resolver: ResolverService | None = None
) -> PluginManifest:
    """The manifest, or ``InvalidManifest`` carrying every error of ``manifest_errors``."""
    if not isinstance(manifest, PluginManifest | Mapping):
        raise InvalidManifest({"__all__": "Expected a manifest object."})
    data = as_data(manifest)
    errors = manifest_errors(data, resolver)
    if errors:
        raise InvalidManifest(errors)
    return PluginManifest.from_dict(data)


def missing_dependencies(registry: RegistryService, manifest: PluginManifest) -> dict[str, str]:
    """Warnings, ``dependencies.<name>`` -> message, for dependencies not published (yet)."""
    published = registry.names(list(manifest.dependencies))
    return {
        dependency_key(name): (
            f"{name!r} is not published (yet): installing this plugin fails until it is."
        )
        for name in manifest.dependencies
        if canonical_name(name) not in published
    }
