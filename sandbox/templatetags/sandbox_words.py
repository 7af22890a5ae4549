"""Plain words for a run's result on the pages."""

import re

from django import template

from sandbox.zygote.protocol import out_of_memory

register = template.Library()

# The error a run gets when it hits its memory limit, whichever way it was caught
# (``out_of_memory``): the limit is the number in it.
_OUT_OF_MEMORY = re.compile(re.escape(out_of_memory(0)).replace("0", r"(\d+)", 1) + "$")


@register.filter
def out_of_memory_words(error: str | None) -> str:
    """ "Out of memory: the run reached its 128 MB limit" for a run stopped by its memory limit;
    "" for any other error (a ``MemoryError`` the code raised with its own message included)."""
    match = _OUT_OF_MEMORY.match(error or "")
    if match is None:
        return ""
    return f"Out of memory: the run reached its {match.group(1)} MB limit"
