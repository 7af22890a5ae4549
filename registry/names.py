"""Plugin names (CONTRACTS.md Names): the look-alike form, the one-edit test, and the services
over them: look-alikes of other owners' names, the moderators' queue, released names.

Two names whose look-alike forms are equal read as the same name to a person, so only one
owner may hold them; a name one edit away from a popular plugin's is held for a moderator.
The rule follows PyPI's "confusable" name checks (PEP 503 normalization, then characters that
look alike), narrowed to what a plugin name may contain: ASCII letters, digits, ``-_.``.
"""

import re
from typing import Any

from django.db import transaction
from django.utils import timezone

from marketplace_site.types import (
    DuplicateVersion,
    Forbidden,
    InvalidManifest,
    MarketplaceError,
    PluginManifest,
    PluginNotFound,
    canonical_name,
)
from registry.models import HeldVersion, NameRelease, Plugin, PluginVersion
from registry.versioning import parse_version, precedence_key

# Separators a reader does not notice: PEP 503 folds them into one "-", we drop them.
_SEPARATORS = re.compile(r"[-_.]+")

# Characters (and pairs) that look alike in the fonts pages and terminals use, folded to one
# representative. Pairs come first: "rn" reads as "m" before "l" folds to "i".
CONFUSABLE_SEQUENCES: tuple[tuple[str, str], ...] = (("rn", "m"), ("vv", "w"))
CONFUSABLE_CHARACTERS = str.maketrans({"0": "o", "1": "i", "l": "i", "5": "s"})


def lookalike(name: str) -> str:
    """The form under which two names look the same: lower case, ``-_.`` removed, confusable
    characters folded (``0``->``o``, ``1``/``l``->``i``, ``5``->``s``, ``rn``->``m``,
    ``vv``->``w``). ``CSV-T00LS`` and ``csv_tools`` both give ``csvtoois``."""
    text = _SEPARATORS.sub("", name.strip().lower())
    for sequence, replacement in CONFUSABLE_SEQUENCES:
        text = text.replace(sequence, replacement)
    return text.translate(CONFUSABLE_CHARACTERS)


