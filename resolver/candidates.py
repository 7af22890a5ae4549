"""What transitive resolution works on: requirements, candidate versions, plugins."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple, cast

from resolvelib.structs import RequirementInformation

from marketplace_site.types import AnyVersion, VersionKey
from resolver.versions import PlainIndex, parse_version, read_order

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
    """One version of one plugin; ``index`` is its bit in the plugin's masks (0 = highest).

    ``plain``: a final release (no pre-release, post, dev, local part or build metadata).
    The version itself (``parsed``) is read only when a constraint needs more than the key.
    """

    __slots__ = (
        "_dead",
        "_parsed",
        "dep_masks",
        "deps",
        "index",
        "key",
        "order",
        "plain",
        "version",
    )

    def __init__(
        self,
        key: str,
        version: str,
        order: VersionKey,
        index: int,
        plain: bool,
        parsed: AnyVersion | None = None,
    ) -> None:
        self.key = key
        self.version = version
        self.order = order  # version_key(parsed): its place in the one version order
        self.index = index
        self.plain = plain
        self._parsed = parsed
        self.deps: tuple[Requirement, ...] | None = None
        self.dep_masks: dict[str, int] | None = None
        self._dead: Reason | bool | None = False  # False: not computed yet

    @property
    def parsed(self) -> AnyVersion:
        parsed = self._parsed
        if parsed is None:
            # read_package kept only versions parse_version reads: never None here.
            parsed = self._parsed = cast(AnyVersion, parse_version(self.version))
        return parsed

    def __repr__(self) -> str:
        return f"<{self.key} {self.version}>"


class Package:
    """A plugin's published versions, highest first."""

    __slots__ = (
        "all_mask",
        "candidates",
        "key",
        "lookup",
        "masks",
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
        self.masks: dict[str, int] = {}  # constraint -> the versions it admits, as bits
        self.yanked = 0  # PEP 592: versions only an exact pin may choose, as bits
        self.special = [c for c in candidates if not c.plain]  # pre-, post-, dev-, local
        special_bits = 0
        for candidate in self.special:
            special_bits |= 1 << candidate.index
        # ``candidates`` are highest first, so the plain ones reversed are in order already;
        # the index itself is built only when a constraint other than ``*`` asks for it.
        self.plain = PlainIndex(
            ((c.order, 1 << c.index) for c in reversed(candidates) if c.plain),
            ascending=True,
            all_bits=self.all_mask ^ special_bits,
        )

    def ascending(self, mask: int = ALL) -> list[str]:
        return [c.version for c in reversed(self.candidates) if mask >> c.index & 1]


def read_package(key: str, name: str, versions: Iterable[str], lookup: str) -> Package:
    """A plugin's published ``versions`` as candidates, highest first. Strings that are no
    version are left out. Versions equal by precedence (``1.0`` and ``1.0.0``) are all kept,
    the highest string first: a range treats them alike, but PEP 440's ``===1.0`` (string
    equality) matches only one of them."""
    keyed: list[tuple[VersionKey, str, bool]] = []
    for text in versions:
        order = read_order(text)
        if order is not None:
            keyed.append((order[0], text, order[1]))
    keyed.sort(reverse=True)
    candidates = [
        Candidate(key, text, order_key, index, plain)
        for index, (order_key, text, plain) in enumerate(dict.fromkeys(keyed))
    ]
    return Package(key, name, candidates, lookup)


class Reason(NamedTuple):
    """Why a version can never be chosen: one of its own dependencies cannot be met."""

    kind: str  # "missing", "nofit" or "invalid"
    requirement: Requirement


Info = RequirementInformation[Requirement, Candidate]
