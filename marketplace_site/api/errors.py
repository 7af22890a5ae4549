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
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

from marketplace_site.types import InvalidManifest, MarketplaceError

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
    503: "unavailable",
}


class ErrorOut(Schema):
    """An error: a machine-readable code and a message (or field -> message) for people."""

    error: str
    detail: str | dict[str, str]
    cycle: list[str] | None = None
    errors: dict[str, str] | None = Field(
        None, description="A manifest's problems, every one at once: field -> message."
    )


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
        errors: dict[str, str] | None = None,
    ) -> None:
        self.status = status
        self.code = code
        self.detail = detail
        self.cycle = cycle
        self.headers = headers or {}
        self.errors = errors
        super().__init__(detail if isinstance(detail, str) else code)


def error_responses(*statuses: int) -> dict[int, type[ErrorOut]]:
    """``response=`` entries documenting the given error statuses."""
    return dict.fromkeys(statuses, ErrorOut)


# Every operation can answer 400 (bad parameters); these add what each kind can also answer.
READ_ERRORS = error_responses(400, 404)
WRITE_ERRORS = error_responses(400, 401, 403, 404, 413)
# Publishing, reviewing and installing count against the user's rate limits (429).
LIMITED = error_responses(429)


def error_response(
    status: int,
    code: str,
    detail: str | dict[str, str],
    *,
    cycle: list[str] | None = None,
    headers: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
) -> JsonResponse:
    """The one builder of a JSON error, for the API and for the plumbing in front of it."""
    body = ErrorOut(error=code, detail=detail, cycle=cycle, errors=errors).model_dump()
    # Keys that do not apply are left out rather than sent as null: only a dependency
    # cycle has a cycle, and only a manifest's errors have fields.
    for key in ("cycle", "errors"):
        if body[key] is None:
            del body[key]
    response = JsonResponse(body, status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="api"'
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def marketplace_error_to_api(error: MarketplaceError) -> ApiError:
    """The status, code and detail a service's or an action's error carries."""
    return ApiError(
        error.http_status,
        error.code,
        error.detail,
        cycle=getattr(error, "cycle", None),
        headers=getattr(error, "headers", None),
        errors=error.errors if isinstance(error, InvalidManifest) else None,
    )


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
            exc.status,
            exc.code,
            exc.detail,
            cycle=exc.cycle,
            headers=exc.headers,
            errors=exc.errors,
        )

    def on_marketplace_error(request: HttpRequest, exc: MarketplaceError) -> HttpResponse:
        return on_api_error(request, marketplace_error_to_api(exc))

    def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return error_response(400, "invalid_input", validation_detail(exc.errors))

    def on_authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return error_response(
            401,
            "not_authenticated",
            "Send an API token from your account page as 'Authorization: Bearer <token>'.",
        )

    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        # The body parser's own errors arrive wrapped in ninja's "Cannot parse request body".
        if isinstance(exc.__cause__, ApiError):
            return on_api_error(request, exc.__cause__)
        status = exc.status_code
        return error_response(status, STATUS_CODES.get(status, "error"), str(exc))

    def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return error_response(404, "not_found", str(exc) or "Not found.")

    def on_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        return on_api_error(request, body_too_large())

    def on_exception(request: HttpRequest, exc: Exception) -> HttpResponse:
        # Log it, and tell Django (the test client re-raises it), but answer in JSON.
        logger.error("API error on %s", request.path, exc_info=exc)
        signals.got_request_exception.send(sender=None, request=request)
        return error_response(500, "server_error", "Something went wrong on our side.")

    handlers: list[tuple[type[Exception], Handler]] = [
        (ApiError, on_api_error),
        (MarketplaceError, on_marketplace_error),
        (ValidationError, on_validation_error),
        (AuthenticationError, on_authentication_error),
        (HttpError, on_http_error),
        (Http404, on_not_found),
        (RequestDataTooBig, on_too_big),
        (Exception, on_exception),
    ]
    for exc_class, handler in handlers:
        api.add_exception_handler(exc_class, handler)


def not_found(request: HttpRequest, message: str) -> HttpResponse:
    """A 404 for an API address no operation answers, in the API's one error shape."""
    return error_response(404, "not_found", message)


def body_too_large() -> ApiError:
    limit_kib = settings.MANIFEST_MAX_BYTES // 1024
    return ApiError(413, "too_large", f"The request body is larger than {limit_kib} KiB.")
