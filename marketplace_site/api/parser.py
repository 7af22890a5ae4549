"""The request body parser: a size cap checked before reading, then the site's one JSON
reader (``marketplace_site.inputs``), whose refusals become JSON errors (400, 413)."""

from typing import cast

from django.conf import settings
from django.http import HttpRequest
from ninja.parser import Parser
from ninja.types import DictStrAny

from marketplace_site.api.errors import ApiError, body_too_large
from marketplace_site.inputs import JsonInputError, read_json
from marketplace_site.web.middleware import declared_length


def check_body_size(request: HttpRequest) -> None:
    """413 when the declared body is over the cap, without reading it."""
    if declared_length(request) > settings.MANIFEST_MAX_BYTES:
        raise body_too_large()


class LimitedJSONParser(Parser):
    def parse_body(self, request: HttpRequest) -> DictStrAny:
        check_body_size(request)
        try:
            return cast(DictStrAny, read_json(request.body, what="request body"))
        except JsonInputError as error:
            if error.code == "too_large":
                raise body_too_large() from error
            raise ApiError(400, error.code, error.message) from error
