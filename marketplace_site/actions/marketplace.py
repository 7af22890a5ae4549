"""The five services composed into one marketplace (CONTRACTS.md, "Integration").

The workflows of the contract that span apps are methods here, each in one transaction, with
work that must not hold a database lock (running plugin code) after the commit. They trust
their caller about who may do what: the user actions beside this module check permissions
and then call them.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings as django_settings
from django.db import transaction

from depgraph import services as depgraph_services
from depgraph.services import DependencyGraphService
from marketplace_site.actions import installations, names
from marketplace_site.actions.installations import plugin_module
from marketplace_site.actions.manifests import as_data, check_manifest, manifest_errors
from marketplace_site.providers import RegistryProvider, sandbox_backend
from marketplace_site.types import (
    CircularDependencyError,
    DependencyNode,
    Installation,
    InstallResult,
    InvalidManifest,
    PluginManifest,
    PluginNotFound,
    ResolutionError,
    Sandbox,
    SandboxResult,
    SandboxUnavailable,
    module_name,
)
from registry import services as registry_services
from registry.names import NameTooSimilar
from registry.services import RegistryService
from resolver.services import ResolverService
from reviews.services import ReviewService
from sandbox import services as sandbox_services


@dataclass(frozen=True)
class InstallPlan:
    """What an install would do, computed without storing anything."""

    manifest: PluginManifest
    resolved: dict[str, str]
    tree: DependencyNode | None
    error: str | None = None
    error_code: str | None = None


@dataclass(frozen=True)
class YankedChoice:
    """A yanked version (PEP 592) that an install chose, because a constraint or the
    request pinned exactly it; ``reason`` is the owner's, possibly empty."""

    name: str
    version: str
    reason: str


