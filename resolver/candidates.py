"""What transitive resolution works on: requirements, candidate versions, plugins."""

from __future__ import annotations

from typing import NamedTuple

from resolvelib.structs import RequirementInformation

from marketplace_site.types import AnyVersion, VersionKey
from resolver.constraints import PlainIndex, is_plain

ALL = -1  # a mask with every bit set


class Requirement:
    """A dependency as one plugin version declares it; ``mask`` caches the fitting versions."""

    __slots__ = ("constraint", "key", "mask", "name")

    def __init__(self, key: str, name: str, constraint: str) -> None:
        self.key = key  # canonical name
        self.name = name  # as the dependent wrote it
        self.constraint = constraint
        self.mask: int | None = None

    def __repr__(self) -> str:
        return f"<{self.name} {self.constraint}>"


class Candidate:
    """One version of one plugin; ``index`` is its bit in the plugin's masks (0 = highest)."""

    __slots__ = ("_dead", "dep_masks", "deps", "index", "key", "order", "parsed", "version")

    def __init__(
        self, key: str, version: str, parsed: AnyVersion, index: int, order: VersionKey
    ) -> None:
        self.key = key
        self.version = version
        self.parsed = parsed
        self.order = order  # version_key(parsed): its place in the one version order
        self.index = index
        self.deps: tuple[Requirement, ...] | None = None
        self.dep_masks: dict[str, int] | None = None
        self._dead: Reason | bool | None = False  # False: not computed yet

    def __repr__(self) -> str:
        return f"<{self.key} {self.version}>"


class Package:
    """A plugin's published versions, highest first."""

    __slots__ = (
        "all_mask",
        "candidates",
        "key",
        "lookup",
        "name",
        "plain",
        "special",
        "yanked",
    )

    def __init__(
        self, key: str, name: str, candidates: list[Candidate], lookup: str | None = None
    ) -> None:
        self.key = key
        self.name = name
        self.lookup = lookup or name  # the name the provider answers to
        self.candidates = candidates
        self.all_mask = (1 << len(candidates)) - 1
        self.yanked = 0  # PEP 592: versions only an exact pin may choose, as bits
        plain: list[tuple[VersionKey, int]] = []
        self.special: list[Candidate] = []  # pre-, post-, dev- and local versions
        for candidate in candidates:
            if is_plain(candidate.parsed):
                plain.append((candidate.order, 1 << candidate.index))
            else:
                self.special.append(candidate)
        # ``candidates`` are highest first, so the plain ones reversed are in order already.
        self.plain = PlainIndex(reversed(plain), ascending=True)

    def ascending(self, mask: int = ALL) -> list[str]:
        return [c.version for c in reversed(self.candidates) if mask >> c.index & 1]


class Reason(NamedTuple):
    """Why a version can never be chosen: one of its own dependencies cannot be met."""

    kind: str  # "missing", "nofit" or "invalid"
    requirement: Requirement


Info = RequirementInformation[Requirement, Candidate]
