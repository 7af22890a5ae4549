"""The registry's versions: one reading (SemVer, else PEP 440) and the resolver's order."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marketplace_site.types import (
    InvalidManifest,
    parse_any_version,
    version_key,
    version_sort_key,
)
from registry.models import PluginVersion
from registry.services import RegistryService
from registry.versioning import PRECEDENCE_MAX_LENGTH, precedence_key
from resolver.constraints import max_satisfying
from tests.factories import make_manifest

ORDERED = [
    "0.9",
    "1.0.0-0",
    "1.0.0-alpha",
    "1.0.0-alpha.1",
    "1.0.0-alpha.beta",
    "1.0.0-beta.2",
    "1.0.0-beta.11",
    "1.0.0-rc.1",
    "1.0.dev0",
    "1.0a1",
    "1.0rc2",
    "1.0.0",
    "1.0.post1",
    "1.0.1-0",
    "1.0.1",
    "2.0.0-next.5",
    "2.0.0",
    "9999999999.0.0",
    "10000000000.0.0",
    "1!0.1",
]


def key_text(text: str) -> str:
    parsed = parse_any_version(text)
    assert parsed is not None
    return precedence_key(parsed)


def test_the_stored_key_orders_semver_and_pep440_as_the_resolver_does() -> None:
    shuffled = ORDERED[::2] + ORDERED[1::2][::-1]
    assert sorted(shuffled, key=key_text) == ORDERED
    assert sorted(shuffled, key=version_sort_key) == ORDERED


def test_the_stored_key_is_digits_only_so_every_collation_agrees() -> None:
    for text in ORDERED:
        assert key_text(text).isdigit()


PEP440_FORMS = r"[0-9]{1,3}(\.[0-9]{1,3}){0,3}((a|b|rc)[0-9])?(\.post[0-9])?(\.dev[0-9])?"
versions_strategy = st.one_of(
    st.builds(
        lambda a, b, c, pre: f"{a}.{b}.{c}" + (f"-{pre}" if pre else ""),
        st.integers(0, 10**12),
        st.integers(0, 30),
        st.integers(0, 30),
        st.one_of(
            st.just(""),
            st.lists(
                st.one_of(
                    st.integers(0, 10**11).map(str),
                    st.from_regex(r"[0-9]*[A-Za-z-][0-9A-Za-z-]{0,4}", fullmatch=True),
                ),
                min_size=1,
                max_size=3,
            ).map(".".join),
        ),
    ),
    st.from_regex(PEP440_FORMS, fullmatch=True),
)


@given(st.lists(versions_strategy, min_size=2, max_size=8))
def test_key_text_order_equals_version_key_order(versions: list[str]) -> None:
    keys = {}
    for text in versions:
        parsed = parse_any_version(text)
        assert parsed is not None
        keys[text] = version_key(parsed)
    by_text = sorted(versions, key=key_text)
    assert [keys[t] for t in by_text] == sorted(keys[t] for t in versions)


def test_the_longest_version_fits_the_stored_key() -> None:
    worst = "1.1.1-" + ".".join(["a"] * 47)
    assert len(worst) <= 100
    assert len(key_text(worst)) <= PRECEDENCE_MAX_LENGTH


@pytest.mark.django_db
class TestPublishing:
    def test_semver_prereleases_publish_and_never_win_latest(self) -> None:
        registry = RegistryService()
        for version in ("1.0.0-0", "1.0.0", "2.0.0-next.5", "5.1.1-v1"):
            registry.add(make_manifest("tool", version))
        assert registry.versions("tool") == ["1.0.0-0", "1.0.0", "2.0.0-next.5", "5.1.1-v1"]
        latest = registry.get("tool")
        assert latest is not None and latest.version == "1.0.0"
        assert PluginVersion.objects.get(version="1.0.0-0").is_prerelease

    def test_registry_order_is_the_resolver_order(self) -> None:
        registry = RegistryService()
        for version in reversed(ORDERED):
            registry.add(make_manifest("tool", version))
        assert registry.versions("tool") == ORDERED
        assert max_satisfying(ORDERED, "*", include_prerelease=True) == ORDERED[-1]

    @pytest.mark.parametrize(
        "version", ["1.0.0+build", "1.0.0-beta+exp.sha.5114f85", "1.0+local", "1.0.0+ubuntu.1"]
    )
    def test_build_metadata_and_local_versions_are_refused(self, version: str) -> None:
        with pytest.raises(InvalidManifest) as raised:
            RegistryService().add(make_manifest("tool", version))
        assert "local version" in raised.value.errors["version"]
        assert RegistryService().versions("tool") == []

    @pytest.mark.parametrize("version", ["1.\u0662.0", "\u0661.0", "1.0.0-\u0663"])
    def test_non_ascii_digits_are_refused(self, version: str) -> None:
        with pytest.raises(InvalidManifest) as raised:
            RegistryService().add(make_manifest("tool", version))
        assert "ASCII digits" in raised.value.errors["version"]

    def test_1_0_and_1_0_0_stay_one_version(self) -> None:
        registry = RegistryService()
        registry.add(make_manifest("tool", "1.0"))
        assert registry.get("tool", "1.0.0") is not None
        assert registry.get("tool", "v1.0.0") is not None
