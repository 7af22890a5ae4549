"""The web process's reading of a run's result document: untrusted input, checked strictly.

The document comes from the run's own process, which the plugin controls: it may write any
bytes to the result pipe. A document is accepted only if it is strict JSON (RFC 8259: no
NaN or Infinity), a JSON object with exactly the keys of ``sandbox.wire.RESULT_KEYS`` and
their types, with an output no deeper than ``MAX_RESULT_DEPTH``, no larger than the result
cap, no integer longer than ``MAX_INT_DIGITS`` and no lone surrogate in any string. So a
forged document can at worst give its own run a wrong but valid result.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from sandbox import wire
from sandbox.zygote.protocol import measure

# Python converts integers of up to 4,300 digits by itself (sys.int_info); longer ones are
# converted here in pieces this long, within the process-wide limit.
_PIECE = 4000
_PIECE_BASE = 10**_PIECE
_SAFE_BITS = 14_000  # fewer bits than any integer of 4,300 digits has


class MalformedResult(ValueError):
    """The result document breaks a rule of the wire format; the message says which."""


@dataclass(frozen=True)
class ResultDocument:
    """A checked result document (``sandbox.wire.RESULT_KEYS``)."""

    output: Any
    ok: bool
    error: str | None
    stdout: str
    stdout_truncated: bool
    maxrss_kb: int  # the run's own peak resident memory, in KiB (as it reports it)


def int_from_text(text: str) -> int:
    """A JSON integer, however long up to ``MAX_INT_DIGITS`` digits; ValueError past it."""
    digits = text.lstrip("-")
    if len(digits) <= _PIECE:
        return int(text)
    if len(digits) > wire.MAX_INT_DIGITS:
        raise MalformedResult(f"an integer has more than {wire.MAX_INT_DIGITS} digits")
    value = 0
    for start in range(0, len(digits), _PIECE):
        piece = digits[start : start + _PIECE]
        value = value * 10 ** len(piece) + int(piece)
    return -value if text.startswith("-") else value


def int_to_text(value: int) -> str:
    """The decimal text of ``value``, past Python's 4,300-digit conversion limit too."""
    if value < 0:
        return "-" + int_to_text(-value)
    pieces: list[str] = []
    while value >= _PIECE_BASE:
        value, low = divmod(value, _PIECE_BASE)
        pieces.append(f"{low:0{_PIECE}d}")
    pieces.append(str(value))
    return "".join(reversed(pieces))


def output_json(
    value: Any, indent: int | None = None, *, encoder: type[json.JSONEncoder] | None = None
) -> str:
    """``value`` (a run's output) as JSON text, integers of any length included.

    ``json.dumps`` refuses integers past 4,300 digits; this writes them in pieces. ``encoder``
    is ``json.dumps``'s ``cls``, for documents that hold more than JSON values (the API's).
    """
    try:
        return json.dumps(value, ensure_ascii=False, indent=indent, cls=encoder)
    except ValueError:
        pass
    marker = f"\x00{uuid.uuid4().hex}:"  # a string no output holds by chance
    long_ints: list[int] = []

    def swap(item: Any) -> Any:
        if type(item) is int and item.bit_length() > _SAFE_BITS:
            long_ints.append(item)
            return f"{marker}{len(long_ints) - 1}"
        if isinstance(item, list):
            return [swap(member) for member in item]
        if isinstance(item, dict):
            return {key: swap(member) for key, member in item.items()}
        return item

    text = json.dumps(swap(value), ensure_ascii=False, indent=indent, cls=encoder)
    for index, number in enumerate(long_ints):
        # A marker is a JSON string holding NUL, which json.dumps writes as \u0000.
        text = text.replace(f'"\\u0000{marker[1:]}{index}"', int_to_text(number), 1)
    return text


def _refuse_constant(name: str) -> Any:
    raise MalformedResult(f"{name} is not JSON")


def _check_text(value: Any, name: str) -> str:
    if type(value) is not str:
        raise MalformedResult(f"{name} is not a string")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise MalformedResult(f"{name} holds a lone surrogate") from None
    return value


def _check_output(output: Any, result_cap: int) -> int:
    """The output's approximate size; MalformedResult for what no honest run writes."""
    size = measure(output, max(result_cap, 1) * 2)
    if not isinstance(size, int):
        raise MalformedResult(f"the output {size or 'is not a JSON value'}")
    if size > result_cap:
        return size
    pending = [output]
    while pending:
        item = pending.pop()
        if type(item) is str:
            _check_text(item, "a string in the output")
        elif type(item) is list:
            pending.extend(item)
        elif type(item) is dict:
            for key, member in item.items():
                _check_text(key, "a key in the output")
                pending.append(member)
    return size


def parse_document(data: bytes, *, result_cap: int) -> ResultDocument:
    """Check and read a result document; MalformedResult says what is wrong with it.

    An output larger than ``result_cap`` (by the run's own measure) is not malformed: it
    comes back as a failed document with a ``ResultTooLarge`` error.
    """
    try:
        document = json.loads(
            data.decode("utf-8"), parse_constant=_refuse_constant, parse_int=int_from_text
        )
    except MalformedResult:
        raise
    except (ValueError, RecursionError) as exc:
        raise MalformedResult(f"not JSON: {type(exc).__name__}") from None
    if type(document) is not dict or set(document) != wire.RESULT_KEYS:
        raise MalformedResult("not an object with the result's keys")
    ok, error = document["ok"], document["error"]
    truncated = document["stdout_truncated"]
    if type(ok) is not bool or type(truncated) is not bool:
        raise MalformedResult("ok or stdout_truncated is not true or false")
    if error is not None:
        _check_text(error, "error")
    stdout = _check_text(document["stdout"], "stdout")
    maxrss_kb = document["maxrss_kb"]
    if type(maxrss_kb) is not int or not 0 <= maxrss_kb < 1 << 40:
        raise MalformedResult("maxrss_kb is not a count of KiB")
    output = document["output"]
    if _check_output(output, result_cap) > result_cap:
        output, ok = None, False
        error = f"ResultTooLarge: the result is larger than {result_cap // 1024} KiB"
    return ResultDocument(output, ok, error, stdout, truncated, maxrss_kb)
