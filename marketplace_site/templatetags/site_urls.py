"""``{% site_url "name" %}``: ``{% url "name" %}`` for a URL without arguments, reversed once
per process (and URL prefix and URL configuration) instead of on every page; and
``{% site_static "path" %}``: ``{% static "path" %}``, looked up once per process.

Every page's header and footer name about a dozen such URLs and four static files; working
them out made up about a tenth of a signed-in plugin page's time (cProfile). A URL without
arguments depends only on the URL configuration and the script prefix, both part of the
key, and a static file's URL only on the settings and the manifest the storage read when it
started, so a kept answer is always the one ``reverse`` or ``static`` would give.
"""

import functools

from django import template
from django.conf import settings
from django.core.signals import setting_changed
from django.templatetags.static import static
from django.urls import get_script_prefix, get_urlconf, reverse

register = template.Library()


@functools.lru_cache(maxsize=256)
def _reversed(prefix: str, urlconf: str, name: str) -> str:
    # ``prefix`` is part of the key only: reverse() reads the same prefix itself.
    return reverse(name, urlconf=urlconf)


@register.simple_tag
def site_url(name: str) -> str:
    """The path of the URL named ``name`` (which takes no arguments); NoReverseMatch as
    ``{% url %}`` when there is none."""
    urlconf = get_urlconf() or settings.ROOT_URLCONF
    return _reversed(get_script_prefix(), str(urlconf), name)


@functools.lru_cache(maxsize=256)
def _static(path: str) -> str:
    return static(path)


@register.simple_tag
def site_static(path: str) -> str:
    """The URL of the static file ``path`` (its hashed name in production)."""
    return _static(path)


def _forget(*, setting: str, **kwargs: object) -> None:
    # Tests that swap the URL configuration or the static files' settings.
    if setting == "ROOT_URLCONF":
        _reversed.cache_clear()
    if setting in {"STATIC_URL", "STORAGES", "STATICFILES_STORAGE"}:
        _static.cache_clear()


setting_changed.connect(_forget)
