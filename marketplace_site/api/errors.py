"""Every API error is JSON ``{"error": code, "detail": ...}`` with the right status.

``install_error_handlers`` replaces django-ninja's defaults (validation 422, plain 404,
``{"detail": ...}`` for auth) so that clients, and the OpenAPI schema, see one shape.
"""

import logging
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core import signals
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

from marketplace_site.types import (
    CircularDependencyError,
    DuplicateVersion,
    InvalidManifest,
    MarketplaceError,
    PluginNotFound,
    ResolutionError,
)
from marketplace_site.web.ratelimit import RateLimited
from registry.services import NotPluginOwner
from reviews.services import InvalidReview, NotAllowed, ReviewNotFound

logger = logging.getLogger(__name__)

# ninja's handler type is generic over the exception class; each handler here takes its own.
Handler = Callable[[HttpRequest, Any], HttpResponse]

# The name every operation gives its body parameter; left out of field names in errors.
BODY_PARAM = "payload"

STATUS_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    422: "unprocessable",
    429: "too_many_requests",
    500: "server_error",
}


class ErrorOut(Schema):
    """An error: a machine-readable code and a message (or field -> message) for people."""

    error: str
    detail: str | dict[str, str]
    cycle: list[str] | None = None


class ApiError(Exception):
    """An error the API answers with directly."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: str | dict[str, str],
        *,
        cycle: list[str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.status = status
        self.code = code
        self.detail = detail
        self.cycle = cycle
        self.headers = headers or {}
        super().__init__(detail if isinstance(detail, str) else code)


def error_responses(*statuses: int) -> dict[int, type[ErrorOut]]:
    """``response=`` entries documenting the given error statuses."""
    return dict.fromkeys(statuses, ErrorOut)


def error_response(
    api: NinjaAPI,
    request: HttpRequest,
    status: int,
    code: str,
    detail: str | dict[str, str],
    *,
    cycle: list[str] | None = None,
    headers: dict[str, str] | None = None,
) -> HttpResponse:
    body = ErrorOut(error=code, detail=detail, cycle=cycle).model_dump()
    response = api.create_response(request, body, status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="api"'
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def marketplace_error_to_api(error: MarketplaceError) -> ApiError:
    """The status and body for an error a service raised."""
    if isinstance(error, InvalidManifest):
        return ApiError(400, error.code, error.errors or {"__all__": error.message})
    if isinstance(error, DuplicateVersion):
        return ApiError(409, error.code, error.message)
    if isinstance(error, PluginNotFound):
        return ApiError(404, error.code, error.message)
    if isinstance(error, ReviewNotFound):
        return ApiError(404, ReviewNotFound.code, error.message)
    if isinstance(error, NotPluginOwner):
        return ApiError(403, error.code, error.message)
    if isinstance(error, NotAllowed):
        return ApiError(403, NotAllowed.code, error.message)
    if isinstance(error, ResolutionError):
        return ApiError(422, error.code, error.explanation)
    if isinstance(error, CircularDependencyError):
        return ApiError(422, error.code, error.message, cycle=error.cycle)
    if isinstance(error, InvalidReview):
        return ApiError(400, "invalid_review", {error.field: error.message})
    return ApiError(400, error.code, error.message)


def _field(loc: Iterable[Any]) -> str:
    parts = [str(part) for part in loc]
    # Drop the parameter source ("body", "query", "path") and ninja's wrapper names.
    if parts and parts[0] in {"body", "query", "path", "header", "cookie", "form"}:
        parts = parts[1:]
    if parts and parts[0] == BODY_PARAM:
        parts = parts[1:]
    return ".".join(parts) or "__all__"


def validation_detail(errors: list[dict[str, Any]]) -> dict[str, str]:
    """Pydantic's error list as field -> message (the first message per field)."""
    detail: dict[str, str] = {}
    for item in errors:
        key = _field(item.get("loc", ()))
        message = str(item.get("msg", "Invalid value."))
        detail.setdefault(key, message)
    return detail or {"__all__": "Invalid input."}


def install_error_handlers(api: NinjaAPI) -> None:
    def on_api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
        return error_response(
            api, request, exc.status, exc.code, exc.detail, cycle=exc.cycle, headers=exc.headers
        )

    def on_marketplace_error(request: HttpRequest, exc: MarketplaceError) -> HttpResponse:
        return on_api_error(request, marketplace_error_to_api(exc))

    def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return error_response(api, request, 400, "invalid_input", validation_detail(exc.errors))

    def on_authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return error_response(
            api,
            request,
            401,
            "not_authenticated",
            "Send an API token from your account page as 'Authorization: Bearer <token>'.",
        )

    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        # The body parser's own errors arrive wrapped in ninja's "Cannot parse request body".
        if isinstance(exc.__cause__, ApiError):
            return on_api_error(request, exc.__cause__)
        status = exc.status_code
        return error_response(api, request, status, STATUS_CODES.get(status, "error"), str(exc))

    def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return error_response(api, request, 404, "not_found", str(exc) or "Not found.")

    def on_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        return on_api_error(request, body_too_large())

    def on_rate_limited(request: HttpRequest, exc: RateLimited) -> HttpResponse:
        return on_api_error(request, rate_limited_error(exc))

    def on_exception(request: HttpRequest, exc: Exception) -> HttpResponse:
        # Log it, and tell Django (the test client re-raises it), but answer in JSON.
        logger.error("API error on %s", request.path, exc_info=exc)
        signals.got_request_exception.send(sender=None, request=request)
        return error_response(
            api, request, 500, "server_error", "Something went wrong on our side."
        )

    handlers: list[tuple[type[Exception], Handler]] = [
        (ApiError, on_api_error),
        (MarketplaceError, on_marketplace_error),
        (ValidationError, on_validation_error),
        (AuthenticationError, on_authentication_error),
        (HttpError, on_http_error),
        (Http404, on_not_found),
        (RequestDataTooBig, on_too_big),
        (RateLimited, on_rate_limited),
        (Exception, on_exception),
    ]
    for exc_class, handler in handlers:
        api.add_exception_handler(exc_class, handler)


def rate_limited_error(error: RateLimited) -> ApiError:
    """429 with ``Retry-After``: the user made too many requests of one kind."""
    return ApiError(
        429, "rate_limited", error.message, headers={"Retry-After": str(error.retry_after)}
    )


def body_too_large() -> ApiError:
    limit_kib = settings.MANIFEST_MAX_BYTES // 1024
    return ApiError(413, "too_large", f"The request body is larger than {limit_kib} KiB.")
