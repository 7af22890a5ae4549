"""A moderator's journey through a real browser: report, find in the queue, hide, verify."""

from typing import Any

import pytest

from reviews.models import Review
from tests.factories import PASSWORD, make_moderator, make_plugin, make_review, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PLUGIN = "journey-plugin"
SPAM = "BUY CHEAP PILLS at spam.example"


def log_in(page: Any, username: str, *, admin: bool = False) -> None:
    if admin:
        page.goto("/admin/login/?next=/admin/reviews/review/")
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD)
        page.click("input[type=submit]")
    else:
        page.goto(f"/accounts/login/?next=/plugins/{PLUGIN}/")
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD)
        page.get_by_role("button", name="Log in").click()


def test_reported_review_is_hidden_by_a_moderator(page: Any, live_server: Any) -> None:
    from playwright.sync_api import expect

    owner = make_user("owner")
    make_plugin(PLUGIN, owner=owner)
    # The spam is the oldest review: it reaches the top of the queue only by its report.
    make_review(PLUGIN, make_user("spammer"), rating=1, comment=SPAM)
    make_review(PLUGIN, make_user("fan"), rating=5, comment="Does exactly what it says.")
    make_review(PLUGIN, make_user("critic"), rating=4, comment="Good, docs could be better.")
    make_user("reporter")
    make_moderator("mod")

    # A user reports the spam from the plugin page.
    log_in(page, "reporter")
    expect(page).to_have_url(f"{live_server.url}/plugins/{PLUGIN}/")
    expect(page.locator("#review-average")).to_have_text("3.3")
    expect(page.locator("#review-count")).to_have_text("3 reviews")
    spam = page.locator("article.review", has_text=SPAM)
    spam.locator("summary", has_text="Report").click()
    spam.get_by_label("Reason").select_option("spam")
    spam.get_by_label("Details").fill("Advertising pills.")
    spam.get_by_role("button", name="Send report").click()
    expect(page.get_by_text("a moderator will look at your report")).to_be_visible()
    expect(page.locator("article.review", has_text=SPAM)).to_contain_text(
        "You reported this review."
    )
    page.get_by_role("button", name="Log out").click()

    # The moderator finds it at the top of the queue and flags it.
    log_in(page, "mod", admin=True)
    first_row = page.locator("#result_list tbody tr").first
    expect(first_row).to_contain_text(SPAM)
    expect(first_row.locator("td.field-open_reports")).to_have_text("1")
    first_row.locator("input.action-select").check()
    page.select_option("select[name=action]", "flag_selected")
    page.fill("input[name=reason]", "Spam: advertising")
    page.get_by_role("button", name="Go").click()
    expect(page.get_by_text("Hid 1 review(s) from the public.")).to_be_visible()
    expect(page.locator("#result_list tbody tr").first).not_to_contain_text(SPAM)

    # The public plugin page no longer shows it, and the average ignores it.
    page.goto(f"/plugins/{PLUGIN}/")
    expect(page.locator("#review-average")).to_have_text("4.5")
    expect(page.locator("#review-count")).to_have_text("2 reviews")
    expect(page.locator("#reviews")).not_to_contain_text(SPAM)
    expect(page.locator("#reviews")).to_contain_text("Does exactly what it says.")

    hidden = Review.objects.get(comment=SPAM)
    assert (hidden.flagged, hidden.flag_reason, hidden.flagged_by.username) == (  # type: ignore[union-attr]
        True,
        "Spam: advertising",
        "mod",
    )
