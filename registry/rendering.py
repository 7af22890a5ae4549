"""Authors' Markdown (a README, a changelog entry) as HTML that is safe to put in a page.

Two well-kept libraries, each doing one job: markdown-it-py (CommonMark, with raw HTML turned
off, so ``<script>`` in the source is text) parses and renders; nh3 (Rust's ammonia) then keeps
only the tags, attributes and URL schemes of ``ALLOWED_*`` below, whatever the renderer made,
and gives every link ``rel="nofollow noopener"`` (an author's links earn no ranking from us,
and a new tab gets no handle on this page).

Headings move two levels down (``#`` is ``<h3>``): the Markdown always sits under a section
heading of the page, and a page has one ``<h1>``, its own.

Images become links to the image: the site's Content-Security-Policy loads images from the site
alone, and a remote image in a README would tell its host who reads the page.
"""

from collections.abc import Sequence

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.renderer import RendererHTML
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

ALLOWED_TAGS = frozenset(
    {
        "a", "blockquote", "br", "code", "del", "em", "h3", "h4", "h5", "h6",
        "hr", "li", "ol", "p", "pre", "s", "strong", "table", "tbody", "td", "th", "thead", "tr",
        "ul",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "code": {"class"},  # "language-python" from a fenced block's info string
    "ol": {"start"},
    "td": {"style"},  # a table column's alignment: text-align only (see ALLOWED_STYLES)
    "th": {"style"},
}
ALLOWED_STYLES = {"td": {"text-align"}, "th": {"text-align"}}
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow noopener"


def _image_as_link(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    token = tokens[idx]
    alt = self.renderInlineAsText(token.children or [], options, env) or "image"
    href = escapeHtml(str(token.attrGet("src") or ""))
    return f'<a href="{href}">{escapeHtml(alt)}</a>'


HEADING_SHIFT = 2


def _shift_headings(state: StateCore) -> None:
    for token in state.tokens:
        if token.type in ("heading_open", "heading_close"):
            level = min(int(token.tag[1]) + HEADING_SHIFT, 6)
            token.tag = f"h{level}"


def _parser() -> MarkdownIt:
    parser = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    parser.enable(["table", "strikethrough"])
    parser.add_render_rule("image", _image_as_link)
    parser.core.ruler.push("shift_headings", _shift_headings)
    return parser


_MARKDOWN = _parser()


def render_markdown(text: str) -> str:
    """The HTML of ``text`` (CommonMark, tables, strikethrough), sanitized; "" for blank text.

    Raw HTML in the source never reaches the page: markdown-it escapes it, and nh3 removes
    anything outside the allow-lists, ``javascript:`` and ``data:`` links included.
    """
    if not text.strip():
        return ""
    html = _MARKDOWN.render(text)
    return sanitize(html)


def sanitize(html: str) -> str:
    """``html`` with only the allowed tags, attributes and URL schemes left."""
    cleaned: str = nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes=_attributes(),
        url_schemes=set(ALLOWED_URL_SCHEMES),
        link_rel=LINK_REL,
        filter_style_properties=set().union(*ALLOWED_STYLES.values()),
        strip_comments=True,
    )
    return cleaned


def _attributes() -> dict[str, set[str]]:
    return {tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()}
