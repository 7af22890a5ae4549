"""The moderator's desk in the admin: the audit trail, sandbox runs, readable review titles,
search over comments, and a moderators group with exactly the permissions the desk needs."""

import re

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from django.urls import reverse

from marketplace_site.web.moderators import MODERATOR_PERMISSIONS
from reviews import services
from reviews.models import ModerationEvent, Review
from sandbox.models import SandboxRun
from tests.factories import make_moderator, make_review, make_superuser, make_user

pytestmark = pytest.mark.django_db

AUDIT = reverse("admin:reviews_moderationevent_changelist")
RUNS = reverse("admin:sandbox_sandboxrun_changelist")
REVIEWS = reverse("admin:reviews_review_changelist")


def login(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def audit_rows(html: str) -> list[str]:
    """The audit trail's rows, top to bottom, as text."""
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", html, re.S)
    texts = [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in rows]
    return [
        text
        for text in texts
        if "Hid the review" in text or "Restored" in text or "Dismissed" in text
    ]


def make_run(plugin: str = "sleepy", **fields: object) -> SandboxRun:
    values: dict[str, object] = {
        "plugin_name": plugin,
        "version": "1.0.0",
        "success": False,
        "timed_out": True,
        "duration_ms": 1000.0,
        "error": "TimeoutError: the run took longer than 1000 ms",
    }
    values.update(fields)
    return SandboxRun.objects.create(**values)


def test_every_decision_lands_in_the_audit_trail_whichever_door() -> None:
    moderator = make_moderator("mona")
    alice = make_user("alice")
    review = make_review("chart-kit", alice, comment="Buy cheap watches at example.com")
    services.report_create(review=review, reporter=make_user("bob"), reason="spam")
    services.review_flag(review=review, acting_user=moderator, reason="Advertising")
    services.review_unflag(review=review, acting_user=moderator)
    services.report_create(review=review, reporter=make_user("carol"), reason="abuse")
    services.reports_dismiss(review=review, acting_user=moderator)
    services.ReviewService().flag(review.pk, "contract door")  # the Protocol: no acting user

    events = list(ModerationEvent.objects.order_by("pk"))
    assert [(e.action, e.moderator, e.reason, e.reports_closed) for e in events] == [
        ("hidden", moderator, "Advertising", 1),
        ("restored", moderator, "", 0),
        ("reports_dismissed", moderator, "", 1),
        ("hidden", None, "contract door", 0),
    ]
    assert {(e.plugin_name, e.review_author, e.review_id) for e in events} == {
        ("chart-kit", "alice", review.pk)
    }


def test_dismissing_nothing_records_nothing() -> None:
    review = make_review("p", make_user("alice"))
    assert services.reports_dismiss(review=review, acting_user=make_moderator()) == 0
    assert not ModerationEvent.objects.exists()


def test_the_trail_outlives_the_review() -> None:
    review = make_review("p", make_user("alice"))
    services.review_flag(review=review, acting_user=make_moderator(), reason="Spam")
    review.delete()
    event = ModerationEvent.objects.get()
    assert (event.review, event.plugin_name, event.review_author) == (None, "p", "alice")
    assert str(event) == "moderator: hid the review of p by alice"


def test_moderator_reads_the_trail_with_filters_newest_first() -> None:
    mona, max_ = make_moderator("mona"), make_moderator("max")
    first = make_review("first", make_user("alice"))
    second = make_review("second", make_user("bob"))
    services.review_flag(review=first, acting_user=mona, reason="Spam link")
    services.review_flag(review=second, acting_user=max_, reason="Abusive words")
    services.review_unflag(review=first, acting_user=max_)
    client = login(mona)

    html = client.get(AUDIT).content.decode()
    assert "Moderation audit trail" in html
    rows = audit_rows(html)
    assert len(rows) == 3
    assert "Restored the review" in rows[0] and "first" in rows[0] and "max" in rows[0]
    assert "Spam link" in rows[2] and "mona" in rows[2] and "alice" in rows[2]

    by_mona = audit_rows(client.get(f"{AUDIT}?moderator__id__exact={mona.pk}").content.decode())
    assert len(by_mona) == 1 and "Spam link" in by_mona[0]
    hidden = audit_rows(client.get(f"{AUDIT}?action__exact=hidden").content.decode())
    assert len(hidden) == 2 and all("Hid the review" in row for row in hidden)
    searched = audit_rows(client.get(f"{AUDIT}?q=abusive").content.decode())
    assert len(searched) == 1 and "second" in searched[0]


def test_the_trail_is_read_only_even_for_a_superuser() -> None:
    services.review_flag(
        review=make_review("p", make_user("alice")), acting_user=make_moderator(), reason="Spam"
    )
    event = ModerationEvent.objects.get()
    root = login(make_superuser())
    change = reverse("admin:reviews_moderationevent_change", args=[event.pk])
    html = root.get(change).content.decode()
    assert "Spam" in html and 'name="reason"' not in html
    root.post(change, {"reason": "rewritten"})
    assert root.get(reverse("admin:reviews_moderationevent_add")).status_code == 403
    delete = reverse("admin:reviews_moderationevent_delete", args=[event.pk])
    assert root.post(delete, {"post": "yes"}).status_code == 403
    event.refresh_from_db()
    assert event.reason == "Spam"


def test_moderator_reads_sandbox_runs_and_cannot_change_them() -> None:
    run = make_run()
    client = login(make_moderator())
    html = client.get(RUNS).content.decode()
    assert "sleepy" in html and "TimeoutError" in html
    change = reverse("admin:sandbox_sandboxrun_change", args=[run.pk])
    page = client.get(change).content.decode()
    assert "TimeoutError" in page and 'name="error"' not in page
    client.post(change, {"error": "nothing happened"})
    assert (
        client.post(
            reverse("admin:sandbox_sandboxrun_delete", args=[run.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    run.refresh_from_db()
    assert run.error.startswith("TimeoutError")


def test_reviews_are_titled_with_plugin_and_username() -> None:
    review = make_review("chart-kit", make_user("alice"), rating=2)
    client = login(make_moderator())
    change = client.get(reverse("admin:reviews_review_change", args=[review.pk])).content.decode()
    assert "chart-kit: 2/5 by alice" in change
    assert f"by {review.user_id}<" not in change
    services.review_flag(review=review, acting_user=make_moderator("mona"), reason="Spam")
    # The history and the action log quote the same title.
    history = reverse("admin:reviews_review_history", args=[review.pk])
    assert "chart-kit: 2/5 by alice" in client.get(history).content.decode()


def test_admin_search_finds_words_in_the_comment() -> None:
    make_review("quiet", make_user("alice"), comment="Does what it says.")
    make_review("loud", make_user("bob"), comment="Visit my casino for free chips")
    html = login(make_moderator()).get(f"{REVIEWS}?q=casino").content.decode()
    names = re.findall(r'<th class="field-plugin_name"><a [^>]*>([^<]+)</a>', html)
    assert names == ["loud"]


def test_the_group_has_exactly_the_desk_permissions() -> None:
    group = Group.objects.get(name="moderators")
    granted = {
        f"{app}.{codename}"
        for app, codename in group.permissions.values_list("content_type__app_label", "codename")
    }
    assert granted == set(MODERATOR_PERMISSIONS)


def test_the_group_loses_a_permission_added_by_hand_on_the_next_sync() -> None:
    from django.contrib.auth.models import Permission

    from marketplace_site.web.moderators import moderators_group_sync

    group = Group.objects.get(name="moderators")
    group.permissions.add(Permission.objects.get(codename="delete_review"))
    moderators_group_sync()
    assert not group.permissions.filter(codename="delete_review").exists()


# What a moderator may do at the desk: (method, url name, args, expected status).
def _matrix() -> list[tuple[str, str, str, int]]:
    return [
        ("get", "admin:index", "", 200),
        ("get", "admin:reviews_review_changelist", "", 200),
        ("get", "admin:reviews_review_change", "review", 200),
        ("get", "admin:reviews_review_add", "", 403),
        ("post", "admin:reviews_review_delete", "review", 403),
        ("get", "admin:reviews_moderationevent_changelist", "", 200),
        ("get", "admin:reviews_moderationevent_add", "", 403),
        ("get", "admin:sandbox_sandboxrun_changelist", "", 200),
        ("get", "admin:sandbox_sandboxrun_change", "run", 200),
        ("get", "admin:auth_user_changelist", "", 403),
        ("get", "admin:auth_group_changelist", "", 403),
        ("get", "admin:marketplace_site_apitoken_changelist", "", 403),
        ("get", "admin:registry_plugin_changelist", "", 403),
        ("get", "admin:registry_heldversion_changelist", "", 200),
        ("get", "admin:registry_heldversion_add", "", 403),
        ("get", "admin:registry_namerelease_add", "", 403),
    ]


MATRIX = _matrix()


@pytest.mark.parametrize(
    ("method", "name", "target", "expected"), MATRIX, ids=[row[1] for row in MATRIX]
)
def test_moderator_permission_matrix(method: str, name: str, target: str, expected: int) -> None:
    review = make_review("p", make_user("alice"))
    run = make_run()
    args = {"review": [review.pk], "run": [run.pk], "": []}[target]
    url = reverse(name, args=args)
    client = login(make_moderator())
    response = client.post(url, {"post": "yes"}) if method == "post" else client.get(url)
    assert response.status_code == expected
    if method == "post":
        assert Review.objects.filter(pk=review.pk).exists()


def test_moderator_can_hide_from_the_desk_and_a_plain_staff_member_cannot_read_it() -> None:
    review = make_review("p", make_user("alice"))
    moderator = login(make_moderator())
    moderator.post(
        REVIEWS,
        {"action": "flag_selected", "_selected_action": [review.pk], "index": "0", "reason": "x"},
    )
    review.refresh_from_db()
    assert review.flagged
    staff = login(make_user("staff", is_staff=True))
    assert staff.get(AUDIT).status_code == 403
    assert staff.get(RUNS).status_code == 403
