"""Messages appear where the action happened, in view after the page scrolls there, and are
announced to screen readers (role="status"; errors role="alert")."""

import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from marketplace_site.web.tokens import api_token_create
from tests.factories import PASSWORD, make_plugin, make_review, make_user

PLUGIN = "chart-kit"
PHONE = {"width": 390, "height": 844}


def messages_in(html: str) -> list[tuple[str, str]]:
    """(role, text) of every message on a page."""
    return re.findall(r'<p class="message message-\w+" role="(\w+)">([^<]*)</p>', html)


@pytest.fixture
def reviewed(db: None) -> dict[str, Any]:
    owner = make_user("owner")
    make_plugin(PLUGIN, owner=owner)
    review = make_review(PLUGIN, make_user("alice"), comment="Lovely charts.")
    return {"owner": owner, "review": review}


def signed_in(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def test_a_vote_message_is_inside_the_review(reviewed: dict[str, Any]) -> None:
    make_user("bob")
    review = reviewed["review"]
    response = signed_in("bob").post(
        reverse("review_helpful", args=[PLUGIN, review.pk]), follow=True
    )
    html = response.content.decode()
    article = re.search(
        rf'<article class="review" id="review-{review.pk}".*?</article>', html, re.S
    )
    assert article is not None
    assert messages_in(article.group(0)) == [
        ("status", "Thanks, you marked the review as helpful.")
    ]
    assert len(messages_in(html)) == 1  # not repeated at the top
    assert response.redirect_chain[-1][0].endswith(f"#review-{review.pk}")


def test_an_error_is_an_alert(reviewed: dict[str, Any]) -> None:
    make_user("bob")
    review = reviewed["review"]
    client = signed_in("bob")
    url = reverse("review_report", args=[PLUGIN, review.pk])
    client.post(url, {"reason": "spam", "text": ""})
    html = client.post(url, {"reason": "spam", "text": ""}, follow=True).content.decode()
    assert (
        "alert",
        "You have already reported this review; a moderator will look at it.",
    ) in messages_in(html)


def test_a_message_whose_place_is_not_on_the_page_is_shown_at_the_top(
    reviewed: dict[str, Any],
) -> None:
    # The first review is the oldest: with ten newer ones it is on the second page, and the
    # redirect goes to the first.
    for index in range(10):
        make_review(PLUGIN, make_user(f"fan{index}"), comment=f"Newer review {index}.")
    make_user("bob")
    review = reviewed["review"]
    html = (
        signed_in("bob")
        .post(reverse("review_helpful", args=[PLUGIN, review.pk]), follow=True)
        .content.decode()
    )
    assert f'id="review-{review.pk}"' not in html
    top = re.search(r'<section class="page-messages" id="messages".*?</section>', html, re.S)
    assert top is not None
    assert messages_in(top.group(0)) == [("status", "Thanks, you marked the review as helpful.")]


def test_a_revoked_token_message_is_in_the_tokens_section(db: None) -> None:
    user = make_user("ada")
    token, _ = api_token_create(user=user, name="laptop")
    client = Client()
    client.force_login(user)
    response = client.post(reverse("api_token_revoke", args=[token.pk]), follow=True)
    html = response.content.decode()
    tokens = re.search(r'<section id="api-tokens">.*?</section>', html, re.S)
    assert tokens is not None
    assert messages_in(tokens.group(0)) == [
        ("status", "Revoked the token “laptop”; it no longer works.")
    ]
    assert response.redirect_chain[-1][0].endswith("#api-tokens")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "viewport", [PHONE, {"width": 1280, "height": 720}], ids=["phone", "desktop"]
)
def test_after_each_action_the_message_is_in_view(
    browser: Any, live_server: Any, viewport: dict[str, int]
) -> None:
    from playwright.sync_api import expect

    owner = make_user("owner")
    make_plugin(PLUGIN, owner=owner, description="A plugin with reviews. " * 20)
    for index in range(6):
        make_review(PLUGIN, make_user(f"fan{index}"), comment=f"Review number {index}. " * 12)
    target = make_review(PLUGIN, make_user("critic"), comment="Crashes on start.")
    bob = make_user("bob")
    api_token_create(user=bob, name="laptop")

    context = browser.new_context(base_url=live_server.url, viewport=viewport)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto("/accounts/login/")
    page.fill("#id_username", "bob")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/")

    def shows(text: str, role: str = "status") -> None:
        message = page.get_by_role(role).filter(has_text=text)
        expect(message).to_have_count(1)
        expect(message).to_be_in_viewport()

    page.goto(f"/plugins/{PLUGIN}/")
    review = page.locator(f"#review-{target.pk}")
    review.get_by_role("button", name="Helpful").click()
    shows("Thanks, you marked the review as helpful.")

    review = page.locator(f"#review-{target.pk}")
    review.locator("summary", has_text="Report").click()
    review.get_by_label("Reason").select_option("spam")
    review.get_by_role("button", name="Send report").click()
    shows("Thank you; a moderator will look at your report.")

    page.get_by_label("Comment").fill("Does what it says.")
    page.locator("#your-review label", has_text="4").first.click()
    page.get_by_role("button", name="Post your review").click()
    shows(f"Thank you! Your review of {PLUGIN} is posted.")

    page.goto("/accounts/")
    page.locator("#api-tokens").get_by_role("button", name="Revoke").click()
    shows("Revoked the token “laptop”; it no longer works.")
    context.close()
