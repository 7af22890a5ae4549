"""The errors the marketplace raises on purpose, each with its ``code`` and ``http_status``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


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


class SandboxUnavailable(MarketplaceError):
    """No sandbox could run the code before the caller's deadline: no worker answered, or
    the broker is unreachable. Nothing of the plugin's ran to completion; try again later
    (RFC 9110 15.6.4: 503, the server cannot handle the request for now)."""

    code = "sandbox_unavailable"
    http_status = 503
