"""The registry seen as a dependency provider, for the resolver and the dependency graph."""

import functools
from collections.abc import Mapping

from celery import Celery
from django.conf import settings

from marketplace_site.remote_sandbox import RemoteSandbox
from marketplace_site.types import (
    InvalidConstraint,
    PluginManifest,
    Resolver,
    canonical_name,
)
from registry.services import RegistryService
from resolver.constraints import pins_exactly
from sandbox.services import SandboxService


class RegistryProvider:
    """Answers ``versions`` and ``dependencies`` from the registry, cached for one request.

    One query per plugin loads all its versions with their dependencies: the resolver looks
    at many candidate versions of each plugin. ``pending`` is a manifest treated as published
    (a dry-run plan); ``chosen`` holds the resolver's answer, which ``chosen_version`` prefers
    to the highest satisfying version.
    """

    def __init__(
        self,
        registry: RegistryService,
        resolver: Resolver,
        *,
        chosen: Mapping[str, str] | None = None,
        pending: PluginManifest | None = None,
        table: dict[str, dict[str, Mapping[str, str]]] | None = None,
        yanked: dict[str, frozenset[str]] | None = None,
    ) -> None:
        self.registry = registry
        self.resolver = resolver
        self.chosen = {canonical_name(k): v for k, v in (chosen or {}).items()}
        self.pending = pending
        # canonical name -> {version: dependencies}, in ascending version order.
        self._table: dict[str, dict[str, Mapping[str, str]]] = {} if table is None else table
        # canonical name -> its yanked versions (PEP 592), filled with the table.
        self._yanked: dict[str, frozenset[str]] = {} if yanked is None else yanked

    def with_choices(self, chosen: Mapping[str, str]) -> "RegistryProvider":
        """The same provider (sharing its cache) that shows ``chosen`` versions."""
        return RegistryProvider(
            self.registry,
            self.resolver,
            chosen=chosen,
            pending=self.pending,
            table=self._table,
            yanked=self._yanked,
        )

    def _versions_of(self, name: str) -> dict[str, Mapping[str, str]]:
        key = canonical_name(name)
        if key not in self._table:
            rows = self.registry.release_table(key)
            table: dict[str, Mapping[str, str]] = {version: deps for version, deps, _ in rows}
            pending = self.pending
            if pending is not None and pending.canonical_name == key:
                table.setdefault(pending.version, dict(pending.dependencies))
            self._table[key] = table
            self._yanked[key] = frozenset(version for version, _, yanked in rows if yanked)
        return self._table[key]

    def yanked(self, name: str) -> frozenset[str]:
        """The yanked versions of ``name`` (PEP 592): the resolver chooses one only for a
        constraint that pins exactly it."""
        self._versions_of(name)
        return self._yanked[canonical_name(name)]

    def versions(self, name: str) -> list[str]:
        return list(self._versions_of(name))

    def dependencies(self, name: str, version: str) -> Mapping[str, str]:
        table = self._versions_of(name)
        if version in table:
            return table[version]
        # The same version written another way (1.0 for 1.0.0).
        manifest = self.registry.get(name, version)
        return dict(manifest.dependencies) if manifest is not None else {}

    def names(self) -> list[str]:
        """Every published plugin, and the pending one: for questions asked "anywhere"."""
        names = [manifest.name for manifest in self.registry.list_plugins()]
        if self.pending is not None and not self.registry.versions(self.pending.name):
            names.append(self.pending.name)
        return names

    def chosen_version(self, name: str, constraint: str | None) -> str | None:
        key = canonical_name(name)
        if key in self.chosen:
            return self.chosen[key]
        versions = self.versions(key)
        if not versions:
            return None
        if not pins_exactly(constraint or "*"):
            yanked = self.yanked(key)
            versions = [version for version in versions if version not in yanked]
        try:
            return self.resolver.max_satisfying(versions, constraint or "*")
        except InvalidConstraint:
            return None


@functools.cache
def _celery_app(broker_url: str, result_backend: str) -> Celery:
    """One Celery client per broker, configured as the workers are (``CELERY_*`` settings,
    ``marketplace_site.celery``), with this broker and result backend."""
    app = Celery("marketplace_site", set_as_current=False)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.update(broker_url=broker_url, result_backend=result_backend)
    return app


def sandbox_backend() -> SandboxService | RemoteSandbox:
    """The sandbox that runs plugin code, as ``SANDBOX_BACKEND`` says: this process's own
    zygote ("embedded"), or Celery workers ("celery", through ``CELERY_BROKER_URL``)."""
    if getattr(settings, "SANDBOX_BACKEND", "embedded") != "celery":
        return SandboxService()
    broker = settings.CELERY_BROKER_URL
    app = _celery_app(broker, getattr(settings, "CELERY_RESULT_BACKEND", "") or broker)
    return RemoteSandbox(app, overhead_ms=settings.SANDBOX_REMOTE_OVERHEAD_MS)
