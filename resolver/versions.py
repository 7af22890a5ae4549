"""Reading versions for resolution: their keys, plain releases and the index of them.

One reading (CONTRACTS.md "Versions": SemVer strings as SemVer, the rest as PEP 440), ordered
by ``marketplace_site.types.version_key``; everything here is cached by string or version,
since a resolution meets the same versions many times, and ``resolver.constraints.clear_caches``
forgets it all.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from functools import cached_property, lru_cache

from marketplace_site.types import (
    CONSTRAINT_MAX_LENGTH,
    AnyVersion,
    SemVer,
    VersionKey,
    parse_any_version,
    version_key,
)

# A PEP 440 pin of a final release, written the usual way (no spaces, epoch, wildcard or
# suffix): the one form a resolver meets by the hundred, and one with a single plain match.
_PLAIN_SEMVER = re.compile(r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)")
_PLAIN_PIN = re.compile(r"==(?:([0-9]+)\.([0-9]+)\.([0-9]+)|([0-9]+(?:\.[0-9]+)*))")


@lru_cache(maxsize=65536)
def key(version: AnyVersion) -> VersionKey:
    """``version_key``, cached: resolution compares the same versions many times."""
    return version_key(version)


@lru_cache(maxsize=65536)
def pinned_release_key(text: str) -> VersionKey | None:
    """For ``==X`` with X a plain release (``==1.0.0``, ``==2.1``), the key of X; else None.

    Among plain releases such a pin matches exactly the versions with this key (PEP 440:
    ``==1.0`` is ``1.0.0``; it admits no pre-, post- or dev-release of X). Only the local
    versions of X (PEP 440 ``+local``, SemVer ``+build``) also match, and those are not plain:
    callers match them through ``parse_constraint``. The text is not parsed as a specifier
    set at all, which is where most of a resolution's time went on graphs full of pins.
    """
    if not isinstance(text, str) or len(text) > CONSTRAINT_MAX_LENGTH:
        return None  # parse_constraint says what is wrong with it
    match = _PLAIN_PIN.fullmatch(text)
    if match is None:
        return None
    if match[1] is not None:
        # The usual three parts: X is read as the plugin's own versions are, through the
        # one cache, so a pin of a version already read costs no second reading.
        ordered = read_order(text[2:])
        return None if ordered is None else ordered[0]  # digits and dots always read
    return _final_release_key(tuple(map(int, match[4].split("."))))


def _release3_key(major: int, minor: int, patch: int) -> VersionKey:
    """``_final_release_key((major, minor, patch))``, without its loop."""
    if patch:
        release: tuple[int, ...] = (major, minor, patch)
    elif minor:
        release = (major, minor)
    else:
        release = (major,)
    return (_FINAL_EPOCH, release, _FINAL_STAGE, _FINAL_LOCAL)


def _final_release_key(release: tuple[int, ...]) -> VersionKey:
    end = len(release)
    while end > 1 and not release[end - 1]:
        end -= 1  # as version_key: 1.0 and 1.0.0 are one version
    return (_FINAL_EPOCH, release[:end], _FINAL_STAGE, _FINAL_LOCAL)


# version_key of a final release without epoch is (0, release, stage, local), the stage and
# local part the same for every one of them: taken from version_key itself, not restated.
_FINAL_EPOCH, _, _FINAL_STAGE, _FINAL_LOCAL = version_key(SemVer(1, 0, 0))


def release3(version: AnyVersion) -> tuple[int, ...]:
    """major.minor.patch (a PEP 440 release padded or as long as it is)."""
    release = version.release
    return release if len(release) > 3 else (*release, 0, 0, 0)[:3]


def is_plain(version: AnyVersion) -> bool:
    """A final release: no pre-release, post, dev, local part or build metadata."""
    if isinstance(version, SemVer):
        return not version.pre and not version.build
    return not (version.pre or version.post is not None or version.dev is not None or version.local)


class PlainIndex:
    """Plain releases in ascending order, each with a bit.

    Matching a whole list of versions one ``contains`` call at a time dominates transitive
    resolution; for plain releases every comparator is an interval, found by bisection.
    The order and the pins' table are built on first use: a plugin asked for only with
    ``*`` needs ``all`` alone, which a caller that knows it passes as ``all_bits``.
    """

    def __init__(
        self,
        items: Iterable[tuple[VersionKey, int]],
        *,
        ascending: bool = False,
        all_bits: int | None = None,
    ) -> None:
        self._items = items
        self._ascending = ascending
        self.all = self._built[3] if all_bits is None else all_bits

    @cached_property
    def _built(self) -> tuple[list[VersionKey], list[int], dict[VersionKey, int], int]:
        ordered = list(self._items) if self._ascending else sorted(self._items)
        keys = [item_key for item_key, _ in ordered]
        prefix = [0]  # prefix[i]: the bits of the first i versions
        exact: dict[VersionKey, int] = {}  # a pin is one hash, not two bisections
        for item_key, bit in ordered:
            prefix.append(prefix[-1] | bit)
            exact[item_key] = exact.get(item_key, 0) | bit
        return keys, prefix, exact, prefix[-1]

    @property
    def exact(self) -> dict[VersionKey, int]:
        return self._built[2]

    def between(self, start: int, stop: int) -> int:
        prefix = self._built[1]
        return prefix[stop] ^ prefix[start] if stop > start else 0

    def compare(self, op: str, bound: VersionKey) -> int:
        keys = self._built[0]
        size = len(keys)
        if op == ">=":
            return self.between(bisect_left(keys, bound), size)
        if op == ">":
            return self.between(bisect_right(keys, bound), size)
        if op == "<=":
            return self.between(0, bisect_right(keys, bound))
        if op == "<":
            return self.between(0, bisect_left(keys, bound))
        return self.between(bisect_left(keys, bound), bisect_right(keys, bound))


@lru_cache(maxsize=65536)
def parse_version(text: str) -> AnyVersion | None:
    """The one reading of a version (SemVer, else PEP 440), or None where neither reads it."""
    if not isinstance(text, str):
        return None
    plain = _PLAIN_SEMVER.fullmatch(text)
    if plain is not None:
        # Most versions are plain major.minor.patch: the SemVer parse_semver would give,
        # without its full pattern (pre-release, build, "v", spaces).
        return SemVer(int(plain[1]), int(plain[2]), int(plain[3]))
    return parse_any_version(text)


@lru_cache(maxsize=65536)
def read_order(text: str) -> tuple[VersionKey, bool] | None:
    """``(version_key(v), is_plain(v))`` for ``v = parse_version(text)``, or None where that
    is None: all a resolution needs to order a plugin's versions and index its releases.

    A plain ``major.minor.patch`` gets its key from the release alone, without building
    the version itself (a resolution reads it, through ``parse_version``, only for the few
    versions a constraint cannot place by key).
    """
    plain = _PLAIN_SEMVER.fullmatch(text) if isinstance(text, str) else None
    if plain is not None:
        return _release3_key(int(plain[1]), int(plain[2]), int(plain[3])), True
    version = parse_version(text)
    return None if version is None else (key(version), is_plain(version))
