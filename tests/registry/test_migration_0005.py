"""Migration 0005 fills in the look-alike form of every plugin stored before it, with its own
frozen copy of ``registry.names.lookalike``; the two must agree, or a name published before
the migration would not be found by the look-alike check."""

from collections.abc import Iterator

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.state import StateApps

from registry.names import lookalike

BEFORE = [("registry", "0004_semver_precedence")]
AFTER = [("registry", "0005_names")]
NAMES = ["csv-tools", "CSV_T00LS", "Modern.Widget", "vvalter5", "plain"]


def _migrate(targets: list[tuple[str, str]]) -> StateApps:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


@pytest.fixture
def at_0004(transactional_db: None) -> Iterator[StateApps]:
    try:
        yield _migrate(BEFORE)
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


def test_0005_fills_the_lookalike_forms_as_the_live_code_does(at_0004: StateApps) -> None:
    plugin_model = at_0004.get_model("registry", "Plugin")
    for name in NAMES:
        plugin_model.objects.create(canonical_name=name.lower(), display_name=name)
    after = _migrate(AFTER)
    stored = dict(
        after.get_model("registry", "Plugin").objects.values_list("display_name", "lookalike")
    )
    assert stored == {name: lookalike(name) for name in NAMES}
    assert stored["CSV_T00LS"] == stored["csv-tools"] == "csvtoois"
