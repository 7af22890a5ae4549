"""Login throttling: django-axes' check, first in ``AUTHENTICATION_BACKENDS``."""

import math
from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_client_username, get_cool_off, get_failure_limit
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


class LoginThrottleBackend(AxesStandaloneBackend):  # type: ignore[misc]  # axes has no types
    """Refuses a login from a locked-out username and address (``AXES_*`` settings).

    Every login over HTTP (the site's login page, the admin's) passes its request to
    ``authenticate()``, and is checked. A call without a request is not an HTTP login (the
    test client's ``login()``, a shell): there is no client address to count against, so this
    backend steps aside instead of raising as axes' own backend does, and the next backend
    decides. The handler's own ``user_login_failed`` ignores such calls in the same way.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        # Axes' check answers None when the login may go on, and raises when it is locked out.
        super().authenticate(request, username, password, **kwargs)
        return None


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict[str, Any] | None
) -> HttpResponse:
    """The page a locked-out login gets (429), in the site's layout, the admin's login too."""
    cooloff = get_cool_off(request)
    minutes = math.ceil(cooloff.total_seconds() / 60) if cooloff else None
    context = {
        "failure_limit": get_failure_limit(request, credentials),
        "username": get_client_username(request, credentials) or "",
        "cooloff_minutes": minutes,
    }
    response = render(request, "registration/lockout.html", context, status=429)
    if cooloff:
        response["Retry-After"] = str(math.ceil(cooloff.total_seconds()))
    return response
