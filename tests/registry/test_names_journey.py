"""An author meets the name rules and every error at once, in a real browser."""

import json

import pytest
from playwright.sync_api import Page, expect

from marketplace_site.actions import create_marketplace
from marketplace_site.actions import plugins as plugin_actions
from tests.factories import PASSWORD, make_manifest, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_lookalike_every_error_and_a_removed_name(page: Page) -> None:
    first = make_user("first")
    make_user("ada")
    marketplace = create_marketplace()
    marketplace.publish(make_manifest("csv-tools"), owner=first)
    marketplace.publish(make_manifest("gone"), owner=first)
    plugin_actions.remove_version(marketplace, "gone", "1.0.0", acting_user=first)

    page.goto("/plugins/gone/")
    expect(page.locator("#removed-notice")).to_contain_text("removed by its owner on")

    page.goto("/publish/")
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    broken = {
        "name": "CSV-T00LS",
        "version": "one",
        "entry_point": "result = (1 +",
        "dependencies": {"x": ">>>1", "CSV-T00LS": "*"},
    }
    page.get_by_label("…or paste the manifest JSON").fill(json.dumps(broken))
    page.get_by_role("button", name="Publish").click()
    errors = page.locator(".field-errors li")
    expect(errors).to_have_count(5)
    texts = " ".join(errors.all_inner_texts())
    assert "looks the same as the plugin 'csv-tools'" in texts
    assert "version:" in texts and "dependencies.x:" in texts
    assert "entry_point: The entry_point does not compile" in texts and "line 1" in texts
    assert "cannot depend on itself" in texts
    # The pasted manifest is still there to fix.
    expect(page.get_by_label("…or paste the manifest JSON")).to_have_value(json.dumps(broken))
