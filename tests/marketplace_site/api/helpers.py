"""Checks shared by the API tests."""

from typing import Any

from marketplace_site.api.errors import ErrorOut


def assert_error(response: Any, status: int, code: str | None = None) -> ErrorOut:
    """The response is the API's JSON error shape with this status (and code)."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    error = ErrorOut.model_validate(response.json())
    assert set(response.json()) <= {"error", "detail", "cycle", "errors"}
    # What does not apply is left out, not sent as null.
    assert all(value is not None for value in response.json().values()), response.json()
    if "errors" in response.json():  # a manifest's errors, by field, as in the detail
        assert response.json()["errors"] == error.detail
    if code is not None:
        assert error.error == code, response.json()
    return error
