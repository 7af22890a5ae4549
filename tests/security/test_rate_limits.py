"""Per-user rate limits on publish, review, report and install, on the pages and the API."""

import json
import threading
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.urls import reverse

from marketplace_site.marketplace import create_marketplace
from marketplace_site.models import RateCounter
from marketplace_site.web import ratelimit
from marketplace_site.web.tokens import api_token_create
from registry.models import PluginVersion
from reviews.models import OwnerReply, Report, Review
from sandbox.models import SandboxRun
from tests.factories import make_manifest, make_user

pytestmark = pytest.mark.django_db

API = "/api/v1"


@pytest.fixture(autouse=True)
def low_limits(settings: Any) -> None:
    settings.RATE_LIMITS = dict.fromkeys(
        ("publish", "review", "report", "plan", "install"), (2, 3600)
    )


@pytest.fixture
def author() -> User:
    return make_user("author")


@pytest.fixture
def author_client(author: User) -> Client:
    client = Client()
    client.force_login(author)
    return client


@pytest.fixture
def reader_client() -> Client:
    client = Client()
    client.force_login(make_user("reader"))
    return client


@pytest.fixture
def plugin(author: User) -> str:
    create_marketplace().publish(make_manifest("limited", entry_point="result = 2"), owner=author)
    return "limited"


def manifest_text(version: str) -> str:
    return json.dumps({"name": "mine", "version": version, "entry_point": "result = 1"})


def assert_limited_page(response: Any, words: str) -> None:
    content = response.content.decode()
    assert response.status_code == 429
    assert "Too many requests" in content
    assert f"limit of 2 {words} per hour" in content
    assert '<link rel="stylesheet"' in content  # the site's layout
    assert 1 <= int(response["Retry-After"]) <= 3600


def assert_limited_api(response: Any) -> None:
    assert response.status_code == 429
    body = response.json()
    assert body["error"] == "rate_limited"
    assert "limit of 2" in body["detail"]
    assert 1 <= int(response["Retry-After"]) <= 3600


def test_publish_form_is_limited_per_user(author_client: Client) -> None:
    for version in ("1.0.0", "1.0.1"):
        response = author_client.post(reverse("publish"), {"manifest_text": manifest_text(version)})
        assert response.status_code == 302
    response = author_client.post(reverse("publish"), {"manifest_text": manifest_text("1.0.2")})
    assert_limited_page(response, "publishes")
    assert PluginVersion.objects.filter(version="1.0.2").count() == 0
    # Someone else is not affected, and reading the form is not counted.
    other = Client()
    other.force_login(make_user("someone"))
    assert other.get(reverse("publish")).status_code == 200
    other_manifest = json.dumps({"name": "theirs", "version": "1.0.0", "entry_point": "1"})
    assert other.post(reverse("publish"), {"manifest_text": other_manifest}).status_code == 302


