"""Review actions that need the registry (the plugin and its owner) as well as the reviews
app: writing a review, marking one helpful. The reviews app's own rules (ratings, lengths,
who may delete, vote, report or moderate) stay in ``reviews.services``."""

from typing import Any

from marketplace_site.actions.marketplace import Marketplace
from marketplace_site.types import PluginNotFound
from registry.models import Plugin
from reviews import services
from reviews.models import HelpfulVote, Review


def reviewable_plugin(marketplace: Marketplace, name: str) -> Plugin:
    """The published plugin ``name``, or ``PluginNotFound`` (404)."""
    plugin = marketplace.registry.get_plugin(name)
    if plugin is None:
        raise PluginNotFound(
            name,
            message=f"There is no plugin named {name!r}; only published plugins can be reviewed.",
        )
    return plugin


def review_submit(
    marketplace: Marketplace,
    name: str,
    *,
    acting_user: Any,
    rating: object,
    comment: str = "",
    version: str = "",
) -> tuple[Review, bool]:
    """Review a published plugin, or replace the user's earlier review; (review, created).

    ``PluginNotFound`` (404), ``OwnPluginReview`` (403: ``can_review``), ``InvalidReview``
    (400: the rules of ``reviews.services.review_submit``).
    """
    plugin = reviewable_plugin(marketplace, name)
    if not services.can_review(acting_user, owner_id=plugin.owner_id):
        raise services.OwnPluginReview()
    return services.review_submit(
        plugin_name=plugin.canonical_name,
        user=acting_user,
        rating=rating,
        comment=comment,
        version=version,
    )


def review_helpful(
    marketplace: Marketplace, name: str, review: Review, *, acting_user: Any
) -> HelpfulVote:
    """Mark a review of the published plugin ``name`` helpful.

    ``PluginNotFound`` (404); ``NotAllowed`` (403) for the review's author and for the plugin's
    owner, who may not rank the reviews of their own plugin; ``AlreadyVoted``;
    ``ReviewNotFound`` (404) for a hidden review or one of another plugin.
    """
    plugin = reviewable_plugin(marketplace, name)
    if review.plugin_name != plugin.canonical_name:
        raise services.ReviewNotFound(review.pk)
    return services.helpful_vote_add(review=review, user=acting_user, owner_id=plugin.owner_id)
