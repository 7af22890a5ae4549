"""The one reader of JSON that people send: API request bodies, manifests pasted or uploaded
on the publish and install pages, and the contexts typed into the install and "Try it" forms.

One set of limits, one set of messages, for every caller. Refused, with a code:

- ``too_large``: more than ``settings.MANIFEST_MAX_BYTES`` of UTF-8 (the API's body cap, and a
  manifest's);
- ``invalid_json``: not UTF-8, not JSON (RFC 8259), or an integer of more digits than Python
  reads (4300, CPython's guard against quadratic parsing);
- ``invalid_number``: ``NaN``, ``Infinity`` or a number too large to be finite (``1e400``),
  which RFC 8259 section 6 does not allow and our JSON columns cannot store;
- ``too_deep``: nested deeper than ``MAX_DEPTH`` levels (a manifest nests 3 levels inside an
  API body; a context gets the rest), or so deep that parsing it would exhaust the stack;
- ``invalid_string``: a NUL character (PostgreSQL refuses it in text) or an unpaired
  surrogate (not encodable as UTF-8);
- ``not_an_object``: anything but an object where an object is required (a context).

Callers: ``marketplace_site.api.parser`` and ``marketplace_site.forms``. The apps cannot
import the site, so the forms that read JSON live in the site.
"""

import json
import math
from typing import Any

from django.conf import settings

from marketplace_site.types import MarketplaceError

MAX_DEPTH = 32
# The "Try it" form's context, in characters (typed into a page for one trial run).
CONTEXT_MAX_CHARS = 64 * 1024


class JsonInputError(MarketplaceError):
    """JSON from a person that cannot be used; ``code`` says which rule it broke, ``path``
    where in the value (keys and list indexes) when the problem is in one place."""

    http_status = 400

    def __init__(self, code: str, message: str, *, path: tuple[str | int, ...] = ()) -> None:
        self.code = code
        self.path = path
        super().__init__(message)


def _too_deep(what: str) -> JsonInputError:
    return JsonInputError("too_deep", f"The {what} nests deeper than {MAX_DEPTH} levels.")


def _check_string(text: str, path: tuple[str | int, ...]) -> None:
    if "\x00" in text:
        message = "Strings may not contain NUL (\\u0000) characters."
        raise JsonInputError("invalid_string", message, path=path)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        message = "Strings may not contain unpaired surrogates (\\ud800-\\udfff)."
        raise JsonInputError("invalid_string", message, path=path) from error


def check_value(value: Any, *, what: str = "JSON") -> None:
    """Refuse a parsed value nested too deeply, or with strings or numbers we cannot store."""
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(value, ())]
    while stack:
        item, path = stack.pop()
        if len(path) >= MAX_DEPTH:
            raise _too_deep(what)
        if isinstance(item, dict):
            for key, child in item.items():
                _check_string(key, (*path, key))
                stack.append((child, (*path, key)))
        elif isinstance(item, list):
            stack.extend((child, (*path, index)) for index, child in enumerate(item))
        elif isinstance(item, str):
            _check_string(item, path)
        elif isinstance(item, float) and not math.isfinite(item):
            message = "Numbers must be finite; this one is too large."
            raise JsonInputError("invalid_number", message, path=path)


def _reject_constant(name: str) -> Any:
    raise JsonInputError("invalid_number", f"{name} is not valid JSON; numbers must be finite.")


def read_json(data: str | bytes, *, what: str = "JSON") -> Any:
    """The value ``data`` holds, checked by every rule above; ``what`` names it in messages
    ("manifest", "context"). ``JsonInputError`` for anything refused."""
    limit = settings.MANIFEST_MAX_BYTES
    size = len(data) if isinstance(data, bytes) else len(data.encode("utf-8", "surrogatepass"))
    if size > limit:
        raise JsonInputError("too_large", f"The {what} is larger than {limit // 1024} KiB.")
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise JsonInputError("invalid_json", "This is not UTF-8 text.") from error
    try:
        value = json.loads(data, parse_constant=_reject_constant)
    except json.JSONDecodeError as error:
        raise JsonInputError(
            "invalid_json",
            f"This is not valid JSON: {error.msg} (line {error.lineno}, column {error.colno}).",
        ) from error
    except RecursionError as error:
        raise _too_deep(what) from error
    except ValueError as error:  # an integer of more than 4300 digits
        raise JsonInputError("invalid_json", f"This is not valid JSON: {error}.") from error
    check_value(value, what=what)
    return value


def read_json_object(data: str | bytes, *, what: str) -> dict[str, Any]:
    """``read_json``, and the value must be an object (``not_an_object``)."""
    value = read_json(data, what=what)
    if not isinstance(value, dict):
        raise JsonInputError(
            "not_an_object", f'The {what} must be a JSON object, such as {{"n": 3}}.'
        )
    return value
