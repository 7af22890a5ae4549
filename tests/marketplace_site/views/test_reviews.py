"""The review pages and POST endpoints: what each kind of visitor can do and sees."""

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from reviews.models import HelpfulVote, OwnerReply, Report, Review
from tests.factories import make_moderator, make_plugin, make_review, make_superuser, make_user

pytestmark = pytest.mark.django_db

PLUGIN = "nice-plugin"
ROLES = ("anonymous", "user", "author", "owner", "moderator", "superuser")


@dataclass
class World:
    owner: User
    author: User
    review: Review
    users: dict[str, User | None]

    def client_for(self, role: str) -> Client:
        client = Client()
        user = self.users[role]
        if user is not None:
            client.force_login(user)
        return client


@pytest.fixture
def world() -> World:
    owner = make_user("owner")
    author = make_user("author")
    make_plugin(PLUGIN, owner=owner)
    review = make_review(PLUGIN, author, rating=2, comment="Crashes on start.", version="1.0.0")
    users: dict[str, User | None] = {
        "anonymous": None,
        "user": make_user("someone"),
        "author": author,
        "owner": owner,
        "moderator": make_moderator(),
        "superuser": make_superuser(),
    }
    return World(owner=owner, author=author, review=review, users=users)


def page_url() -> str:
    return reverse("plugin_detail", args=[PLUGIN])


def action_url(action: str, review: Review) -> str:
    if action == "submit":
        return reverse("review_submit", args=[PLUGIN])
    return reverse(f"review_{action}", args=[PLUGIN, review.pk])


# For each action: the POST data, a probe of the state it changes, and per role what
# happens: "ok" (redirect back, state changed), "forbidden" (403, unchanged) or "login"
# (redirect to log in, unchanged).


def _submitted(w: World) -> Any:
    return sorted(Review.objects.values_list("user__username", "rating"))


def _review_exists(w: World) -> Any:
    return Review.objects.filter(pk=w.review.pk).exists()


def _reply(w: World) -> Any:
    return list(OwnerReply.objects.values_list("text", flat=True))


def _votes(w: World) -> Any:
    return HelpfulVote.objects.count()


def _reports(w: World) -> Any:
    return Report.objects.count()


def _flagged(w: World) -> Any:
    return Review.objects.get(pk=w.review.pk).flagged


@dataclass(frozen=True)
class Action:
    data: dict[str, str]
    probe: Callable[[World], Any]
    table: str
    setup: Callable[[World], None] | None = None

    @property
    def outcomes(self) -> dict[str, str]:
        outcomes = self.table.split()
        assert len(outcomes) == len(ROLES)
        return dict(zip(ROLES, outcomes, strict=True))


def _flag_first(w: World) -> None:
    Review.objects.filter(pk=w.review.pk).update(flagged=True, flag_reason="spam")


# Outcomes per role, in the order of ROLES: anonymous, user, author, owner, moderator, superuser.
ACTIONS: dict[str, Action] = {
    "submit": Action({"rating": "5", "comment": "Lovely."}, _submitted,
                     "login     ok        ok        forbidden ok        ok"),
    "delete": Action({}, _review_exists,
                     "login     forbidden ok        forbidden forbidden ok"),
    "reply": Action({"text": "Fixed in 1.0.1."}, _reply,
                    "login     forbidden forbidden ok        forbidden forbidden"),
    "helpful": Action({}, _votes,
                      "login     ok        forbidden forbidden ok        ok"),
    "report": Action({"reason": "spam", "text": ""}, _reports,
                     "login     ok        forbidden ok        ok        ok"),
    "flag": Action({"reason": "Advertising"}, _flagged,
                   "login     forbidden forbidden forbidden ok        ok"),
    "unflag": Action({}, _flagged,
                     "login     forbidden forbidden forbidden ok        ok", setup=_flag_first),
}  # fmt: skip

MATRIX = [(action, role) for action in ACTIONS for role in ROLES]


@pytest.mark.parametrize(("action", "role"), MATRIX, ids=[f"{a}-{r}" for a, r in MATRIX])
def test_permission_matrix(world: World, action: str, role: str) -> None:
    spec = ACTIONS[action]
    if spec.setup:
        spec.setup(world)
    before = spec.probe(world)
    response = world.client_for(role).post(action_url(action, world.review), spec.data)
    expected = spec.outcomes[role]
    after = spec.probe(world)
    if expected == "login":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
        assert after == before
    elif expected == "forbidden":
        assert response.status_code == 403
        assert after == before
    else:
        assert response.status_code == 302
        # Back to where the action was taken: the review itself, unless it left the list.
        in_place = action in {"reply", "helpful", "report", "unflag"}
        anchor = f"#review-{world.review.pk}" if in_place else "#reviews"
        assert response["Location"] == page_url() + anchor
        assert after != before


