"""{% site_url %}: the header's links, worked out once per process, stay what {% url %} would
give when the prefix or the URL configuration change."""

import pytest
from django.template import Context, Template
from django.test import override_settings
from django.urls import NoReverseMatch, reverse, set_script_prefix

from marketplace_site.templatetags.site_urls import site_url


def render(text: str) -> str:
    return Template("{% load site_urls %}" + text).render(Context())


def test_the_links_are_the_reversed_urls() -> None:
    assert render("{% site_url 'browse' %} {% site_url 'admin:index' %}") == (
        f"{reverse('browse')} {reverse('admin:index')}"
    )


def test_a_site_served_under_a_prefix_links_under_it_after_the_plain_one_was_kept() -> None:
    assert site_url("browse") == "/plugins/"
    set_script_prefix("/market/")
    try:
        assert site_url("browse") == "/market/plugins/"
    finally:
        set_script_prefix("/")
    assert site_url("browse") == "/plugins/"


def test_another_url_configuration_is_used_when_the_setting_changes() -> None:
    with pytest.raises(NoReverseMatch):
        site_url("baseline")
    with override_settings(ROOT_URLCONF="tests.load.baseline_urls"):
        assert site_url("baseline") == "/baseline/"
    with pytest.raises(NoReverseMatch):
        site_url("baseline")
