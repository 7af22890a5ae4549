"""The JSON API at ``/api/v1/``, built with django-ninja.

django-ninja was chosen over Django REST framework because it derives both request validation
and the OpenAPI schema from type hints (pydantic models), so the served schema cannot drift from
what the views accept and return; it is small (no serializer/viewset layer on top of the
services) and fast (pydantic-core validation). Mount it with ``path("api/v1/", api.urls)``.
"""

from marketplace_site.api.main import api

__all__ = ["api"]