class Marketplace:
    """The five services, and the workflows that need more than one of them."""

    def __init__(
        self,
        *,
        registry: RegistryService,
        resolver: ResolverService,
        sandbox: Sandbox,
        reviews: ReviewService,
        sandbox_timeout_ms: int,
        sandbox_memory_limit_mb: int,
    ) -> None:
        self.registry = registry
        self.resolver = resolver
        self.sandbox = sandbox
        self.reviews = reviews
        self.sandbox_timeout_ms = sandbox_timeout_ms
        self.sandbox_memory_limit_mb = sandbox_memory_limit_mb

    @property
    def depgraph(self) -> DependencyGraphService:
        """The dependency graph over the registry as it is now (its provider caches reads,
        so each use starts from a fresh one)."""
        return DependencyGraphService(self.provider())

    def provider(
        self,
        *,
        chosen: Mapping[str, str] | None = None,
        pending: PluginManifest | None = None,
    ) -> RegistryProvider:
        return RegistryProvider(self.registry, self.resolver, chosen=chosen, pending=pending)

    def validate(self, manifest: PluginManifest | Mapping[str, Any]) -> PluginManifest:
        """A checked manifest, or ``InvalidManifest`` with every problem at once: its
        fields, each dependency's constraint, a dependency on itself, and whether the entry
        point compiles (``actions.manifests``)."""
        return check_manifest(manifest, self.resolver)

    def admit(
        self,
        manifest: PluginManifest | Mapping[str, Any],
        *,
        owner: Any = None,
        hold_near_popular: bool = True,
    ) -> PluginManifest:
        """What every publish passes first, whichever door it comes through.

        ``InvalidManifest`` with every problem at once, ``NameTooSimilar`` (an
        ``InvalidManifest``) when a new name looks the same as another account's,
        ``NotPluginOwner`` (403) for another account's name, and ``HeldForReview`` (202)
        when a new name is one edit from a popular plugin's (``actions.names``): the held
        row is committed, so call this outside the publish's transaction.
        """
        if not isinstance(manifest, PluginManifest | Mapping):
            raise InvalidManifest({"__all__": "Expected a manifest object."})
        data = as_data(manifest)
        errors = manifest_errors(data, self.resolver)
        name = data.get("name") if isinstance(data, Mapping) else None
        if "name" not in errors and isinstance(name, str):
            existing = names.lookalike_of(name, owner)
            if existing is not None:
                raise NameTooSimilar(name, existing, errors)
        if errors:
            raise InvalidManifest(errors)
        checked = PluginManifest.from_dict(data)
        names.check_owner(checked.name, owner)
        if hold_near_popular:
            names.hold_if_near_popular(checked, owner)
        return checked

    def publish(
        self,
        manifest: PluginManifest | Mapping[str, Any],
        *,
        owner: Any = None,
        hold_near_popular: bool = True,
    ) -> PluginManifest:
        """Check (``admit``) and register a version, and index its dependency edges."""
        manifest = self.admit(manifest, owner=owner, hold_near_popular=hold_near_popular)
        with transaction.atomic():
            self._store(manifest, owner)
        return manifest

    def yank(self, name: str, version: str, reason: str = "") -> bool:
        """Yank a version (PEP 592; ``RegistryService.yank``): True if it exists."""
        return self.registry.yank(name, version, reason)

    def unyank(self, name: str, version: str) -> bool:
        """Undo a yank: True if the version exists."""
        return self.registry.unyank(name, version)

    def yanked_choices(self, chosen: Mapping[str, str]) -> list[YankedChoice]:
        """The yanked versions among ``chosen`` (name -> version, the root included)."""
        return [
            YankedChoice(row.plugin.display_name, row.version, row.yanked_reason)
            for row in self.registry.yanked_among(chosen)
        ]

    def _store(self, manifest: PluginManifest, owner: Any) -> None:
        self.registry.add(manifest, owner=owner)
        depgraph_services.index_version(
            name=manifest.name,
            version=manifest.version,
            dependencies=dict(manifest.dependencies),
        )

    def remove_version(self, name: str, version: str) -> bool:
        with transaction.atomic():
            removed = self.registry.remove_version(name, version)
            if removed:
                depgraph_services.unindex_version(name=name, version=version)
        return removed

    def _resolve_and_check(
        self, manifest: PluginManifest, provider: RegistryProvider
    ) -> tuple[dict[str, str], DependencyNode]:
        resolved = self.resolver.resolve_transitive(manifest, provider)
        chosen = {manifest.name: manifest.version, **resolved}
        graph = DependencyGraphService(provider.with_choices(chosen))
        cycle = graph.find_cycle(manifest.name)
        if cycle:
            raise CircularDependencyError(cycle)
        return resolved, graph.build_tree(manifest.name, manifest.version)

    def dry_run(self, manifest: PluginManifest) -> tuple[dict[str, str], DependencyNode]:
        """What installing a checked manifest would resolve to, and its tree; nothing is
        stored and no code runs. ``ResolutionError``, ``CircularDependencyError``."""
        existing = self.registry.get(manifest.name, manifest.version)
        return self._resolve_and_check(
            manifest, self.provider(pending=None if existing else manifest)
        )

    def plan(self, manifest: PluginManifest | Mapping[str, Any]) -> InstallPlan:
        """A dry run of ``install_plugin``, with a refusal in the plan instead of raised."""
        manifest = self.validate(manifest)
        try:
            resolved, tree = self.dry_run(manifest)
        except ResolutionError as error:
            return InstallPlan(manifest, {}, None, error.explanation, error.code)
        except CircularDependencyError as error:
            return InstallPlan(manifest, {}, None, str(error), error.code)
        return InstallPlan(manifest, resolved, tree)

    def install_plugin(
        self,
        manifest: PluginManifest | Mapping[str, Any],
        *,
        owner: Any = None,
        context: Mapping[str, Any] | None = None,
    ) -> InstallResult:
        """Validate, register, resolve, reject cycles, then run the plugin in the sandbox.

        A step that raises leaves the registry as it was; a plugin whose code fails stays
        registered, with the failure in the result's ``sandbox``.
        """
        manifest = self.admit(manifest, owner=owner)
        with transaction.atomic(durable=True):
            self._store(manifest, owner)
            resolved, tree = self._resolve_and_check(manifest, self.provider())
        result = self._run_after_install(manifest, context, owner, resolved)
        return InstallResult(manifest=manifest, resolved=resolved, tree=tree, sandbox=result)

    def install_published(
        self,
        name: str,
        version: str | None = None,
        *,
        user: Any = None,
        context: Mapping[str, Any] | None = None,
    ) -> InstallResult:
        """Install a version that is already published: resolve, check, run."""
        manifest = self.registry.get(name, version)
        if manifest is None:
            raise PluginNotFound(name, version)
        resolved, tree = self._resolve_and_check(manifest, self.provider())
        result = self._run_after_install(manifest, context, user, resolved)
        return InstallResult(manifest=manifest, resolved=resolved, tree=tree, sandbox=result)

    def _run_after_install(
        self,
        manifest: PluginManifest,
        context: Mapping[str, Any] | None,
        user: Any,
        resolved: Mapping[str, str],
    ) -> SandboxResult:
        """The install's run. The plugin is stored by now, so a sandbox that no worker
        answers for is the run's failure (as a plugin's own failure is), not the install's."""
        try:
            return self.run(manifest, context=context, user=user, resolved=resolved)
        except SandboxUnavailable as error:
            return SandboxResult(
                success=False,
                output=None,
                stdout="",
                error=f"SandboxUnavailable: {error.message}",
                duration_ms=0.0,
                memory_bytes=0,
            )

    def install(self, name: str, version: str | None = None, *, user: Any) -> Installation:
        """Pin the published ``name`` for ``user`` (``actions.installations.install``)."""
        return installations.install(self, name, version, user=user)

    def run_installed(
        self, installation_id: int, context: Mapping[str, Any] | None = None, *, user: Any
    ) -> SandboxResult:
        """Run an installation's pinned code (``actions.installations.run_installed``)."""
        return installations.run_installed(self, installation_id, context, user=user)

    def upgrade(self, installation_id: int, *, user: Any) -> Installation:
        """Re-resolve to the newest versions that fit and re-pin."""
        return installations.upgrade(self, installation_id, user=user)

    def uninstall(self, installation_id: int, *, user: Any) -> bool:
        return installations.uninstall(self, installation_id, user=user)

    def installations(self, user: Any) -> list[Installation]:
        """The user's installations, by plugin name."""
        return installations.installations(self, user)

    def run(
        self,
        manifest: PluginManifest,
        *,
        context: Mapping[str, Any] | None = None,
        user: Any = None,
        resolved: Mapping[str, str] | None = None,
    ) -> SandboxResult:
        """Run a plugin's entry point in the sandbox, its resolved dependencies importable,
        and record the run.

        ``resolved`` is the transitive resolution (name -> version) when the caller has it;
        otherwise it is resolved now, and a plugin with no resolution does not run: the
        result fails with the resolver's explanation.
        """
        if resolved is None:
            try:
                resolved = self.resolver.resolve_transitive(manifest, self.provider())
            except ResolutionError as error:
                return SandboxResult(
                    success=False,
                    output=None,
                    stdout="",
                    error=f"ResolutionError: {error.explanation}",
                    duration_ms=0.0,
                    memory_bytes=0,
                )
        modules = {}
        for name, version in resolved.items():
            dependency = self.registry.get(name, version)
            if dependency is None:
                raise PluginNotFound(name, version)
            modules[module_name(name)] = plugin_module(dependency)
        result = self.sandbox.run(
            manifest.entry_point,
            context,
            modules=modules,
            imports=plugin_module(manifest).imports,
            timeout_ms=self.sandbox_timeout_ms,
            memory_limit_mb=self.sandbox_memory_limit_mb,
        )
        sandbox_services.record_run(
            plugin_name=manifest.canonical_name,
            version=manifest.version,
            result=result,
            user=user if getattr(user, "is_authenticated", False) else None,
        )
        registry_services.plugin_counts_add(name=manifest.canonical_name, trial_runs=1)
        return result


def create_marketplace(**settings: Any) -> Marketplace:
    """The marketplace with its five services; keyword settings override Django's."""

    def setting(name: str) -> Any:
        return settings.get(name.lower(), getattr(django_settings, name))

    return Marketplace(
        registry=RegistryService(),
        resolver=ResolverService(
            max_rounds=setting("RESOLVER_MAX_ROUNDS"), timeout_ms=setting("RESOLVER_TIMEOUT_MS")
        ),
        sandbox=sandbox_backend(),
        reviews=ReviewService(),
        sandbox_timeout_ms=setting("SANDBOX_TIMEOUT_MS"),
        sandbox_memory_limit_mb=setting("SANDBOX_MEMORY_LIMIT_MB"),
    )
