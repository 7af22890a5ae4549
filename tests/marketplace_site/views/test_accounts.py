"""Signing up, in and out: each says what happened on the page it lands on."""

from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse


def test_signing_up_welcomes_the_new_user(client: Client, db: None) -> None:
    response = client.post(
        reverse("signup"),
        {"username": "ada", "password1": "a-long-passphrase-9", "password2": "a-long-passphrase-9"},
        follow=True,
    )
    assert "Welcome, ada! Your account is ready." in response.content.decode()


def test_signing_out_says_so_on_the_page_it_lands_on(client: Client, db: None) -> None:
    user = User.objects.create_user("ada", password="a-long-passphrase-9")
    client.force_login(user)

    response = client.post(reverse("logout"), follow=True)

    page = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("home")
    assert "You are signed out." in page
    assert reverse("login") in page  # the header offers to sign in again


def test_signing_out_twice_says_nothing_the_second_time(client: Client, db: None) -> None:
    response = client.post(reverse("logout"), follow=True)
    assert "You are signed out." not in response.content.decode()
