from django.contrib import admin

from registry.models import Plugin, PluginVersion


class PluginVersionInline(admin.TabularInline[PluginVersion, Plugin]):
    model = PluginVersion
    fields = ("version", "is_prerelease", "published_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True


@admin.register(Plugin)
class PluginAdmin(admin.ModelAdmin[Plugin]):
    list_display = ("display_name", "canonical_name", "owner", "latest", "updated_at",
                    "removed_at")  # fmt: skip
    search_fields = ("canonical_name", "display_name", "lookalike", "owner__username")
    # "Removed" lists the reserved names; Names > Name releases > Add releases one.
    list_filter = ("updated_at", ("removed_at", admin.EmptyFieldListFilter))
    readonly_fields = ("canonical_name", "lookalike", "latest", "created_at", "updated_at",
                       "removed_at")  # fmt: skip
    inlines = [PluginVersionInline]


@admin.register(PluginVersion)
class PluginVersionAdmin(admin.ModelAdmin[PluginVersion]):
    list_display = ("name", "version", "is_prerelease", "author", "published_at")
    list_filter = ("is_prerelease", "published_at", "license")
    search_fields = ("plugin__canonical_name", "name", "author", "description")
    list_select_related = ("plugin",)
    # Published versions are immutable: the admin shows them but does not edit them.
    readonly_fields = (
        "plugin", "version", "precedence", "is_prerelease", "name", "entry_point",
        "description", "author", "license", "homepage", "keywords", "dependencies",
        "published_at",
    )  # fmt: skip
