"""Atom feeds of new releases, site-wide and per plugin (Django's syndication framework).

A yanked release stays in the feed, marked: its title ends in "(yanked)", its summary starts
with the reason, and it carries the Atom category "yanked". A feed reader has usually shown
the entry already; leaving it out would hide that it went bad, and the entry's update time
(the yank's) brings it back to the reader's attention.
"""

from datetime import datetime

from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest
from django.urls import URLPattern, path, reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.utils.http import urlencode

from marketplace_site.actions import create_marketplace
from registry.models import Plugin, PluginVersion
from registry.rendering import render_markdown

FEED_LENGTH = 50


class ReleasesFeed(Feed[PluginVersion, None]):
    """The last FEED_LENGTH releases of every plugin, newest first."""

    feed_type = Atom1Feed
    title = "New releases · Plugin Marketplace"
    subtitle = "Every plugin version published on the marketplace, newest first."

    def link(self) -> str:
        return reverse("browse")

    def items(self) -> list[PluginVersion]:
        return create_marketplace().registry.recent_releases(limit=FEED_LENGTH)

    def item_title(self, item: PluginVersion) -> str:
        title = f"{item.plugin.display_name} {item.version}"
        return f"{title} (yanked)" if item.yanked else title

    def item_link(self, item: PluginVersion) -> str:
        page = reverse("plugin_detail", args=[item.plugin.display_name])
        return f"{page}?{urlencode({'version': item.version})}"

    def item_description(self, item: PluginVersion) -> str:
        # Atom's summary of type "html": escaped text, and the sanitized changelog.
        parts = []
        if item.yanked:
            reason = f": {item.yanked_reason}" if item.yanked_reason else "."
            parts.append(f"<p><strong>Yanked</strong>{escape(reason)}</p>")
        if item.description:
            parts.append(f"<p>{escape(item.description)}</p>")
        parts.append(render_markdown(item.changelog))
        return "".join(parts)

    def item_pubdate(self, item: PluginVersion) -> datetime:
        return item.published_at

    def item_updateddate(self, item: PluginVersion) -> datetime:
        return item.yanked_at or item.published_at

    def item_author_name(self, item: PluginVersion) -> str | None:
        return item.author or None

    def item_categories(self, item: PluginVersion) -> list[str]:
        return ["yanked"] if item.yanked else []


class PluginReleasesFeed(ReleasesFeed):
    """The last FEED_LENGTH releases of one plugin, newest first."""

    def get_object(self, request: HttpRequest, name: str) -> Plugin:  # type: ignore[override]
        plugin = create_marketplace().registry.get_plugin(name)
        if plugin is None:
            raise Http404(f"No plugin named {name!r}.")
        return plugin

    def title(self, obj: Plugin) -> str:  # type: ignore[override]
        return f"New releases of {obj.display_name} · Plugin Marketplace"

    def subtitle(self, obj: Plugin) -> str:  # type: ignore[override]
        return f"Every version of {obj.display_name} published, newest first."

    def link(self, obj: Plugin) -> str:  # type: ignore[override]
        return reverse("plugin_detail", args=[obj.display_name])

    def items(self, obj: Plugin) -> list[PluginVersion]:  # type: ignore[override]
        return create_marketplace().registry.recent_releases(
            name=obj.canonical_name, limit=FEED_LENGTH
        )


urlpatterns: list[URLPattern] = [
    path("feeds/releases.atom", ReleasesFeed(), name="releases_feed"),
    path("plugins/<str:name>/releases.atom", PluginReleasesFeed(), name="plugin_releases_feed"),
]
