"""The version model (CONTRACTS.md "Versions"): SemVer 2.0.0 read as SemVer, the rest as PEP 440.

One key orders both, for the registry, the resolver and the pages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from packaging.version import InvalidVersion, Version

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