def test_the_limit_resets_with_the_next_window(
    author_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    start = 1_800_000_000.0  # the start of an hour
    monkeypatch.setattr(ratelimit, "_now", lambda: start + 10)
    for version in ("1.0.0", "1.0.1"):
        author_client.post(reverse("publish"), {"manifest_text": manifest_text(version)})
    refused = author_client.post(reverse("publish"), {"manifest_text": manifest_text("1.0.2")})
    assert refused.status_code == 429
    assert refused["Retry-After"] == "3590"
    monkeypatch.setattr(ratelimit, "_now", lambda: start + 3600 + 1)
    response = author_client.post(reverse("publish"), {"manifest_text": manifest_text("1.0.2")})
    assert response.status_code == 302


def test_api_publish_is_limited(author: User) -> None:
    token = api_token_create(user=author, name="ci")[1]
    client = Client(headers={"Authorization": f"Bearer {token}"})
    for version in ("1.0.0", "1.0.1", "1.0.2"):
        response = client.post(
            f"{API}/plugins",
            {"name": "mine", "version": version, "entry_point": "1"},
            content_type="application/json",
        )
    assert_limited_api(response)
    assert PluginVersion.objects.filter(plugin__canonical_name="mine").count() == 2


def test_review_submissions_and_replies_are_limited(
    plugin: str, reader_client: Client, author_client: Client
) -> None:
    url = reverse("review_submit", args=[plugin])
    for rating in ("5", "4"):
        assert reader_client.post(url, {"rating": rating}).status_code == 302
    response = reader_client.post(url, {"rating": "1", "comment": "third time"})
    assert_limited_page(response, "reviews and replies")
    review = Review.objects.get()
    assert review.rating == 4
    reply_url = reverse("review_reply", args=[plugin, review.pk])
    for text in ("Thanks", "Thanks again"):
        assert author_client.post(reply_url, {"text": text}).status_code == 302
    assert_limited_page(author_client.post(reply_url, {"text": "spam"}), "reviews and replies")
    assert OwnerReply.objects.get().text == "Thanks again"


def test_api_reviews_are_limited(plugin: str) -> None:
    token = api_token_create(user=make_user("critic"), name="ci")[1]
    client = Client(headers={"Authorization": f"Bearer {token}"})
    for rating in (5, 4, 3):
        response = client.post(
            f"{API}/plugins/{plugin}/reviews", {"rating": rating}, content_type="application/json"
        )
    assert_limited_api(response)
    assert Review.objects.get().rating == 4


def test_reports_are_limited(plugin: str, reader_client: Client) -> None:
    reviews = [
        Review.objects.create(plugin_name=plugin, user=make_user(f"rater{i}"), rating=3)
        for i in range(3)
    ]
    for review in reviews[:2]:
        url = reverse("review_report", args=[plugin, review.pk])
        assert reader_client.post(url, {"reason": "spam"}).status_code == 302
    url = reverse("review_report", args=[plugin, reviews[2].pk])
    assert_limited_page(reader_client.post(url, {"reason": "spam"}), "reports")
    assert Report.objects.count() == 2


def test_install_page_plans_and_installs_are_limited(plugin: str, reader_client: Client) -> None:
    plan = {"source": "published", "name": plugin, "action": "plan"}
    for _ in range(2):
        assert reader_client.post(reverse("install"), plan).status_code == 200
    assert_limited_page(reader_client.post(reverse("install"), plan), "install plans")
    install = {**plan, "action": "install"}
    for _ in range(2):
        assert reader_client.post(reverse("install"), install).status_code == 200
    assert_limited_page(reader_client.post(reverse("install"), install), "installs")
    assert SandboxRun.objects.count() == 2


def test_anonymous_plans_count_per_address(plugin: str) -> None:
    plan = {"source": "published", "name": plugin, "action": "plan"}
    client = Client(REMOTE_ADDR="192.0.2.7")
    for _ in range(2):
        assert client.post(reverse("install"), plan).status_code == 200
    assert client.post(reverse("install"), plan).status_code == 429
    assert Client(REMOTE_ADDR="192.0.2.8").post(reverse("install"), plan).status_code == 200


def test_api_plans_and_installs_are_limited(plugin: str) -> None:
    token = api_token_create(user=make_user("installer"), name="ci")[1]
    client = Client(headers={"Authorization": f"Bearer {token}"})
    for path in ("/install/plan", "/install"):
        for _ in range(3):
            response = client.post(
                f"{API}{path}", {"name": plugin}, content_type="application/json"
            )
        assert_limited_api(response)
    assert SandboxRun.objects.count() == 2


def test_the_api_schema_documents_429() -> None:
    schema = Client().get(f"{API}/openapi.json").json()
    for path, method in [
        ("/api/v1/plugins", "post"),
        ("/api/v1/plugins/{name}/reviews", "post"),
        ("/api/v1/install/plan", "post"),
        ("/api/v1/install", "post"),
    ]:
        assert "429" in schema["paths"][path][method]["responses"]


def test_limits_can_be_turned_off(settings: Any, author_client: Client) -> None:
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "publish": (0, 3600)}
    for version in ("1.0.0", "1.0.1", "1.0.2"):
        response = author_client.post(reverse("publish"), {"manifest_text": manifest_text(version)})
        assert response.status_code == 302


@pytest.mark.django_db(transaction=True)
def test_requests_that_arrive_together_are_each_counted(settings: Any) -> None:
    settings.RATE_LIMITS = {"publish": (5, 3600)}
    arrivals = 12
    together = threading.Barrier(arrivals)
    outcomes: list[str] = []

    def take() -> None:
        try:
            together.wait()
            ratelimit.rate_limit_take(action="publish", who="user:race")
            outcomes.append("allowed")
        except ratelimit.RateLimited:
            outcomes.append("limited")
        finally:
            connection.close()

    threads = [threading.Thread(target=take) for _ in range(arrivals)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["allowed"] * 5 + ["limited"] * 7
    assert RateCounter.objects.get().count == arrivals


def test_a_new_window_forgets_the_ended_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ratelimit, "_now", lambda: 10_000.0)
    ratelimit.rate_limit_take(action="publish", who="user:1")
    monkeypatch.setattr(ratelimit, "_now", lambda: 10_000.0 + 3600)
    ratelimit.rate_limit_take(action="publish", who="user:1")
    assert [c.count for c in RateCounter.objects.all()] == [1]
