"""The plugin page's yank forms, the yanked marks, the README and changelog, install warnings."""

import re

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from marketplace_site.marketplace import Marketplace, create_marketplace
from registry.models import PluginVersion
from tests.factories import make_moderator, make_superuser, make_user
from tests.pages import get, section, text

pytestmark = pytest.mark.django_db

README = """# CSV tools

Parses *quoted* fields. [Docs](https://example.com/docs)

<script>alert("readme")</script>

<img src=x onerror="alert('img')">

[click](javascript:alert('link'))

<div onclick="alert('block')">

raw block

</div>
"""
CHANGELOG = "* Fixes `\\r\\n`.\n\n<script>alert('changelog')</script> [x](javascript:alert(2))"


@pytest.fixture
def author() -> User:
    return make_user("author")


@pytest.fixture
def market(author: User) -> Marketplace:
    market = create_marketplace()
    market.publish(
        {"name": "csv-tools", "version": "1.0.0", "entry_point": "result = 1",
         "readme": README, "changelog": "* First release."},
        owner=author,
    )  # fmt: skip
    market.publish(
        {"name": "csv-tools", "version": "1.1.0", "entry_point": "result = 2",
         "readme": README, "changelog": CHANGELOG},
        owner=author,
    )  # fmt: skip
    return market


def page(client: Client) -> str:
    return get(client, reverse("plugin_detail", args=["csv-tools"]))


def yank_url(version: str = "1.1.0") -> str:
    return reverse("yank_version", args=["csv-tools", version])


def unyank_url(version: str = "1.1.0") -> str:
    return reverse("unyank_version", args=["csv-tools", version])


def is_yanked(version: str = "1.1.0") -> bool:
    return PluginVersion.objects.get(version=version).yanked


def test_readme_and_changelog_are_rendered_without_any_script(
    client: Client, market: Marketplace
) -> None:
    html = page(client)
    readme = section(html, "readme")
    assert "<h3>CSV tools</h3>" in readme and "<em>quoted</em>" in readme
    assert '<a href="https://example.com/docs" rel="nofollow noopener">Docs</a>' in readme
    versions = section(html, "versions")
    assert "<code>\\r\\n</code>" in versions and "First release." in versions
    # What the author wrote, as rendered: the README and each changelog (the versions table
    # itself sits in the site's own scrolling <div>).
    changelogs = "".join(re.findall(r'<details class="changelog">.*?</details>', versions, re.S))
    assert "First release." in changelogs
    for part in (readme, changelogs):
        assert "<script" not in part and "<img" not in part and "<div" not in part
        assert not re.search(r"<[^>]+\son\w+=", part)  # no event handler attribute
        assert "javascript:" not in re.sub(r"<[^>]*>", "", part) or 'href="javascript' not in part
        assert 'href="javascript' not in part.lower()
    # The raw HTML is shown as text, so the reader sees what the author wrote.
    assert "&lt;script&gt;alert(" in readme and "&lt;/script&gt;" in readme


def test_the_owner_yanks_with_a_reason_and_unyanks(
    client: Client, market: Marketplace, author: User
) -> None:
    client.force_login(author)
    html = page(client)
    assert f'action="{yank_url()}"' in html
    response = client.post(yank_url(), {"reason": "Loses the last row"})
    assert response.status_code == 302
    assert response["Location"].endswith("/plugins/csv-tools/#versions")
    html = page(client)
    versions = html.split('<section id="versions">', 1)[1].split("</section>", 1)[0]
    assert "Yanked csv-tools 1.1.0" in versions  # the message where the page lands
    row = re.search(r'<tr id="version-1.1.0" class="yanked">.*?</tr>', html, re.S)
    assert row and "yanked" in text(row.group(0)) and "Loses the last row" in row.group(0)
    assert f'action="{unyank_url()}"' in html
    # The page now shows 1.0.0 by default; 1.1.0's own page says it is yanked and why.
    assert "csv-tools 1.0.0" in text(re.search(r"<title>.*?</title>", html).group(0))  # type: ignore[union-attr]
    selected = get(client, reverse("plugin_detail", args=["csv-tools"]) + "?version=1.1.0")
    assert 'id="yanked-notice"' in selected and "Loses the last row" in selected
    assert client.post(unyank_url()).status_code == 302
    assert not is_yanked()
    assert 'id="yanked-notice"' not in get(
        client, reverse("plugin_detail", args=["csv-tools"]) + "?version=1.1.0"
    )


