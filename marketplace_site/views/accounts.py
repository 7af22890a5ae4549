"""Accounts: sign up, log in and out, and the account page (its plugins, reviews, tokens)."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path

from marketplace_site import sections
from marketplace_site.forms import SignUpForm
from registry.models import HeldVersion, Plugin

HELD_SHOWN = 20  # the author's latest held publishes listed on the account page


def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, f"Welcome, {user.username}! Your account is ready.")
        return redirect("home")
    return render(request, "registration/signup.html", {"form": form})


class LogoutView(auth_views.LogoutView):
    """Django's logout, which then says so on the page it lands on."""

    def post(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        was_signed_in = request.user.is_authenticated
        response = super().post(request, *args, **kwargs)
        if was_signed_in:
            messages.info(request, "You are signed out.")
        return response


@login_required
def account(request: HttpRequest) -> HttpResponse:
    plugins = Plugin.objects.with_latest().filter(owner_id=request.user.pk).by_name()
    held = HeldVersion.objects.filter(owner_id=request.user.pk).order_by("-created_at")
    context = {
        "plugins": plugins,
        "reserved": Plugin.objects.reserved().filter(owner_id=request.user.pk).by_name(),
        "held": held[:HELD_SHOWN],
        **sections.account_page(request),
    }
    return render(request, "registration/account.html", context)


urlpatterns: list[URLPattern] = [
    path("accounts/", account, name="account"),
    path("accounts/signup/", signup, name="signup"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", LogoutView.as_view(), name="logout"),
]
