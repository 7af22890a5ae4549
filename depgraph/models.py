"""The dependency graph's own index: one row per declared dependency of a published version."""

from django.db import models

from marketplace_site.types import CONSTRAINT_MAX_LENGTH, NAME_MAX_LENGTH, canonical_name


class DependencyEdgeQuerySet(models.QuerySet["DependencyEdge"]):
    def depending_on(self, name: str) -> "DependencyEdgeQuerySet":
        """The edges that point at ``name``: its reverse dependencies."""
        return self.filter(dependency_name=canonical_name(name))


class DependencyEdge(models.Model):
    """``plugin_name`` ``version`` depends on ``dependency_name`` through ``constraint``.

    Names are stored canonical (``canonical_name``) for lookups, with the names as the
    manifest wrote them for display. Apps relate by name, so there is no foreign key to the
    registry: the integration layer keeps this table in step with publish and remove.
    """

    plugin_name = models.CharField(max_length=NAME_MAX_LENGTH, help_text="Canonical name.")
    plugin_display_name = models.CharField(max_length=NAME_MAX_LENGTH)
    version = models.CharField(max_length=100, help_text="The dependent version, as published.")
    dependency_name = models.CharField(max_length=NAME_MAX_LENGTH, help_text="Canonical name.")
    dependency_display_name = models.CharField(max_length=NAME_MAX_LENGTH)
    constraint = models.CharField(max_length=CONSTRAINT_MAX_LENGTH, blank=True, default="")

    objects = DependencyEdgeQuerySet.as_manager()

    class Meta:
        ordering = ["plugin_name", "version", "dependency_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["plugin_name", "version", "dependency_name"],
                name="depgraph_one_edge_per_dependency",
            ),
            models.CheckConstraint(
                condition=~models.Q(plugin_name="") & ~models.Q(dependency_name=""),
                name="depgraph_edge_names_not_empty",
            ),
        ]
        indexes = [
            # "Used by": every edge into one plugin, grouped by the dependent plugin.
            models.Index(fields=["dependency_name", "plugin_name"], name="depgraph_reverse_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.plugin_display_name} {self.version} -> {self.dependency_display_name}"