def test_a_reason_too_long_is_shown_next_to_its_field(
    client: Client, market: Marketplace, author: User
) -> None:
    client.force_login(author)
    response = client.post(yank_url(), {"reason": "x" * 501})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="yank-errors"' in html and "at most 500 characters" in html
    assert not is_yanked()


@pytest.mark.parametrize("who", ["other", "moderator", "superuser"])
def test_nobody_but_the_owner_may_yank_or_unyank(
    client: Client, market: Marketplace, who: str
) -> None:
    user = {"other": make_user, "moderator": make_moderator, "superuser": make_superuser}[who](who)
    client.force_login(user)
    assert 'action="' + yank_url() + '"' not in page(client)
    assert client.post(yank_url(), {"reason": "mine now"}).status_code == 403
    assert not is_yanked()
    market.yank("csv-tools", "1.1.0")
    assert client.post(unyank_url()).status_code == 403
    assert is_yanked()


def test_a_visitor_is_sent_to_sign_in_and_nothing_changes(
    client: Client, market: Marketplace
) -> None:
    assert "Yank" not in section(page(client), "versions")
    response = client.post(yank_url(), {"reason": "r"})
    assert response.status_code == 302 and "/login" in response["Location"]
    assert not is_yanked()


def test_yank_is_post_only(client: Client, market: Marketplace, author: User) -> None:
    client.force_login(author)
    assert client.get(yank_url()).status_code == 405
    assert client.get(unyank_url()).status_code == 405
    assert not is_yanked()


def test_unknown_version_is_a_404(client: Client, market: Marketplace, author: User) -> None:
    client.force_login(author)
    assert client.post(yank_url("9.9.9")).status_code == 404


def test_the_install_page_warns_about_a_pinned_yanked_version(
    client: Client, market: Marketplace, author: User
) -> None:
    market.yank("csv-tools", "1.1.0", reason="Loses the last row")
    data = {"source": "published", "name": "csv-tools", "version": "1.1.0", "context": "{}"}
    html = client.post(reverse("install"), {**data, "action": "plan"}).content.decode()
    warning = re.search(
        r'<article class="notice-warn" id="yanked-warning">.*?</article>', html, re.S
    )
    assert warning and "csv-tools 1.1.0" in text(warning.group(0))
    assert "Loses the last row" in warning.group(0)
    client.force_login(author)
    html = client.post(reverse("install"), {**data, "action": "install"}).content.decode()
    assert 'id="yanked-warning"' in html and 'id="result"' in html
    # The latest (not yanked) gives no warning.
    html = client.post(
        reverse("install"), {**data, "version": "", "action": "plan"}
    ).content.decode()
    assert 'id="plan"' in html and 'id="yanked-warning"' not in html


def test_an_installation_page_marks_a_pinned_version_yanked(
    client: Client, market: Marketplace
) -> None:
    user = make_user("installer")
    installation = market.install("csv-tools", user=user)
    market.yank("csv-tools", "1.1.0", reason="Loses the last row")
    client.force_login(user)
    html = get(client, reverse("installation_detail", args=[installation.id]))
    lock = section(html, "lock")
    assert "yanked" in text(lock) and "Loses the last row" in lock
    assert "no longer published" not in text(lock)


def test_installing_a_yanked_version_for_oneself_warns(client: Client, market: Marketplace) -> None:
    market.yank("csv-tools", "1.1.0", reason="Loses the last row")
    client.force_login(make_user("installer"))
    response = client.post(
        reverse("installation_create"), {"name": "csv-tools", "version": "1.1.0"}, follow=True
    )
    page = text(response.content.decode())
    assert "Installed csv-tools 1.1.0." in page
    assert "csv-tools 1.1.0 is yanked by its owner: Loses the last row" in page
    response = client.post(
        reverse("installation_create"), {"name": "csv-tools", "version": "1.0.0"}, follow=True
    )
    assert "is yanked" not in text(response.content.decode())