def test_matrix_covers_every_endpoint() -> None:
    from marketplace_site.views.reviews import urlpatterns

    # Every review URL is named.
    posted = {
        cast(str, p.name).removeprefix("review_") for p in urlpatterns if p.name != "user_reviews"
    }
    assert posted == set(ACTIONS)


@pytest.mark.parametrize("action", list(ACTIONS))
def test_state_changes_need_post(world: World, action: str) -> None:
    response = world.client_for("moderator").get(action_url(action, world.review))
    assert response.status_code == 405


@pytest.mark.parametrize("action", list(ACTIONS))
def test_state_changes_need_the_csrf_token(world: World, action: str) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["superuser"])  # type: ignore[arg-type]
    if ACTIONS[action].setup:
        ACTIONS[action].setup(world)  # type: ignore[misc]
    before = ACTIONS[action].probe(world)
    response = client.post(action_url(action, world.review), ACTIONS[action].data)
    assert response.status_code == 403
    assert ACTIONS[action].probe(world) == before


def test_plugin_page_shows_summary_histogram_and_reviews(world: World, client: Client) -> None:
    make_review(PLUGIN, make_user("fan"), rating=5, comment="Love it")
    make_review(PLUGIN, make_user("troll"), rating=1, comment="HIDDEN TEXT", flagged=True)
    html = client.get(page_url()).content.decode()
    assert '<strong class="review-average" id="review-average">3.5</strong>' in html
    assert "2 reviews" in html
    assert 'data-stars="5">1<' in html
    assert 'data-stars="2">1<' in html
    assert 'data-stars="1">0<' in html
    assert "Love it" in html
    assert "Crashes on start." in html
    assert "used 1.0.0" in html
    assert "HIDDEN TEXT" not in html
    assert html.index("Love it") < html.index("Crashes on start.")  # newest first


def test_plugin_page_without_reviews(client: Client) -> None:
    make_plugin("lonely")
    html = client.get(reverse("plugin_detail", args=["lonely"])).content.decode()
    assert "No reviews yet." in html


def test_anonymous_visitor_is_invited_to_log_in(world: World, client: Client) -> None:
    html = client.get(page_url()).content.decode()
    assert "to review this plugin" in html
    assert 'action="' + reverse("review_submit", args=[PLUGIN]) not in html
    assert "Report</summary>" not in html
    assert ">Helpful</button>" not in html


def test_owner_sees_no_review_form_but_a_reply_form(world: World) -> None:
    html = world.client_for("owner").get(page_url()).content.decode()
    assert "You own this plugin, so you cannot review it" in html
    assert "Write a review" not in html
    assert "<summary>Reply</summary>" in html


def test_new_reviewer_gets_a_blank_form_with_the_shown_version(world: World) -> None:
    html = world.client_for("user").get(page_url()).content.decode()
    assert "Write a review" in html
    assert '<option value="1.0.0" selected>1.0.0</option>' in html
    assert "Report</summary>" in html
    assert ">Helpful</button>" in html


def test_author_sees_they_are_editing(world: World) -> None:
    html = world.client_for("author").get(page_url()).content.decode()
    assert "Edit your review" in html
    assert "Saving replaces your review" in html
    assert "Update your review" in html
    assert re.search(r'value="2"[^>]*checked', html)  # their rating is preselected
    assert not re.search(r'value="5"[^>]*checked', html)
    assert "Crashes on start.</textarea>" in html
    assert "your review</span>" in html
    assert "Delete your review" in html


def test_editing_replaces_the_review(world: World) -> None:
    client = world.client_for("author")
    response = client.post(
        action_url("submit", world.review), {"rating": "4", "comment": "Fixed now."}, follow=True
    )
    html = response.content.decode()
    assert "Your review of nice-plugin is updated." in html
    assert "Fixed now." in html
    assert "Crashes on start." not in html
    assert Review.objects.get().rating == 4


def test_posting_a_review_thanks_the_user(world: World) -> None:
    response = world.client_for("user").post(
        action_url("submit", world.review),
        {"rating": "5", "comment": "Great", "version": "1.0.0"},
        follow=True,
    )
    assert "Your review of nice-plugin is posted." in response.content.decode()
    assert Review.objects.get(user__username="someone").version == "1.0.0"


