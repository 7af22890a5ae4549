"""Login throttling (django-axes): five wrong passwords lock a username from an address out."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"


def attempt(client: Client, url: str, username: str, password: str, ip: str = "10.0.0.1") -> str:
    response = client.post(
        url, {"username": username, "password": password}, REMOTE_ADDR=ip, follow=False
    )
    return f"{response.status_code} {response.content.decode()}"


def fail_five_times(client: Client, url: str, username: str, ip: str = "10.0.0.1") -> None:
    """Four wrong passwords show the form again; the fifth locks the pair out."""
    for _ in range(4):
        assert attempt(client, url, username, "wrong-password", ip).startswith("200 ")
    assert attempt(client, url, username, "wrong-password", ip).startswith("429 ")


@pytest.mark.parametrize("url", [LOGIN, ADMIN_LOGIN])
def test_the_sixth_attempt_is_refused_even_with_the_right_password(
    client: Client, url: str
) -> None:
    make_user("victim", is_staff=True)
    fail_five_times(client, url, "victim")
    answer = attempt(client, url, "victim", PASSWORD)
    assert answer.startswith("429 ")
    assert "Too many failed logins" in answer
    assert "paused for 15 minutes" in answer
    assert '<link rel="stylesheet"' in answer  # the site's layout, not a bare message
    assert "_auth_user_id" not in client.session


def test_the_lockout_ends_after_the_cool_off(client: Client) -> None:
    make_user("patient")
    fail_five_times(client, LOGIN, "patient")
    assert attempt(client, LOGIN, "patient", PASSWORD).startswith("429 ")
    # Sixteen minutes later (the attempts are what the cool-off is measured from).
    for row in AccessAttempt.objects.all():
        row.attempt_time -= timedelta(minutes=16)
        row.save(update_fields=["attempt_time"])
    response = client.post(
        LOGIN, {"username": "patient", "password": PASSWORD}, REMOTE_ADDR="10.0.0.1"
    )
    assert response.status_code == 302
    assert client.get(reverse("account")).status_code == 200


def test_the_lock_is_on_the_username_and_address_together(client: Client) -> None:
    make_user("target")
    make_user("neighbour")
    fail_five_times(client, LOGIN, "target", ip="10.0.0.1")
    # The same user from elsewhere, and another user from the same address, can still log in.
    assert attempt(Client(), LOGIN, "target", PASSWORD, ip="10.0.0.2").startswith("302 ")
    assert attempt(Client(), LOGIN, "neighbour", PASSWORD, ip="10.0.0.1").startswith("302 ")
    assert attempt(Client(), LOGIN, "target", PASSWORD, ip="10.0.0.1").startswith("429 ")


def test_four_failures_then_the_right_password_logs_in_and_resets_the_count(
    client: Client,
) -> None:
    make_user("forgetful")
    for _ in range(4):
        attempt(client, LOGIN, "forgetful", "nope")
    assert attempt(client, LOGIN, "forgetful", PASSWORD).startswith("302 ")
    # The count starts again: four more failures do not lock the account.
    for _ in range(4):
        assert attempt(Client(), LOGIN, "forgetful", "nope").startswith("200 ")
    assert attempt(Client(), LOGIN, "forgetful", PASSWORD).startswith("302 ")


def test_the_test_clients_login_still_works(client: Client) -> None:
    make_user("tester")
    assert client.login(username="tester", password=PASSWORD)
    assert not Client().login(username="tester", password="wrong")
