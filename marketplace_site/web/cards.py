"""Plugin cards for the browse page, written in Python.

The browse page shows 20 cards; rendering ``templates/includes/_plugin_card.html`` through the
template engine costs about 0.3 ms a card (some 25 variable lookups, an include, filters),
which is most of a page's time with 100,000 plugins. This writes the same markup, byte for
byte, with the same escaping and filters; ``tests/marketplace_site/views/test_browse_cards.py``
compares the two for cards of every kind, so a change to the template that is not made here
fails there. Search results (with highlighted words) still use the template.
"""

import functools
import html
import re
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from django.urls import reverse
from django.utils import translation
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.timesince import TIME_STRINGS, timesince

from registry.models import Plugin

# The characters of a plugin name (marketplace_site.types.manifest.NAME_PATTERN), which an
# address holds unquoted.
UNQUOTED = re.compile(r"[A-Za-z0-9._-]+")
DESCRIPTION_CHARS = 180  # the template's truncatechars:180
KEYWORDS_SHOWN = 6  # the template's slice:":6"

YANKED_BADGE = (
    ' <span class="badge badge-danger" title="Every version of this plugin is yanked">yanked</span>'
)


def _escape(text: Any) -> str:
    """``conditional_escape``: a plain ``str`` (what the database gives) is escaped by the
    standard library, as Django's escape does, without the lazy-text checks around it."""
    if type(text) is str:
        return html.escape(text)
    return str(conditional_escape(text))


def _plural(count: int) -> str:
    return "" if count == 1 else "s"  # the pluralize filter


class _Counted:
    """Stands for ``TIME_STRINGS[unit]`` in ``timesince``, which formats it with ``% {"num":
    n}``: the same text, each (language, unit, n) translated once per process. Through the
    lazy ngettext, every card's "updated ... ago" took a third of the cards' time."""

    def __init__(self, language: str | None, unit: str) -> None:
        self.language, self.unit = language, unit

    def __mod__(self, values: Mapping[str, int]) -> str:
        return _counted(self.language, self.unit, values["num"])


@functools.lru_cache(maxsize=4096)
def _counted(language: str | None, unit: str, count: int) -> str:
    with translation.override(language):
        return str(TIME_STRINGS[unit] % {"num": count})


def _time_strings() -> dict[str, Any]:
    """``timesince``'s strings in the active language, for one page's cards."""
    language = translation.get_language()
    return {unit: _Counted(language, unit) for unit in TIME_STRINGS}


def _updated(when: datetime | None, time_strings: dict[str, Any]) -> str:
    """``when|timesince``, escaped: "" for no date or one it cannot compare, as the filter."""
    if not when:
        return ""
    try:
        return _escape(timesince(when, time_strings=time_strings))
    except (ValueError, TypeError):
        return ""


def _description(text: str) -> str:
    """``text|truncatechars:180``. Most descriptions are short: Truncator would return such
    a text as it is (NFC-normalized, which it already is), so it is not built for them."""
    if len(text) <= DESCRIPTION_CHARS and unicodedata.is_normalized("NFC", text):
        return text
    return Truncator(text).chars(DESCRIPTION_CHARS)


def card(plugin: Plugin, address: str, time_strings: dict[str, Any]) -> str:
    """One card's HTML, as ``includes/_plugin_card.html`` renders ``plugin`` without search
    words; ``address``: its plugin page's; ``time_strings``: ``_time_strings()``, made once a
    page. ``plugin`` must have ``latest`` (a listed plugin), else ValueError."""
    latest = plugin.latest
    if latest is None:
        raise ValueError(f"{plugin.canonical_name} has no version: it is not listed")
    updated = _updated(plugin.updated_at, time_strings)
    e = _escape
    name = plugin.display_name
    description = _description(latest.description)
    keywords = ""
    if latest.keywords:
        items = "".join(f"<li>{e(word)}</li>" for word in latest.keywords[:KEYWORDS_SHOWN])
        keywords = f'\n    <ul class="keywords">{items}</ul>\n  '
    installs, runs, trials = (
        plugin.install_count,
        plugin.installation_run_count,
        plugin.trial_run_count,
    )
    counts = (
        f"{installs} install{_plural(installs)} · "
        f"{runs} installation run{_plural(runs)} · "
        f"{trials} trial run{_plural(trials)}"
    )
    return (
        '\n<article class="plugin-card">\n  <header>\n'
        f'    <h3><a href="{e(address)}">{e(name)}</a>\n'
        f'      <small class="muted">{e(latest.version)}</small>'
        f"{YANKED_BADGE if latest.yanked else ''}</h3>\n"
        "  </header>\n"
        f"  <p>{e(description)}</p>\n"
        f"  {keywords}\n"
        f'  <footer><small class="muted"><span class="plugin-counts">{counts}</span>'
        f" · by {e(latest.author or 'unknown')} · updated {updated} ago"
        "</small></footer>\n"
        "</article>\n"
    )


def cards(plugins: Iterable[Plugin]) -> SafeString:
    """The cards of ``plugins``, one after another, as the template's loop writes them.

    Every piece of text from a plugin above is escaped (``_escape``)."""
    # One reverse() a page: a name of UNQUOTED characters goes into the address as it is
    # (reverse() would quote nothing in it), any other name through reverse().
    before, _, after = reverse("plugin_detail", args=["0"]).rpartition("0")

    def address(name: str) -> str:
        if UNQUOTED.fullmatch(name):
            return f"{before}{name}{after}"
        return reverse("plugin_detail", args=[name])

    strings = _time_strings()
    written = "".join(card(plugin, address(plugin.display_name), strings) for plugin in plugins)
    return mark_safe(written)  # noqa: S308
