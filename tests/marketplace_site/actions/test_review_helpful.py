"""A plugin's owner cannot mark the reviews of their own plugin helpful: refused by the
integration layer (``actions.reviews.review_helpful``), by the page that calls it, and the
button is not offered to them."""

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from marketplace_site.actions import create_marketplace
from marketplace_site.actions import reviews as review_actions
from reviews import services
from reviews.models import HelpfulVote, Review
from tests.factories import make_plugin, make_review, make_user
from tests.pages import get, section

pytestmark = pytest.mark.django_db


@pytest.fixture
def owned() -> tuple[User, Review]:
    owner = make_user("owner")
    make_plugin("chart-kit", owner=owner)
    review = make_review("chart-kit", make_user("alice"), comment="Lovely charts.")
    return owner, review


def test_the_action_refuses_the_owner(owned: tuple[User, Review]) -> None:
    owner, review = owned
    with pytest.raises(services.NotAllowed, match="You own this plugin"):
        review_actions.review_helpful(
            create_marketplace(),
            "chart-kit",
            review,
            acting_user=owner,
        )
    assert not HelpfulVote.objects.exists()


def test_the_action_lets_anyone_else_vote(owned: tuple[User, Review]) -> None:
    _, review = owned
    voter = make_user("bob")
    vote = review_actions.review_helpful(
        create_marketplace(),
        "Chart_Kit",
        review,
        acting_user=voter,
    )
    assert (vote.review, vote.user) == (review, voter)


def test_the_action_refuses_a_review_of_another_plugin(owned: tuple[User, Review]) -> None:
    _, review = owned
    make_plugin("other")
    with pytest.raises(services.ReviewNotFound):
        review_actions.review_helpful(
            create_marketplace(),
            "other",
            review,
            acting_user=make_user("bob"),
        )


def test_the_service_rule_names_the_owner() -> None:
    owner = make_user("owner")
    review = make_review("p", make_user("alice"))
    assert not services.can_vote_helpful(owner, review, owner_id=owner.pk)
    assert services.can_vote_helpful(make_user("bob"), review, owner_id=owner.pk)
    with pytest.raises(services.NotAllowed, match="You own this plugin"):
        services.helpful_vote_add(review=review, user=owner, owner_id=owner.pk)


def test_the_page_refuses_the_owner_and_hides_the_button(owned: tuple[User, Review]) -> None:
    owner, review = owned
    client = Client()
    client.force_login(owner)
    reviews = section(get(client, "/plugins/chart-kit/"), "reviews")
    assert "Lovely charts." in reviews
    assert ">Helpful</button>" not in reviews
    url = reverse("review_helpful", args=["chart-kit", review.pk])
    assert client.post(url).status_code == 403
    assert not HelpfulVote.objects.exists()

    other = Client()
    other.force_login(make_user("bob"))
    assert ">Helpful</button>" in section(get(other, "/plugins/chart-kit/"), "reviews")
