"""Who may publish under a name (CONTRACTS.md Names), the same for every door.

1. A name held by another account (published, or reserved after its owner removed every
   version) is refused: ``NotPluginOwner`` (403).
2. A new name that looks the same as another account's name is refused: ``NameTooSimilar``
   (400, an ``InvalidManifest`` whose ``name`` error names the existing plugin).
3. A new name one edit from a *popular* plugin's name of another account goes to the
   moderators' queue: ``HeldForReview`` (202), stored but not public.

"Popular" (the issue leaves it to us): among the ``POPULAR_TOP`` plugins with the most
visible reviews (at least ``POPULAR_MIN_REVIEWS``), or with the most recorded runs (the
browse page's "Installs" order, at least ``POPULAR_MIN_RUNS``). Those are the names an
attacker gains by imitating; a new plugin with no audience gains nothing.
"""

from typing import Any

from django.db import transaction

from marketplace_site.types import PluginManifest
from registry import names as registry_names
from registry.models import NameRelease
from registry.names import HeldForReview, NameTooSimilar
from registry.services import NotPluginOwner, may_use_name
from reviews import selectors as review_selectors
from reviews import services as review_services
from sandbox import selectors as sandbox_selectors

POPULAR_TOP = 100
POPULAR_MIN_REVIEWS = 2
POPULAR_MIN_RUNS = 10


def popular_names() -> set[str]:
    """Canonical names of the popular plugins (see the module's docstring)."""
    reviewed = review_selectors.most_reviewed(limit=POPULAR_TOP, minimum=POPULAR_MIN_REVIEWS)
    run = sandbox_selectors.most_run(POPULAR_TOP)
    return {name for name, _ in reviewed} | {
        name for name, total in run if total >= POPULAR_MIN_RUNS
    }


def lookalike_of(name: str, owner: Any) -> str | None:
    """The name of another account's plugin (published or reserved) that a new ``name``
    looks the same as, or None."""
    existing = registry_names.name_lookalike_of(name, owner)
    return existing.display_name if existing is not None else None


def check_owner(name: str, owner: Any) -> None:
    """``NotPluginOwner`` when ``name`` (published or reserved) belongs to another account.

    ``owner`` None is the Python door without an account: it may publish only names that
    have no owner either."""
    if not may_use_name(owner, name):
        raise NotPluginOwner(name)


def hold_if_near_popular(manifest: PluginManifest, owner: Any) -> None:
    """Queue the publish and raise ``HeldForReview`` when its new name is one edit from a
    popular plugin's name of another account. Commits the queued row on its own, so call
    it outside the publish's transaction."""
    near = registry_names.name_near(manifest.name, owner, popular_names())
    if near is None:
        return
    if not getattr(owner, "is_authenticated", False):
        # Nobody could be told of a decision: refuse rather than queue.
        raise NameTooSimilar(manifest.name, near.display_name)
    with transaction.atomic():
        held = registry_names.held_version_create(
            manifest=manifest, owner=owner, similar_to=near.display_name
        )
    raise HeldForReview(held)


def release_name(name: str, *, acting_user: Any, reason: str = "") -> NameRelease:
    """Free a reserved name (every version removed) for anyone, deleting its reviews so they
    never pass to the next owner, with an audit entry (``registry.models.NameRelease``).

    ``Forbidden`` (403) unless ``can_release_name``; ``PluginNotFound`` (404);
    ``NameNotReleasable`` (409) while the name has versions.
    """
    with transaction.atomic():
        entry = registry_names.name_release(name=name, acting_user=acting_user, reason=reason)
        entry.reviews_deleted = review_services.reviews_delete_for_name(
            plugin_name=entry.canonical_name
        )
        entry.save(update_fields=["reviews_deleted"])
    return entry
