"""Reading rendered pages in tests: a page's HTML, one of its sections, its visible text."""

import re
from html import unescape

from django.test import Client


def get(client: Client, url: str) -> str:
    """The HTML of ``url``, which must answer 200."""
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def section(html: str, section_id: str) -> str:
    """The text of the <section id=...> element, tags kept."""
    match = re.search(rf'<section id="{section_id}".*?</section>', html, re.S)
    assert match, f"no section {section_id}"
    return match.group(0)


def text(html: str) -> str:
    """What a reader sees: tags dropped, entities decoded, white space folded."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())
