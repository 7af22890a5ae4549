"""A plugin developer's first visit, in a real browser."""

import json

import pytest
from playwright.sync_api import expect

from registry.services import RegistryService
from tests.factories import PASSWORD, make_manifest, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_search_open_log_in_publish_and_fix_errors(page) -> None:  # type: ignore[no-untyped-def]
    make_user("ada")
    RegistryService().add(
        make_manifest("csv-tools", description="Parse CSV text.", keywords=["csv", "data"])
    )

    page.goto("/")
    page.get_by_role("main").get_by_role("searchbox").fill("csv")
    page.get_by_role("main").get_by_role("button", name="Search").click()
    expect(page.get_by_text("1 plugin match")).to_be_visible()
    page.get_by_role("link", name="csv-tools").first.click()
    assert page.get_by_role("heading", level=1).inner_text().startswith("csv-tools")

    page.get_by_role("link", name="Publish").click()
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Publish a plugin")).to_be_visible()

    manifest = {
        "name": "yaml-lite",
        "version": "0.1.0",
        "description": "Read flat key: value configuration.",
        "keywords": ["yaml", "config"],
        "entry_point": "result = 1",
    }
    page.get_by_label("…or paste the manifest JSON").fill(json.dumps(manifest))
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text("Published yaml-lite 0.1.0.")).to_be_visible()

    page.get_by_role("banner").get_by_role("searchbox").fill("configuration")
    page.get_by_role("banner").get_by_role("button", name="Search").click()
    expect(page.get_by_role("link", name="yaml-lite")).to_be_visible()

    page.get_by_role("link", name="Publish").click()
    broken = {"name": "bad name!", "version": "one", "entry_point": ""}
    page.get_by_label("…or paste the manifest JSON").fill(json.dumps(broken))
    page.get_by_role("button", name="Publish").click()
    errors = page.locator(".field-errors li")
    expect(errors).to_have_count(3)
    texts = " ".join(errors.all_inner_texts())
    assert "name:" in texts and "version:" in texts and "entry_point:" in texts
    assert RegistryService().get("bad-name") is None
