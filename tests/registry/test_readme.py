"""The README and changelog on a version: validated, stored, and the README searchable last."""

import pytest
from django.db import connection

from marketplace_site.types import MARKDOWN_MAX_BYTES, InvalidManifest, PluginManifest
from registry.services import RegistryService
from tests.factories import make_manifest

pytestmark = pytest.mark.django_db

BASE = {"name": "csv-tools", "version": "1.0.0", "entry_point": "result = 1"}


def test_readme_and_changelog_round_trip() -> None:
    registry = RegistryService()
    registry.add(make_manifest("csv-tools", readme="# CSV\n\nParses.", changelog="* First."))
    stored = registry.get("csv-tools")
    assert stored is not None
    assert stored.readme == "# CSV\n\nParses." and stored.changelog == "* First."
    assert PluginManifest.from_dict(stored.to_dict()) == stored


def test_a_readme_of_exactly_64_kib_is_accepted_and_one_byte_more_is_a_field_error() -> None:
    limit = MARKDOWN_MAX_BYTES["readme"]
    assert limit == 64 * 1024
    assert PluginManifest.from_dict({**BASE, "readme": "a" * limit}).readme == "a" * limit
    with pytest.raises(InvalidManifest) as caught:
        PluginManifest.from_dict({**BASE, "readme": "a" * (limit - 1) + "é"})  # 2 bytes
    assert set(caught.value.errors) == {"readme"}
    assert "64 KiB" in caught.value.errors["readme"]


def test_bad_markdown_fields_are_reported_with_the_others() -> None:
    with pytest.raises(InvalidManifest) as caught:
        PluginManifest.from_dict(
            {**BASE, "version": "x", "readme": 5, "changelog": "c" * (16 * 1024 + 1)}
        )
    assert {"version", "readme", "changelog"} <= set(caught.value.errors)
    assert "must be a string" in caught.value.errors["readme"]
    with pytest.raises(InvalidManifest) as caught:
        PluginManifest.from_dict({**BASE, "readme": "nul\x00"})
    assert set(caught.value.errors) == {"readme"}


def test_readme_text_is_searchable_with_the_lowest_weight() -> None:
    registry = RegistryService()
    registry.add(make_manifest("alpha", description="Nothing to see.", readme="Handles zebras."))
    registry.add(make_manifest("beta", description="Plain.", author="Zebra Team"))
    registry.add(make_manifest("gamma", description="Counts zebras."))
    registry.add(make_manifest("delta", keywords=["zebra"]))
    found = [m.name for m in registry.search("zebra")]
    if connection.vendor == "postgresql":
        # Four weight classes only: the README shares the lowest with the author.
        assert found[:2] == ["delta", "gamma"] and set(found[2:]) == {"beta", "alpha"}
    else:
        assert found == ["delta", "gamma", "beta", "alpha"]
    assert [m.name for m in registry.search("handles")] == ["alpha"]


def test_only_the_latest_readme_is_searched() -> None:
    registry = RegistryService()
    registry.add(make_manifest("alpha", "1.0.0", readme="Mentions wombats."))
    registry.add(make_manifest("alpha", "2.0.0", readme="Now about koalas."))
    assert registry.search("wombats") == []
    assert [m.version for m in registry.search("koalas")] == ["2.0.0"]
    registry.yank("alpha", "2.0.0")
    assert [m.version for m in registry.search("wombats")] == ["1.0.0"]
