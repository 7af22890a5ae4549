"""npm ranges read exactly as node-semver 7 reads them (non-loose), step by step.

node-semver does not parse a range with a grammar: it rewrites the text with a series of
regular expressions (build metadata stripped, hyphen ranges, operator spacing, carets,
tildes, x-ranges, stars, ``>=0.0.0``) and then reads what is left as plain comparators. This
module follows the same steps in the same order (``classes/range.js``, ``internal/re.js`` and
``internal/trim-comparator-whitespace.js`` of semver 7.8.6, ISC licence), so its quirks are
npm's quirks: ``^=0``, ``=v=1``, ``^*.0`` and ``~1.x.3`` are valid ranges, ``^1\u0662`` is not.

Differences, on purpose (README "Versions"): numbers are Python integers, so a number past
JavaScript's 2**53 - 1 is read exactly instead of refused or rounded; the range has at most
``MAX_CONSTRAINT_LENGTH`` characters (checked by the caller).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from marketplace_site.types import JS_WHITESPACE, SemVer, parse_semver
from resolver.npm_spacing import trim_comparator_whitespace

# JavaScript's \s, and the ASCII-only digit: Python's \s and \d are wider.
_S = "[" + "".join(f"\\u{ord(c):04x}" for c in JS_WHITESPACE) + "]"

# internal/re.js after makeSafeRegex: \s* -> \s{0,1}, \s+ -> \s{1,1}, \d* -> \d{0,256}, ...
_NUM = "0|[1-9][0-9]{0,256}"
_NONNUM = "[0-9]{0,256}[a-zA-Z-][a-zA-Z0-9-]{0,250}"
_PREID = f"(?:{_NONNUM}|{_NUM})"
_PRERELEASE = rf"(?:-({_PREID}(?:\.{_PREID})*))"
_BUILDID = "[a-zA-Z0-9-]{1,250}"
_BUILD = rf"(?:\+({_BUILDID}(?:\.{_BUILDID})*))"
_MAIN = rf"({_NUM})\.({_NUM})\.({_NUM})"
_FULLPLAIN = f"v?{_MAIN}{_PRERELEASE}?{_BUILD}?"
_GTLT = "((?:<|>)?=?)"
_XID = rf"{_NUM}|x|X|\*"
_XRANGEPLAIN = rf"[v={_S[1:-1]}]*({_XID})(?:\.({_XID})(?:\.({_XID})(?:{_PRERELEASE})?{_BUILD}?)?)?"

# The range-level build strip uses the unsafe source (unbounded repeats), as range.js does.
_BUILD_STRIP = re.compile(r"(?:\+([a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)*))")
_BUILD_ONE = re.compile(_BUILD)
_HYPHEN = re.compile(
    rf"\A{_S}{{0,1}}({_XRANGEPLAIN}){_S}{{1,1}}-{_S}{{1,1}}({_XRANGEPLAIN}){_S}{{0,1}}\Z"
)
_TILDE_TRIM = re.compile(rf"({_S}{{0,1}})(?:~>?){_S}{{1,1}}")
_CARET_TRIM = re.compile(rf"({_S}{{0,1}})(?:\^){_S}{{1,1}}")
_TILDE = re.compile(rf"\A(?:~>?){_XRANGEPLAIN}\Z")
_CARET = re.compile(rf"\A(?:\^){_XRANGEPLAIN}\Z")
_XRANGE = re.compile(rf"\A{_GTLT}{_S}{{0,1}}{_XRANGEPLAIN}\Z")
_STAR = re.compile(rf"(<|>)?=?{_S}{{0,1}}\*")
_GTE0 = re.compile(rf"\A{_S}{{0,1}}>={_S}{{0,1}}0\.0\.0{_S}{{0,1}}\Z")
_GTE0PRE = re.compile(rf"\A{_S}{{0,1}}>={_S}{{0,1}}0\.0\.0-0{_S}{{0,1}}\Z")
_COMPARATOR = re.compile(rf"\A{_GTLT}{_S}{{0,1}}({_FULLPLAIN})\Z|\A\Z")
_SPACES = re.compile(f"{_S}+")

NULL_SET = "<0.0.0-0"  # node-semver's comparator that nothing satisfies


class InvalidRange(ValueError):
    """node-semver would throw ``TypeError: Invalid comparator`` (or ``Invalid SemVer Range``)."""


@dataclass(frozen=True)
class Comparator:
    """``op`` is one of ``<``, ``<=``, ``>``, ``>=`` or ``""`` (equal); ``version`` None is any."""

    op: str
    version: SemVer | None

    @property
    def value(self) -> str:
        return "" if self.version is None else f"{self.op}{self.version}"


def _trim(text: str) -> str:
    return text.strip(JS_WHITESPACE)


def _is_x(part: str | None) -> bool:
    return not part or part.lower() == "x" or part == "*"


def _int(text: str | int) -> int:
    return int(text)


def parse_range(text: str, include_prerelease: bool) -> tuple[tuple[Comparator, ...], ...]:
    """The comparator sets of a range (Range's constructor); ``InvalidRange`` where npm throws."""
    raw = _SPACES.sub(" ", _trim(text))
    sets = [_parse_set(_trim(part), include_prerelease) for part in raw.split("||")]
    sets = [s for s in sets if s]
    if not sets:
        raise InvalidRange(f"Invalid SemVer Range: {raw}")
    if len(sets) > 1:
        first = sets[0]
        sets = [s for s in sets if s[0].value != NULL_SET]
        if not sets:
            sets = [first]
        elif len(sets) > 1:
            for comparators in sets:
                if len(comparators) == 1 and comparators[0].version is None:
                    sets = [comparators]
                    break
    return tuple(sets)


def _parse_set(text: str, include_prerelease: bool) -> tuple[Comparator, ...]:
    text = _BUILD_STRIP.sub("", text)
    text = _HYPHEN.sub(_hyphen_replace(include_prerelease), text, count=1)
    text = trim_comparator_whitespace(text)
    text = _TILDE_TRIM.sub(r"\1~", text)
    text = _CARET_TRIM.sub(r"\1^", text)
    rewritten = " ".join(_parse_comparator(part, include_prerelease) for part in text.split(" "))
    gte0 = _GTE0PRE if include_prerelease else _GTE0
    # Every comparator is read (and may be invalid) before the null set short-cuts.
    parsed = [_comparator(gte0.sub("", _trim(part), count=1)) for part in _SPACES.split(rewritten)]
    comparators: dict[str, Comparator] = {}
    for comparator in parsed:
        if comparator.value == NULL_SET:
            return (comparator,)
        comparators.setdefault(comparator.value, comparator)
    if len(comparators) > 1:
        comparators.pop("", None)
    return tuple(comparators.values())


def _comparator(text: str) -> Comparator:
    text = " ".join(_SPACES.split(_trim(text)))
    match = _COMPARATOR.fullmatch(text)
    if match is None:
        raise InvalidRange(f"Invalid comparator: {text}")
    op = match.group(1) or ""
    if not match.group(2):
        return Comparator("", None)
    version = parse_semver(match.group(2))
    if version is None:  # pragma: no cover - _COMPARATOR already matched SemVer's grammar
        raise InvalidRange(f"Invalid comparator: {text}")
    return Comparator("" if op == "=" else op, version)


def _parse_comparator(text: str, include_prerelease: bool) -> str:
    text = _BUILD_ONE.sub("", text, count=1)
    text = " ".join(_caret(c, include_prerelease) for c in _SPACES.split(_trim(text)))
    text = " ".join(_tilde(c, include_prerelease) for c in _SPACES.split(_trim(text)))
    text = " ".join(_xrange(c, include_prerelease) for c in _SPACES.split(text))
    return _STAR.sub("", _trim(text), count=1)


def _caret(text: str, include_prerelease: bool) -> str:
    z = "-0" if include_prerelease else ""

    def replace(match: re.Match[str]) -> str:
        major, minor, patch, pre = match.group(1, 2, 3, 4)
        if _is_x(major):
            return ""
        if _is_x(minor):
            return f">={major}.0.0{z} <{_int(major) + 1}.0.0-0"
        if _is_x(patch):
            if major == "0":
                return f">={major}.{minor}.0{z} <{major}.{_int(minor) + 1}.0-0"
            return f">={major}.{minor}.0{z} <{_int(major) + 1}.0.0-0"
        low = f">={major}.{minor}.{patch}" + (f"-{pre}" if pre else "")
        if major == "0":
            if minor == "0":
                return f"{low} <{major}.{minor}.{_int(patch) + 1}-0"
            return f"{low} <{major}.{_int(minor) + 1}.0-0"
        return f"{low} <{_int(major) + 1}.0.0-0"

    return _CARET.sub(replace, text, count=1)


def _tilde(text: str, include_prerelease: bool) -> str:
    z = "-0" if include_prerelease else ""

    def replace(match: re.Match[str]) -> str:
        major, minor, patch, pre = match.group(1, 2, 3, 4)
        if _is_x(major):
            return ""
        if _is_x(minor):
            return f">={major}.0.0{z} <{_int(major) + 1}.0.0-0"
        if _is_x(patch):
            return f">={major}.{minor}.0{z} <{major}.{_int(minor) + 1}.0-0"
        low = f">={major}.{minor}.{patch}" + (f"-{pre}" if pre else "")
        return f"{low} <{major}.{_int(minor) + 1}.0-0"

    return _TILDE.sub(replace, text, count=1)


def _xrange(text: str, include_prerelease: bool) -> str:
    text = _trim(text)

    def replace(match: re.Match[str]) -> str:
        gtlt, major, minor, patch = match.group(1, 2, 3, 4)
        if (_is_x(major) and not _is_x(minor)) or (_is_x(minor) and patch and not _is_x(patch)):
            return text
        x_major = _is_x(major)
        x_minor = x_major or _is_x(minor)
        any_x = x_minor or _is_x(patch)
        if gtlt == "=" and any_x:
            gtlt = ""
        pr = "-0" if include_prerelease else ""
        if x_major:
            return NULL_SET if gtlt in (">", "<") else "*"
        if gtlt and any_x:
            big: int | str = major
            mid: int | str = 0 if x_minor else minor
            small = 0
            if gtlt == ">":
                gtlt = ">="
                if x_minor:
                    big, mid = _int(big) + 1, 0
                else:
                    mid = _int(mid) + 1
            elif gtlt == "<=":
                gtlt = "<"
                if x_minor:
                    big = _int(big) + 1
                else:
                    mid = _int(mid) + 1
            if gtlt == "<":
                pr = "-0"
            return f"{gtlt}{big}.{mid}.{small}{pr}"
        if x_minor:
            return f">={major}.0.0{pr} <{_int(major) + 1}.0.0-0"
        if any_x:
            return f">={major}.{minor}.0{pr} <{major}.{_int(minor) + 1}.0-0"
        return match.group(0)

    return _XRANGE.sub(replace, text, count=1)


def _hyphen_replace(include_prerelease: bool) -> Callable[[re.Match[str]], str]:
    z = "-0" if include_prerelease else ""

    def replace(match: re.Match[str]) -> str:
        low, f_major, f_minor, f_patch, f_pre = match.group(1, 2, 3, 4, 5)
        high, t_major, t_minor, t_patch, t_pre = match.group(7, 8, 9, 10, 11)
        if _is_x(f_major):
            low = ""
        elif _is_x(f_minor):
            low = f">={f_major}.0.0{z}"
        elif _is_x(f_patch):
            low = f">={f_major}.{f_minor}.0{z}"
        elif f_pre:
            low = f">={low}"
        else:
            low = f">={low}{z}"
        if _is_x(t_major):
            high = ""
        elif _is_x(t_minor):
            high = f"<{_int(t_major) + 1}.0.0-0"
        elif _is_x(t_patch):
            high = f"<{t_major}.{_int(t_minor) + 1}.0-0"
        elif t_pre:
            high = f"<={t_major}.{t_minor}.{t_patch}-{t_pre}"
        elif include_prerelease:
            high = f"<{t_major}.{t_minor}.{_int(t_patch) + 1}-0"
        else:
            high = f"<={high}"
        return _trim(f"{low} {high}")

    return replace
