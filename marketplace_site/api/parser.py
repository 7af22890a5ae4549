"""The request body parser: a size cap checked before reading, then JSON with limits.

Refused with a JSON error: a body over ``MANIFEST_MAX_BYTES`` (413, judged from
``Content-Length`` before the body is read), invalid JSON, JSON nested deeper than
``MAX_JSON_DEPTH``, and strings the databases cannot store (NUL characters, lone surrogates).
"""

import json
import math
from typing import Any, cast

from django.conf import settings
from django.http import HttpRequest
from ninja.parser import Parser
from ninja.types import DictStrAny

from marketplace_site.api.errors import ApiError, body_too_large

# A manifest nests 3 levels inside a request (body -> manifest -> dependencies); a context
# gets the rest.
MAX_JSON_DEPTH = 32


def declared_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def check_body_size(request: HttpRequest) -> None:
    """413 when the declared or actual body is over the cap, without reading a declared one."""
    limit = settings.MANIFEST_MAX_BYTES
    if declared_length(request) > limit:
        raise body_too_large()


def _invalid(message: str, code: str = "invalid_json") -> ApiError:
    return ApiError(400, code, message)


def check_json_value(value: Any, limit: int = MAX_JSON_DEPTH) -> None:
    """Refuse values nested deeper than ``limit`` and strings a database would reject."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if level > limit:
            raise _invalid(f"The JSON nests deeper than {limit} levels.", "too_deep")
        if isinstance(item, dict):
            for key, child in item.items():
                _check_string(key)
                stack.append((child, level + 1))
        elif isinstance(item, list):
            stack.extend((child, level + 1) for child in item)
        elif isinstance(item, str):
            _check_string(item)
        elif isinstance(item, float) and not math.isfinite(item):
            raise _invalid("Numbers must be finite; this one is too large.", "invalid_number")


def _check_string(text: str) -> None:
    if "\x00" in text:
        raise _invalid("Strings may not contain NUL (\\u0000) characters.", "invalid_string")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise _invalid(
            "Strings may not contain unpaired surrogates (\\ud800-\\udfff).", "invalid_string"
        ) from error


def _reject_constant(name: str) -> Any:
    raise _invalid(f"{name} is not valid JSON; numbers must be finite.", "invalid_number")


def parse_json_body(body: bytes) -> Any:
    if len(body) > settings.MANIFEST_MAX_BYTES:
        raise body_too_large()
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise _invalid("The request body is not UTF-8 text.") from error
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as error:
        raise _invalid(
            f"The request body is not valid JSON: {error.msg} "
            f"(line {error.lineno}, column {error.colno})."
        ) from error
    except ValueError as error:  # e.g. an integer of more than 4300 digits
        raise _invalid(f"The request body is not valid JSON: {error}.") from error
    except RecursionError as error:
        raise _invalid(
            f"The JSON nests deeper than {MAX_JSON_DEPTH} levels.", "too_deep"
        ) from error
    check_json_value(data)
    return data


class LimitedJSONParser(Parser):
    def parse_body(self, request: HttpRequest) -> DictStrAny:
        check_body_size(request)
        return cast(DictStrAny, parse_json_body(request.body))