@pytest.mark.parametrize(
    ("data", "code", "text"),
    [
        ({"rating": "7"}, "rating_out_of_range", "7 is outside that range"),
        ({"rating": "0"}, "rating_out_of_range", "0 is outside that range"),
        ({"rating": "five"}, "invalid_rating", "must be a number of stars"),
        ({}, "required", "Choose a rating from 1 to 5 stars."),
        ({"rating": "3", "comment": "x" * 2001}, "comment_too_long", "the limit is 2000"),
        ({"rating": "3", "version": "9.9.9"}, "invalid_choice", "Select a valid choice"),
    ],
)
def test_bad_review_input_is_explained_and_changes_nothing(
    world: World, data: dict[str, str], code: str, text: str
) -> None:
    before = _submitted(world)
    response = world.client_for("user").post(action_url("submit", world.review), data)
    html = response.content.decode()
    assert response.status_code == 400
    assert "Your review was not saved" in html
    assert f'data-code="{code}"' in html
    assert text in html
    assert _submitted(world) == before


def test_all_review_errors_are_reported_at_once(world: World) -> None:
    response = world.client_for("user").post(
        action_url("submit", world.review), {"rating": "9", "comment": "x" * 2001}
    )
    html = response.content.decode()
    assert 'data-code="rating_out_of_range"' in html
    assert 'data-code="comment_too_long"' in html


def test_review_of_a_missing_plugin_is_rejected(world: World) -> None:
    response = world.client_for("user").post(
        reverse("review_submit", args=["no-such-plugin"]), {"rating": "5"}
    )
    assert response.status_code == 404
    assert "no plugin named &#x27;no-such-plugin&#x27;" in response.content.decode()
    assert not Review.objects.filter(plugin_name="no-such-plugin").exists()


def test_review_text_is_escaped(world: World, client: Client) -> None:
    make_review(PLUGIN, make_user("evil"), comment='<script>alert("x")</script>\nline two')
    html = client.get(page_url()).content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;<br>line two" in html


def test_sort_by_most_helpful_and_paging(world: World, client: Client) -> None:
    voters = [make_user() for _ in range(3)]
    for i in range(11):
        make_review(PLUGIN, make_user(f"r{i:02}"), comment=f"review number {i:02}")
    for voter in voters:
        HelpfulVote.objects.create(review=world.review, user=voter)
    newest = client.get(page_url()).content.decode()
    assert "review number 10" in newest
    assert "Crashes on start." not in newest  # the oldest is on page 2
    assert "Page 1 of 2" in newest
    assert "?rpage=2#reviews" in newest
    second = client.get(page_url() + "?rpage=2").content.decode()
    assert "Crashes on start." in second
    helpful = client.get(page_url() + "?reviews=helpful").content.decode()
    assert "Crashes on start." in helpful
    assert helpful.index("Crashes on start.") < helpful.index("review number 10")
    assert "3 found this helpful" in helpful
    assert "?reviews=helpful&amp;rpage=2#reviews" in helpful
    assert client.get(page_url() + "?reviews=bogus&rpage=x").status_code == 200


def test_helpful_once(world: World) -> None:
    client = world.client_for("user")
    client.post(action_url("helpful", world.review))
    response = client.post(action_url("helpful", world.review), follow=True)
    html = response.content.decode()
    assert "You have already marked this review as helpful." in html
    assert "You marked it helpful." in html
    assert HelpfulVote.objects.count() == 1


def test_report_is_acknowledged_and_the_button_goes_away(world: World) -> None:
    client = world.client_for("user")
    response = client.post(
        action_url("report", world.review), {"reason": "abuse", "text": "rude"}, follow=True
    )
    html = response.content.decode()
    assert "a moderator will look at your report" in html
    assert "You reported this review." in html
    assert Report.objects.get().reason == "abuse"


def test_reporting_twice_is_refused(world: World) -> None:
    client = world.client_for("user")
    client.post(action_url("report", world.review), {"reason": "spam"})
    response = client.post(action_url("report", world.review), {"reason": "abuse"}, follow=True)
    assert "You have already reported this review" in response.content.decode()
    assert list(Report.objects.values_list("reason", flat=True)) == ["spam"]


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"reason": ""}, "required"),
        ({"reason": "boring"}, "invalid_choice"),
        ({"reason": "other", "text": "  "}, "text_required"),
        ({"reason": "spam", "text": "x" * 501}, "text_too_long"),
    ],
)
def test_bad_report_is_explained_and_changes_nothing(
    world: World, data: dict[str, str], code: str
) -> None:
    response = world.client_for("user").post(action_url("report", world.review), data)
    html = response.content.decode()
    assert response.status_code == 400
    assert "Your report was not sent" in html
    assert f'data-code="{code}"' in html
    assert "<details open>" in html  # the report form is shown again, open
    assert not Report.objects.exists()


