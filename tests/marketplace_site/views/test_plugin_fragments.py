"""The plugin page's kept fragments: shared parts per content generation, the reviews part
per viewer; a change anywhere shows at once."""

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from marketplace_site.marketplace import create_marketplace
from tests.factories import make_user

pytestmark = pytest.mark.django_db

Capture = Callable[..., AbstractContextManager[Any]]
MINE = '<span class="badge">your review</span>'


def test_each_viewer_gets_their_own_reviews_part_and_changes_show_at_once(
    settings: Any, django_capture_on_commit_callbacks: Capture
) -> None:
    settings.PAGE_CACHE_SECONDS = 60
    market = create_marketplace()
    url = reverse("plugin_detail", args=["app"])
    with django_capture_on_commit_callbacks(execute=True):
        market.publish({"name": "app", "version": "1.0.0", "entry_point": "1"})
    ann, bea = Client(), Client()
    ann.force_login(make_user("ann"))
    bea.force_login(make_user("bea"))
    for client in (ann, bea, ann, bea):  # the second round is served from the fragments
        assert MINE not in client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        market.reviews.add_review("app", "ann", 5, "Mine and only mine.")
        market.publish({"name": "app", "version": "1.1.0", "entry_point": "2"})
    for _ in range(2):
        mine, theirs = ann.get(url).content.decode(), bea.get(url).content.decode()
        assert "Mine and only mine." in mine and "Mine and only mine." in theirs
        assert MINE in mine and MINE not in theirs
        assert "1.1.0" in mine and "1.1.0" in theirs


def test_a_message_shown_in_the_reviews_part_is_not_shown_again(
    settings: Any, django_capture_on_commit_callbacks: Capture
) -> None:
    """A newcomer saw "Thanks, you marked the review as helpful." on every reload for a
    minute: the viewer's kept reviews part had been kept with the one-off message in it."""
    settings.PAGE_CACHE_SECONDS = 60
    market = create_marketplace()
    with django_capture_on_commit_callbacks(execute=True):
        market.publish({"name": "app", "version": "1.0.0", "entry_point": "1"})
        review = market.reviews.add_review("app", make_user("ann").username, 4, "Good.")
    url = reverse("plugin_detail", args=["app"])
    reader = Client()
    reader.force_login(make_user("bea"))
    reader.get(url)
    reader.get(url)  # the reviews part is now kept for this viewer
    thanks = "Thanks, you marked the review as helpful."
    with django_capture_on_commit_callbacks(execute=True):
        reader.post(reverse("review_helpful", args=["app", review.id]))
    assert reader.get(url).content.decode().count(thanks) == 1
    for _ in range(2):
        assert thanks not in reader.get(url).content.decode()