def within_one_edit(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` differ by at most one insertion, deletion or substitution
    (Levenshtein distance <= 1), in O(len) without the full distance table."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    # a is the shorter (or equal) one: skip the common prefix, then the rest must match
    # after one substitution (equal lengths) or one insertion into a.
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    if len(a) == len(b):
        return a[i + 1 :] == b[i + 1 :]
    return a[i:] == b[i + 1 :]


class NameTooSimilar(InvalidManifest):
    """A new name looks the same as a plugin name another account holds (CONTRACTS.md Names):
    an ``InvalidManifest`` whose ``name`` error names the existing plugin."""

    code = "name_too_similar"

    def __init__(self, name: str, existing: str, errors: dict[str, str] | None = None) -> None:
        self.name = name
        self.existing = existing
        message = (
            f"The name {name!r} looks the same as the plugin {existing!r} of another account "
            "(names are compared without case, '-', '_', '.' and with look-alike characters "
            "such as 0/o and 1/l/i folded). Choose a name that reads differently."
        )
        super().__init__({**(errors or {}), "name": message}, None)


class HeldForReview(MarketplaceError):
    """Not an error of the author's: a new name one edit away from a popular plugin's name
    waits for a moderator before it is published (202: accepted, not yet public)."""

    code = "held_for_review"
    http_status = 202

    def __init__(self, held: HeldVersion) -> None:
        self.held = held
        name = held.manifest.get("name", held.canonical_name)
        super().__init__(
            f"{name} {held.version} is held for review: its name is one edit away from the "
            f"popular plugin {held.similar_to!r}. A moderator will approve or reject it; until "
            "then it is not public."
        )


class NameNotReleasable(MarketplaceError):
    code = "name_not_releasable"
    http_status = 409


def _key(version: str) -> str:
    parsed = parse_version(version)
    return precedence_key(parsed) if parsed is not None else version


def can_release_name(user: Any) -> bool:
    """Administrators (superusers, or staff given ``registry.release_name``) release names;
    moderators, owners and everyone else cannot: releasing hands a name and its dependents'
    constraints to whoever publishes next."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_active and user.has_perm("registry.release_name"))


def can_moderate_names(user: Any) -> bool:
    """Moderators with ``registry.moderate_names`` (and superusers) decide held names."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_active and user.has_perm("registry.moderate_names"))


def _same_owner(plugin: Plugin, owner: Any) -> bool:
    owner_id = owner.pk if getattr(owner, "is_authenticated", False) else None
    return plugin.owner_id == owner_id


def name_lookalike_of(name: str, owner: Any) -> Plugin | None:
    """An existing or reserved plugin of another owner whose name looks the same as ``name``
    but is not the same name (the same name is an ownership question: ``may_use_name``).
    Only a new name is checked: an existing one is its owner's to publish under."""
    if Plugin.objects.filter(canonical_name=canonical_name(name)).exists():
        return None
    candidates = (
        Plugin.objects.filter(lookalike=lookalike(name))
        .exclude(canonical_name=canonical_name(name))
        .select_related("owner")
        .order_by("canonical_name")
    )
    return next((plugin for plugin in candidates if not _same_owner(plugin, owner)), None)


def name_near(name: str, owner: Any, among: set[str]) -> Plugin | None:
    """The plugin among the canonical names ``among`` (of another owner) whose look-alike
    form is one edit from ``name``'s; None when ``name`` is already a plugin."""
    if Plugin.objects.filter(canonical_name=canonical_name(name)).exists():
        return None
    form = lookalike(name)
    for plugin in Plugin.objects.filter(canonical_name__in=among).order_by("canonical_name"):
        if not _same_owner(plugin, owner) and within_one_edit(form, plugin.lookalike):
            return plugin
    return None


def held_version_create(*, manifest: PluginManifest, owner: Any, similar_to: str) -> HeldVersion:
    """Put a publish in the moderators' queue; ``DuplicateVersion`` when that name and
    version is already waiting."""
    name = canonical_name(manifest.name)
    waiting = HeldVersion.objects.pending().filter(canonical_name=name)
    if any(_key(row.version) == _key(manifest.version) for row in waiting):
        raise DuplicateVersion(
            manifest.name,
            manifest.version,
            f"{manifest.name} {manifest.version} is already waiting for a moderator.",
        )
    return HeldVersion.objects.create(
        canonical_name=name,
        version=manifest.version,
        manifest=manifest.to_dict(),
        owner=owner,
        similar_to=similar_to,
    )


def held_version_decide(
    *, held: HeldVersion, acting_user: Any, approve: bool, reason: str = ""
) -> HeldVersion:
    """Record a moderator's decision (the caller publishes an approved version)."""
    if not can_moderate_names(acting_user):
        raise Forbidden("Only moderators approve or reject held names.")
    held.decision = HeldVersion.Decision.APPROVED if approve else HeldVersion.Decision.REJECTED
    held.decided_by = acting_user.get_username()
    held.decided_at = timezone.now()
    held.reason = reason
    held.save(update_fields=["decision", "decided_by", "decided_at", "reason"])
    return held


def name_release(*, name: str, acting_user: Any, reason: str = "") -> NameRelease:
    """Free a reserved name (one without versions) for anyone, with an audit entry.

    ``Forbidden`` (``can_release_name``), ``PluginNotFound``, ``NameNotReleasable`` (409)
    for a name that still has versions: remove them first.
    """
    if not can_release_name(acting_user):
        raise Forbidden("Only an administrator can release a plugin name.")
    with transaction.atomic():
        plugin = (
            Plugin.objects.select_for_update(of=("self",))
            .select_related("owner")
            .filter(canonical_name=canonical_name(name))
            .first()
        )
        if plugin is None:
            raise PluginNotFound(name)
        if PluginVersion.objects.filter(plugin=plugin).exists():
            raise NameNotReleasable(
                f"{plugin.display_name} still has published versions; only a name whose "
                "versions were all removed can be released."
            )
        entry = NameRelease.objects.create(
            canonical_name=plugin.canonical_name,
            display_name=plugin.display_name,
            previous_owner=plugin.owner.get_username() if plugin.owner is not None else "",
            released_by=acting_user.get_username(),
            removed_at=plugin.removed_at,
            reason=reason,
        )
        plugin.delete()
    return entry
