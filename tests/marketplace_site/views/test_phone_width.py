"""Every page at a phone's width (390 x 844 CSS px) in a real Chromium, as a visitor and signed
in: the document is never wider than the screen, wide tables scroll inside their own box,
and every box of the demo's dependency graph can be reached."""

import io
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from marketplace_site import demo_data
from marketplace_site.marketplace import create_marketplace
from marketplace_site.web.tokens import api_token_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
PAGES = [
    "/",
    "/search/",
    "/search/?q=chart",
    "/plugins/",
    "/plugins/?sort=updated",
    "/plugins/dashboard-kit/",
    "/plugins/dashboard-kit/graph/",
    "/install/?name=dashboard-kit",
    "/plugins/dashboard-kit/try/",
    "/resolver/",
    "/resolver/dashboard-kit/",
    "/users/bob/reviews/",
    "/accounts/",
    "/installations/",
    "/installations/{installation}/",
    "/publish/",
    "/accounts/login/",
    "/accounts/signup/",
    "/api/v1/docs",
    "/no-such-page/",
]
WIDER_THAN_THE_SCREEN = """() => {
  const width = document.documentElement.scrollWidth;
  return width > window.innerWidth ? width : 0;
}"""


@pytest.fixture
def demo() -> dict[str, Any]:
    """The demo catalogue, with a token and an installation for ada, so that the account and
    installation pages have their tables."""
    call_command("seed_demo", stdout=io.StringIO())
    ada = User.objects.get(username="ada")
    api_token_create(user=ada, name="a token with a rather long name for a narrow screen")
    installation = create_marketplace().install("dashboard-kit", user=ada)
    return {"installation": installation.id}


@pytest.fixture
def phone(browser: Any, live_server: Any) -> Iterator[Any]:
    context = browser.new_context(base_url=live_server.url, viewport=PHONE)
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def sign_in(page: Any, username: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", demo_data.DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/")


@pytest.mark.parametrize("signed_in", [False, True], ids=["visitor", "signed-in"])
def test_no_page_is_wider_than_a_phone(phone: Any, demo: dict[str, Any], signed_in: bool) -> None:
    if signed_in:
        sign_in(phone, "ada")
    too_wide = {}
    for template in PAGES:
        url = template.format(**demo)
        phone.goto(url)
        phone.wait_for_load_state("load")
        assert phone.evaluate("window.innerWidth") == PHONE["width"]
        width = phone.evaluate(WIDER_THAN_THE_SCREEN)
        if width:
            too_wide[url] = width
    assert too_wide == {}


def test_the_header_keeps_every_link_on_screen(phone: Any, demo: dict[str, Any]) -> None:
    from playwright.sync_api import expect

    phone.goto("/")
    for name in ("Browse", "Publish", "Install", "Log in", "Sign up"):
        link = phone.locator("header a").filter(has_text=re.compile(f"^{name}$"))
        expect(link).to_be_in_viewport(ratio=1)


def test_the_tokens_table_scrolls_in_its_box_to_the_revoke_button(
    phone: Any, demo: dict[str, Any]
) -> None:
    from playwright.sync_api import expect

    sign_in(phone, "ada")
    phone.goto("/accounts/#api-tokens")
    revoke = phone.locator("#api-tokens").get_by_role("button", name="Revoke")
    revoke.scroll_into_view_if_needed()
    expect(revoke).to_be_in_viewport(ratio=1)
    assert phone.evaluate(WIDER_THAN_THE_SCREEN) == 0


REACH_EVERY_BOX = """async () => {
  const pan = document.querySelector('#depgraph-pan');
  const picture = pan.querySelector('object');
  const boxes = [...picture.contentDocument.querySelectorAll('g.node')];
  const unreachable = [];
  for (const box of boxes) {
    box.scrollIntoView({block: 'center', inline: 'center'});
    await new Promise(done => requestAnimationFrame(done));
    const frame = picture.getBoundingClientRect(), rect = box.getBoundingClientRect();
    const seen = pan.getBoundingClientRect();
    const left = frame.left + rect.left, right = frame.left + rect.right;
    if (left < Math.max(seen.left, 0) - 1 || right > Math.min(seen.right, window.innerWidth) + 1) {
      unreachable.push(box.querySelector('title').textContent);
    }
  }
  return {boxes: boxes.length, unreachable: unreachable};
}"""


def test_every_box_of_the_dashboard_graph_can_be_reached(phone: Any, demo: dict[str, Any]) -> None:
    phone.goto("/plugins/dashboard-kit/graph/")
    phone.wait_for_function(
        "() => { const o = document.querySelector('#depgraph-pan object');"
        " return o && o.contentDocument && o.contentDocument.querySelector('g.node'); }"
    )
    names = phone.locator("#graph-plugins li").count()
    reach = phone.evaluate(REACH_EVERY_BOX)
    assert reach["boxes"] == names >= 8
    assert reach["unreachable"] == []