def test_owner_reply_is_shown_and_editable(world: World, client: Client) -> None:
    owner = world.client_for("owner")
    owner.post(action_url("reply", world.review), {"text": "Fixed in 1.0.1."})
    response = owner.post(
        action_url("reply", world.review), {"text": "Fixed in 1.0.2."}, follow=True
    )
    html = response.content.decode()
    assert "Your reply is updated." in html
    assert "Edit your reply" in html
    public = client.get(page_url()).content.decode()
    assert "Reply from the owner" in public
    assert "Fixed in 1.0.2." in public
    assert "Fixed in 1.0.1." not in public


def test_empty_reply_is_explained(world: World) -> None:
    response = world.client_for("owner").post(action_url("reply", world.review), {"text": " "})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Your reply was not posted" in html
    assert 'data-code="required"' in html
    assert not OwnerReply.objects.exists()


def test_hidden_review_is_shown_only_to_its_author_with_the_reason(world: World) -> None:
    Review.objects.filter(pk=world.review.pk).update(flagged=True, flag_reason="Off-topic rant")
    author_html = world.client_for("author").get(page_url()).content.decode()
    assert "A moderator hid your review: Off-topic rant. Only you can see it" in author_html
    assert "Crashes on start." in author_html
    for role in ("anonymous", "user", "owner"):
        html = world.client_for(role).get(page_url()).content.decode()
        assert "Crashes on start." not in html
        assert "Off-topic rant" not in html


def test_hidden_review_cannot_be_voted_or_reported(world: World) -> None:
    Review.objects.filter(pk=world.review.pk).update(flagged=True)
    client = world.client_for("user")
    assert client.post(action_url("helpful", world.review)).status_code == 404
    assert client.post(action_url("report", world.review), {"reason": "spam"}).status_code == 404
    assert not Report.objects.exists()


def test_review_of_another_plugin_is_not_found_here(world: World) -> None:
    make_plugin("other-plugin")
    url = reverse("review_helpful", args=["other-plugin", world.review.pk])
    assert world.client_for("user").post(url).status_code == 404


def test_moderator_hides_from_the_plugin_page(world: World) -> None:
    moderator = world.client_for("moderator")
    html = moderator.get(page_url()).content.decode()
    assert "Hide (moderator)" in html
    assert "Moderation queue" in html
    response = moderator.post(action_url("flag", world.review), {"reason": "Spam"}, follow=True)
    assert "The review is hidden from the public." in response.content.decode()
    review = Review.objects.get()
    assert (review.flagged, review.flag_reason, review.flagged_by) == (
        True,
        "Spam",
        world.users["moderator"],
    )


def test_flag_reason_too_long_changes_nothing(world: World) -> None:
    response = world.client_for("moderator").post(
        action_url("flag", world.review), {"reason": "x" * 201}, follow=True
    )
    assert "The review was not hidden" in response.content.decode()
    assert Review.objects.get().flagged is False


def test_plain_user_sees_no_moderation_tools(world: World) -> None:
    html = world.client_for("user").get(page_url()).content.decode()
    assert "Hide (moderator)" not in html
    assert "Moderation queue" not in html


def test_account_page_lists_own_reviews_hidden_ones_and_replies(world: World) -> None:
    OwnerReply.objects.create(review=world.review, author=world.owner, text="We fixed it.")
    hidden = make_review("gone-plugin", world.author, rating=1, comment="meh")
    hidden.flagged, hidden.flag_reason = True, "Abusive"
    hidden.save()
    html = world.client_for("author").get(reverse("account")).content.decode()
    assert "Your reviews" in html
    assert "Crashes on start." in html
    assert "The owner replied" in html
    assert "We fixed it." in html
    assert "A moderator hid this review from the public: Abusive." in html
    assert "(no longer published)" in html


def test_account_page_without_reviews(world: World) -> None:
    html = world.client_for("user").get(reverse("account")).content.decode()
    assert "You have not reviewed a plugin yet." in html


def test_public_user_page_lists_visible_reviews(world: World, client: Client) -> None:
    make_review("other", world.author, comment="Secret hidden", flagged=True)
    response = client.get(reverse("user_reviews", args=["author"]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Reviews by author" in html
    assert "Crashes on start." in html
    assert "Secret hidden" not in html


def test_public_user_page_for_unknown_user_is_404(client: Client, db: None) -> None:
    assert client.get(reverse("user_reviews", args=["nobody"])).status_code == 404


def test_public_user_page_without_reviews(world: World, client: Client) -> None:
    html = client.get(reverse("user_reviews", args=["someone"])).content.decode()
    assert "someone has not reviewed a plugin yet." in html


def test_account_section_for_anonymous_is_empty(rf: Any) -> None:
    from django.contrib.auth.models import AnonymousUser

    from marketplace_site.sections.reviews import account_section

    request = rf.get("/accounts/")
    request.user = AnonymousUser()
    assert account_section(request) == {"account_reviews": []}
