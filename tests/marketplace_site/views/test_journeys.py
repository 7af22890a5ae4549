"""The three users' journeys, each in its own browser context, against the live server."""

import json
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from marketplace_site.marketplace import create_marketplace

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def publish_through_the_form(page: Page, manifest: dict[str, Any]) -> None:
    page.goto("/publish/")
    page.get_by_label("…or paste the manifest JSON").fill(json.dumps(manifest))
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text(f"Published {manifest['name']} {manifest['version']}.")).to_be_visible()


def test_a_developer_publishes_installs_and_reads_a_conflict(page) -> None:  # type: ignore[no-untyped-def]
    market = create_marketplace()
    market.publish({"name": "base-lib", "version": "1.0.0", "entry_point": "1"})
    market.publish({"name": "base-lib", "version": "2.0.0", "entry_point": "1"})

    page.goto("/accounts/signup/")
    page.get_by_label("Username").fill("dev")
    page.get_by_label("Password", exact=True).fill("a-long-pass-phrase")
    page.get_by_label("Password confirmation").fill("a-long-pass-phrase")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_text("Welcome, dev!")).to_be_visible()

    publish_through_the_form(
        page,
        {
            "name": "text-core",
            "version": "1.0.0",
            "entry_point": "def shout(s):\n    return s.upper()\nresult = 'core'",
            "dependencies": {"base-lib": "<2"},
        },
    )
    publish_through_the_form(
        page,
        {
            "name": "greeter",
            "version": "1.0.0",
            "entry_point": "result = 'Hello, ' + who + '!'",
            "dependencies": {"text-core": "^1.0"},
        },
    )

    page.get_by_role("link", name="Install", exact=True).first.click()
    page.get_by_label("Plugin name").fill("greeter")
    page.get_by_label("Context (JSON object)").fill('{"who": "Ada"}')
    page.get_by_role("button", name="Install", exact=True).click()
    result = page.locator("#result")
    expect(result.get_by_role("heading", name="Installed greeter 1.0.0")).to_be_visible()
    assert result.locator(".resolved").inner_text().count("1.0.0") == 2  # text-core, base-lib
    expect(result.locator(".dep-tree").get_by_text("text-core").first).to_be_visible()
    assert "Hello, Ada!" in result.locator(".sandbox-result").inner_text()

    page.get_by_label("A new manifest").check()
    page.get_by_label("Manifest JSON").fill(
        json.dumps(
            {
                "name": "greeter-plus",
                "version": "1.0.0",
                "entry_point": "1",
                "dependencies": {"greeter": "^1", "base-lib": ">=2"},
            }
        )
    )
    page.get_by_role("button", name="Plan (dry run)").click()
    rejection = page.locator(".rejection")
    expect(rejection).to_be_visible()
    explanation = rejection.inner_text()
    assert "base-lib" in explanation and "text-core 1.0.0" in explanation
    assert market.registry.get("greeter-plus") is None


def test_a_visitor_searches_reads_reviews_and_tries_a_plugin(page) -> None:  # type: ignore[no-untyped-def]
    from tests.factories import PASSWORD, make_user

    market = create_marketplace()
    market.publish(
        {
            "name": "greeter",
            "version": "1.0.0",
            "description": "Greets whoever you name.",
            "keywords": ["greeting", "text"],
            "entry_point": "print('greeting', who)\nresult = 'Hello, ' + who + '!'",
        }
    )
    market.reviews.add_review("greeter", "grace", 5, "Polite and quick.")
    make_user("bob")

    page.goto("/")
    page.get_by_role("main").get_by_role("searchbox").fill("greet")
    page.get_by_role("main").get_by_role("button", name="Search").click()
    page.get_by_role("link", name="greeter").first.click()
    expect(page.locator("#reviews")).to_contain_text("Polite and quick.")
    expect(page.locator("#review-average")).to_have_text("5.0")

    page.locator("#sandbox").get_by_role("button", name="Try it").click()
    page.get_by_label("Username").fill("bob")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Try greeter")
    page.get_by_label("Context (JSON object)").fill('{"who": "Ada"}')
    page.get_by_role("button", name="Run").click()
    result = page.locator(".sandbox-result, .run-result, article").filter(has_text="Hello, Ada!")
    expect(result.first).to_be_visible()
    expect(page.get_by_text("greeting Ada").first).to_be_visible()  # its stdout
