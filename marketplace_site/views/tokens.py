"""Making and revoking API tokens from the account page (POST only, with CSRF).

A new token's secret is shown once, on the page the POST answers (never in a message: the
default message storage would put it in a cookie), with ``Cache-Control: no-store``.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_POST

from marketplace_site.forms import ApiTokenForm
from marketplace_site.models import ApiToken
from marketplace_site.web.placed_messages import at
from marketplace_site.web.tokens import InvalidTokenRequest, api_token_create, api_token_revoke

ACCOUNT_ANCHOR = "#api-tokens"
# Messages are shown in the tokens section, where the page scrolls to.
HERE = at(ACCOUNT_ANCHOR.removeprefix("#"))


def _back_to_account() -> HttpResponse:
    return redirect(reverse("account") + ACCOUNT_ANCHOR)


@login_required
@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, f"The token was not made: {error}", extra_tags=HERE)
        return _back_to_account()
    try:
        token, secret = api_token_create(user=request.user, name=form.cleaned_data["name"])
    except InvalidTokenRequest as error:
        messages.error(request, error.message, extra_tags=HERE)
        return _back_to_account()
    response = render(request, "api/apitoken_created.html", {"token": token, "secret": secret})
    add_never_cache_headers(response)
    return response


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    # Another user's token is a 404: its existence is none of the requester's business.
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    if token.is_active:
        api_token_revoke(token=token, acting_user=request.user)
        messages.success(
            request, f"Revoked the token “{token.name}”; it no longer works.", extra_tags=HERE
        )
    return _back_to_account()


urlpatterns: list[URLPattern] = [
    path("accounts/tokens/new/", token_create, name="api_token_create"),
    path("accounts/tokens/<int:pk>/revoke/", token_revoke, name="api_token_revoke"),
]
