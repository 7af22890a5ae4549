"""``{{ text|markdown }}``: an author's Markdown as sanitized HTML (``registry.rendering``)."""

from django import template
from django.utils.safestring import SafeString, mark_safe

from registry.rendering import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str) -> SafeString:
    # Safe to mark: render_markdown escapes raw HTML and nh3 keeps only its allow-lists.
    return mark_safe(render_markdown(text or ""))  # noqa: S308
