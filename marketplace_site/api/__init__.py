"""The JSON API at ``/api/v1/``, built with django-ninja.

django-ninja was chosen over Django REST framework because it derives both request validation
and the OpenAPI schema from type hints (pydantic models), so the served schema cannot drift from
what the views accept and return; it is small (no serializer/viewset layer on top of the
services) and fast (pydantic-core validation). ``marketplace_site.api.main.api`` is mounted
at ``/api/v1/``; each resource (plugins, reviews, install) is a router module of its own.
"""
