"""Pages rendered once for every viewer alike, with holes for what differs per request.

A signed-in user's plugin page differs from another's in a few places only: their name in
the header, their CSRF token, the reviews part (their own review and votes) and the counts,
which change without a content generation bump. The page is rendered once with a hole in
each of those places (a skeleton, kept in the per-process "fragments" cache), and each
request fills the holes: a few string replacements instead of the template engine's walk
over the whole page.

A hole is a private-use character pair around this process's random nonce and a name: no
escaping changes it, and no text a plugin author writes can spell it (the nonce is never
shown), so a README cannot place a hole of its own.
"""

import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from django.utils.safestring import SafeString, mark_safe

_NONCE = secrets.token_hex(8)


def hole(name: str) -> SafeString:
    """The marker of hole ``name`` (letters), as a template is given it in place of a value."""
    return mark_safe(f"\ue000{_NONCE}:{name}\ue001")  # noqa: S308 - no HTML in it


def fill(skeleton: str, values: Mapping[str, str]) -> str:
    """``skeleton`` with each hole of ``values`` replaced by its (already escaped) HTML."""
    for name, html in values.items():
        skeleton = skeleton.replace(hole(name), html)
    return skeleton


def has_holes(text: str) -> bool:
    """Whether a hole of this process is left in ``text`` (a page must never show one)."""
    return f"\ue000{_NONCE}:" in text


@dataclass(frozen=True)
class Viewer:
    """Stands in for ``request.user`` while a skeleton renders: what a page asks of its user
    (signed in, staff) as the real viewer's, the name a hole."""

    is_staff: bool
    is_authenticated: bool = True

    def get_username(self) -> SafeString:
        return hole("username")
