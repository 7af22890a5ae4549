"""Migration 0004 re-keys the rows already stored, with its own frozen copy of the key code.

The rows are written at 0003 (when precedences were PEP 440 only) through the historical
models, the migration runs as ``migrate`` runs it (Django's ``MigrationExecutor``, as
Django's own migration tests do), and the stored precedences must then order the versions
as ``marketplace_site.types.version_key`` does: the order the registry's "latest", its
version lists and the resolver rely on. Transactional, so it runs on SQLite and on
PostgreSQL alike (the test command runs the suite on both).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.state import StateApps

from marketplace_site.types import AnyVersion, is_prerelease, parse_any_version, version_key
from registry.versioning import precedence_key

BEFORE = [("registry", "0003_search_name_table")]
AFTER = [("registry", "0004_semver_precedence")]

# Stored in this (scrambled) order; each kind the key must place: SemVer pre-releases (the
# lowest "-0", numeric identifiers numerically, "next.5" on a later release), PEP 440 dev,
# pre- and post-releases, numbers past 2**32 that differ in their digit count, and a version
# with build metadata published before 0004 refused it.
VERSIONS = [
    "10000000000.0.0",
    "1.0.post1",
    "2.0.0-next.5",
    "1.0.0-beta.11",
    "1.0rc1",
    "1.0.0",
    "9999999999.0.0",
    "1.0.0-0",
    "1.0.dev0",
    "1.0.0-beta.2",
    "2.0.0",
    "1.0a1",
    "1.0.0-alpha",
    "1.0.1-rc.1",
    "0.9",
    "1.0.0+build.5",
]


def _migrate(targets: list[tuple[str, str]]) -> StateApps:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()  # the graph as it is now, for the next step's plan
    return executor.loader.project_state(targets).apps


@pytest.fixture
def at_0003(transactional_db: None) -> Iterator[StateApps]:
    """The database at registry 0003; brought back to every app's latest migration after."""
    try:
        yield _migrate(BEFORE)
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


def test_0004_stores_keys_that_order_versions_as_version_key(at_0003: StateApps) -> None:
    Plugin = at_0003.get_model("registry", "Plugin")
    PluginVersion = at_0003.get_model("registry", "PluginVersion")
    plugin = Plugin.objects.create(canonical_name="widget", display_name="widget")
    for number, version in enumerate(VERSIONS):
        PluginVersion.objects.create(
            plugin=plugin,
            version=version,
            precedence=f"old{number:03d}",  # unique, and in an order 0004 must not keep
            is_prerelease=False,
            name="widget",
            entry_point="widget:run",
        )

    after = _migrate(AFTER)

    rows = list(
        after.get_model("registry", "PluginVersion")
        .objects.filter(plugin__canonical_name="widget")
        .order_by("precedence")
        .values_list("version", "precedence", "is_prerelease")
    )
    stored_order = [version for version, _, _ in rows]
    expected = sorted(VERSIONS, key=lambda text: version_key(_parsed(text)))
    # "1.0.0+build.5" keeps its PEP 440 reading (local part included), just after 1.0.0,
    # where version_key, which ignores build metadata, ties the two.
    assert stored_order == [
        "0.9",
        "1.0.0-0",
        "1.0.0-alpha",
        "1.0.0-beta.2",
        "1.0.0-beta.11",
        "1.0.dev0",
        "1.0a1",
        "1.0rc1",
        "1.0.0",
        "1.0.0+build.5",
        "1.0.post1",
        "1.0.1-rc.1",
        "2.0.0-next.5",
        "2.0.0",
        "9999999999.0.0",
        "10000000000.0.0",
    ]
    assert stored_order == expected
    assert len({precedence for _, precedence, _ in rows}) == len(VERSIONS)
    for version, precedence, prerelease in rows:
        assert prerelease is is_prerelease(_parsed(version)), version
        if "+" not in version:
            # Rows published after 0004 get the live key: the two must interleave exactly.
            assert precedence == precedence_key(_parsed(version)), version


def _parsed(text: str) -> AnyVersion:
    parsed = parse_any_version(text)
    assert parsed is not None, text
    return parsed
