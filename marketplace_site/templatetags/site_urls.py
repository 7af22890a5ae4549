"""``{% site_url "name" %}``: ``{% url "name" %}`` for a URL without arguments, reversed once
per process (and URL prefix and URL configuration) instead of on every page.

Every page's header and footer name about a dozen such URLs; reversing them made up about a
tenth of a signed-in plugin page's time (tests/benchmarks/bench_pages.py --profile). A URL
without arguments depends only on the URL configuration and the script prefix, both part
of the key, so a kept answer is always the one ``reverse`` would give.
"""

import functools

from django import template
from django.conf import settings
from django.core.signals import setting_changed
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


def _forget(*, setting: str, **kwargs: object) -> None:
    if setting == "ROOT_URLCONF":  # tests that swap the URL configuration
        _reversed.cache_clear()


setting_changed.connect(_forget)
