import re

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.filter
def highlight(text: str, words: list[str]) -> SafeString:
    """Wrap the words (and words they are a prefix of) in <mark>, escaping everything else."""
    text = str(text or "")
    if not words:
        return escape(text)
    pattern = re.compile(
        r"\b(" + "|".join(re.escape(w) for w in words) + r")\w*", re.IGNORECASE | re.UNICODE
    )
    pieces: list[str] = []
    position = 0
    for match in pattern.finditer(text):
        pieces.append(escape(text[position : match.start()]))
        pieces.append(f"<mark>{escape(match.group(0))}</mark>")
        position = match.end()
    pieces.append(escape(text[position:]))
    # Every piece of user text above went through escape(); only our <mark> tags are raw.
    return mark_safe("".join(pieces))  # noqa: S308
