"""The registry's stored precedence: ``version_key`` written as text that sorts the same.

The text holds ASCII digits only, so every database collation (PostgreSQL's ``en_US``
included, which ignores punctuation on a first pass) orders it as plain byte strings would.
"""

from typing import Any

from marketplace_site.types import AnyVersion, parse_any_version, version_key

# Widest stored key: the version field holds 100 characters, each costing at most 4 digits.
PRECEDENCE_MAX_LENGTH = 1000


def parse_version(text: str) -> AnyVersion | None:
    """The one reading of CONTRACTS.md "Versions" (SemVer, else PEP 440), or None."""
    return parse_any_version(text)


def _encode(value: Any, out: list[str]) -> None:
    if isinstance(value, int):
        digits = str(value)
        # The digit count first: 9999999999 sorts before 10000000000.
        out.append(f"{len(digits):03d}{digits}")
    elif isinstance(value, str):
        # Each ASCII character as its 3-digit code, then "000", below every code.
        out.append("".join(f"{ord(char):03d}" for char in value) + "000")
    else:
        # A tuple of any length: "1" before each element, "0" at its end, so a shorter
        # tuple that is a prefix of a longer one sorts first.
        for item in value:
            out.append("1")
            _encode(item, out)
        out.append("0")


def precedence_key(version: AnyVersion) -> str:
    """Text whose ordering is ``version_key``'s; ``1.0`` and ``1.0.0`` share a key."""
    out: list[str] = []
    _encode(version_key(version), out)
    return "".join(out)
