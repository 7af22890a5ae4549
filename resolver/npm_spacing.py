"""node-semver's ``trimComparatorWhitespace``: ``> 1.2.3 < 2`` becomes ``>1.2.3 <2``.

A line-by-line port of ``internal/trim-comparator-whitespace.js`` (semver 7.8.6, ISC
licence), which replaced the ``COMPARATORTRIM`` regular expression and keeps its exact
matching rules: scan for an operator or version prefix, remove the one space the old
expression removed, and jump over the whole version that follows.
"""

from __future__ import annotations

from marketplace_site.types import JS_WHITESPACE

MAX_LENGTH = 256
MAX_SAFE_BUILD_LENGTH = MAX_LENGTH - 6
_WS = frozenset(JS_WHITESPACE)


def _at(text: str, index: int) -> str:
    return text[index] if 0 <= index < len(text) else ""


def _digit(char: str) -> bool:
    return char != "" and "0" <= char <= "9"  # ASCII only, as JavaScript's comparison


def _letter(char: str) -> bool:
    return char != "" and ("a" <= char <= "z" or "A" <= char <= "Z")


def _ident(char: str) -> bool:
    return _digit(char) or _letter(char) or char == "-"


def _prefix(char: str) -> bool:
    return char in ("v", "=") or (char != "" and char in _WS)


def _version_start(char: str) -> bool:
    return _digit(char) or (char != "" and char in ("x", "X", "*"))


def _digits_end(text: str, start: int, limit: int) -> int:
    if not _digit(_at(text, start)):
        return start
    end = start + 1
    while _digit(_at(text, end)):
        end += 1
    return min(start + limit, end)


def _number_end(text: str, start: int, loose: bool) -> int:
    if not loose and _at(text, start) == "0":
        return start + 1
    return _digits_end(text, start, MAX_LENGTH if loose else MAX_LENGTH + 1)


def _pre_id_end(text: str, start: int, loose: bool) -> int:
    digits_end = _digits_end(text, start, MAX_LENGTH)
    char = _at(text, digits_end)
    if _letter(char) or char == "-":
        end = digits_end + 1
        limit = end + MAX_SAFE_BUILD_LENGTH
        while end < limit and _ident(_at(text, end)):
            end += 1
        return end
    return _number_end(text, start, loose)


def _pre_end(text: str, start: int, loose: bool) -> int:
    hyphen = _at(text, start) == "-"
    if not loose and not hyphen:
        return start
    id_start = start + (1 if hyphen else 0)
    end = _pre_id_end(text, id_start, loose)
    if end == id_start:
        if not loose or not hyphen:
            return start
        end = _pre_id_end(text, start, loose)
    while _at(text, end) == ".":
        following = _pre_id_end(text, end + 1, loose)
        if following == end + 1:
            break
        end = following
    return end


def _build_id_end(text: str, start: int) -> int:
    end = start
    while end - start < MAX_SAFE_BUILD_LENGTH and _ident(_at(text, end)):
        end += 1
    return end


def _build_end(text: str, start: int) -> int:
    if _at(text, start) != "+":
        return start
    end = _build_id_end(text, start + 1)
    if end == start + 1:
        return start
    while _at(text, end) == ".":
        following = _build_id_end(text, end + 1)
        if following == end + 1:
            break
        end = following
    return end


def _loose_full_end(text: str, start: int) -> int:
    end = start
    for component in range(3):
        following = _number_end(text, end, True)
        if following == end:
            return start
        end = following
        if component < 2:
            if _at(text, end) != ".":
                return start
            end += 1
    return _build_end(text, _pre_end(text, end, True))


def _partial_component_end(text: str, start: int) -> int:
    if _digit(_at(text, start)):
        return _number_end(text, start, False)
    return start + 1 if _version_start(_at(text, start)) else start


def _partial_end(text: str, start: int) -> int:
    end = _partial_component_end(text, start)
    for _ in range(2):
        if _at(text, end) != ".":
            return end
        following = _partial_component_end(text, end + 1)
        if following == end + 1:
            return end
        end = following
    return _build_end(text, _pre_end(text, end, False))


def _version_end(text: str, start: int) -> int:
    full = _loose_full_end(text, start)
    return full if full != start else _partial_end(text, start)


def _removable_space(text: str, match_start: int) -> int:
    position = match_start
    if _at(text, position) != "" and _at(text, position) in _WS:
        position += 1
    if _at(text, position) in ("<", ">"):
        position += 1
    if _at(text, position) == "=":
        position += 1
    char = _at(text, position)
    return position if char != "" and char in _WS else -1


def trim_comparator_whitespace(text: str) -> str:
    """Join each operator to its version, as node-semver does before splitting on spaces."""
    result: list[str] = []
    copy_from = 0
    cursor = 0
    while cursor < len(text):
        match_start = cursor
        char = text[cursor]
        if char in ("<", ">"):
            cursor += 1
        elif not _prefix(char) and not _version_start(char):
            cursor += 1
            continue
        while cursor < len(text) and _prefix(text[cursor]):
            cursor += 1
        if not _version_start(_at(text, cursor)):
            continue
        space = _removable_space(text, match_start)
        if space != -1:
            result.append(text[copy_from:space])
            copy_from = space + 1
        cursor = _version_end(text, cursor)
    result.append(text[copy_from:])
    return "".join(result)
