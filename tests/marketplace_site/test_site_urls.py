"""{% site_url %} and {% site_static %}: the header's links and style sheets, worked out once per
process, stay what {% url %} and {% static %} would give when the prefix or settings change."""

import pytest
from django.template import Context, Template
from django.test import override_settings
from django.urls import NoReverseMatch, reverse, set_script_prefix

from marketplace_site.templatetags.site_urls import site_static, site_url


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


def test_a_static_file_follows_a_changed_static_url() -> None:
    assert site_static("css/site.css").startswith("/static/css/site")
    with override_settings(STATIC_URL="/assets/"):
        assert site_static("css/site.css").startswith("/assets/css/site")
    assert site_static("css/site.css").startswith("/static/css/site")
