"""Authors' Markdown as HTML: formatting kept, every kind of script injection removed."""

import re
from html import unescape

import pytest

from registry.rendering import render_markdown, sanitize


def test_markdown_formatting_is_kept() -> None:
    html = render_markdown(
        "# Title\n\nSome *emphasis*, `code` and ~~gone~~.\n\n"
        "| a | b |\n|:--|--:|\n| 1 | 2 |\n\n```python\nprint(1)\n```\n"
    )
    assert "<h3>Title</h3>" in html
    assert "<em>emphasis</em>" in html and "<code>code</code>" in html
    assert "<s>gone</s>" in html
    assert '<th style="text-align:left">a</th>' in html
    assert '<code class="language-python">print(1)\n</code>' in html


def test_links_get_nofollow_noopener() -> None:
    html = render_markdown("[home](https://example.com/a?b=1&c=2) <mailto:me@example.com>")
    assert '<a href="https://example.com/a?b=1&amp;c=2" rel="nofollow noopener">home</a>' in html
    assert 'href="mailto:me@example.com" rel="nofollow noopener"' in html


def test_blank_text_renders_nothing() -> None:
    assert render_markdown("  \n\n ") == ""


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        "text <script>alert(1)</script> inline",
        "<img src=x onerror=alert(1)>",
        '<a href="javascript:alert(1)">x</a>',
        "<div onclick=alert(1)>\n\n*raw block*\n\n</div>",
        "<iframe src=https://evil.example></iframe>",
        "<style>body{display:none}</style>",
        "<!-- comment --><svg onload=alert(1)>",
    ],
)
def test_raw_html_never_passes_through(source: str) -> None:
    html = render_markdown(source)
    for tag in ("<script", "<img", "<div", "<iframe", "<style", "<svg", "<a "):
        assert tag not in html.lower()
    assert "onerror=" not in html or "&lt;" in html  # only as escaped text


@pytest.mark.parametrize(
    "source",
    [
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](  javascript:alert(1))",
        "[x](vbscript:msgbox(1))",
        "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "[x](java&#x09;script:alert(1))",
        "<javascript:alert(1)>",
        "![x](javascript:alert(1))",
        "[x]: javascript:alert(1)\n\n[y][x]",
    ],
)
def test_script_links_are_not_links(source: str) -> None:
    html = render_markdown(source)
    for href in re.findall(r'href="([^"]*)"', html):
        # What a browser's URL parser sees: entities decoded, tabs and newlines dropped.
        seen = re.sub(r"[\t\n\r]", "", unescape(href)).strip().lower()
        scheme = re.match(r"[a-z][a-z0-9+.-]*:", seen)  # else a relative address
        assert scheme is None or scheme.group(0) in {"http:", "https:", "mailto:"}, html


def test_images_become_links() -> None:
    html = render_markdown('![a chart](https://example.com/c.png "t")')
    assert "<img" not in html
    assert '<a href="https://example.com/c.png" rel="nofollow noopener">a chart</a>' in html


def test_sanitize_removes_what_the_renderer_could_never_make() -> None:
    dirty = (
        '<p onclick="x()" style="color:red">hi<script>bad()</script></p>'
        '<td style="position:fixed;text-align:right">'
    )
    clean = sanitize(dirty)
    assert "onclick" not in clean and "script" not in clean and "color" not in clean
    assert "position" not in clean


def test_headings_sit_below_the_page_s_own() -> None:
    html = render_markdown("# One\n\n## Two\n\n#### Four\n\n###### Six")
    assert "<h3>One</h3>" in html and "<h4>Two</h4>" in html
    assert "<h6>Four</h6>" in html and "<h6>Six</h6>" in html
    assert "<h1" not in html and "<h2" not in html
