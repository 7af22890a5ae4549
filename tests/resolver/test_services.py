"""The resolver service: direct and transitive resolution, explanations, budget, determinism."""

import time
from collections.abc import Mapping

import pytest
from hypothesis import given
from hypothesis import strategies as st
from packaging.version import Version

from marketplace_site.types import (
    InvalidConstraint,
    PluginManifest,
    ResolutionError,
    Resolver,
)
from resolver import services
from resolver.services import ResolverService, range_report

Registry = dict[str, dict[str, dict[str, str]]]


class DictProvider:
    """A registry in memory; counts calls so tests can see what was loaded."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self.calls = 0

    def versions(self, name: str) -> list[str]:
        self.calls += 1
        return list(self.registry.get(name, {}))

    def dependencies(self, name: str, version: str) -> Mapping[str, str]:
        self.calls += 1
        return self.registry[name][version]


def root(dependencies: Mapping[str, str], name: str = "top") -> PluginManifest:
    return PluginManifest(name=name, version="1.0.0", entry_point="", dependencies=dependencies)


def resolve(dependencies: Mapping[str, str], registry: Registry, **budget: int) -> dict[str, str]:
    return ResolverService(**budget).resolve_transitive(root(dependencies), DictProvider(registry))


def explanation(dependencies: Mapping[str, str], registry: Registry, **budget: int) -> str:
    with pytest.raises(ResolutionError) as raised:
        resolve(dependencies, registry, **budget)
    return raised.value.explanation


def test_the_service_implements_the_resolver_protocol() -> None:
    assert isinstance(ResolverService(), Resolver)


def test_the_budget_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        ResolverService(max_rounds=0)


class TestResolve:
    def test_picks_the_highest_fitting_version_per_name(self) -> None:
        result = ResolverService().resolve(
            {"a": "^1", "b": ">=2,<3", "c": "^9", "ghost": "*"},
            {"a": ["1.0.0", "1.4.0", "2.0.0"], "b": ["2.0", "2.7", "3.0"], "c": ["1.0.0"]},
        )
        assert result == {"a": "1.4.0", "b": "2.7", "c": None, "ghost": None}

    def test_finds_available_versions_by_canonical_name(self) -> None:
        assert services.resolve({"My_Plugin": "*"}, {"my-plugin": ["1.0"]}) == {"My_Plugin": "1.0"}

    def test_refuses_an_invalid_constraint(self) -> None:
        with pytest.raises(InvalidConstraint):
            ResolverService().resolve({"a": "^^1"}, {"a": ["1.0.0"]})


def test_module_functions_mirror_the_service() -> None:
    assert services.satisfies("1.2.0", "^1")
    assert services.max_satisfying(["1.0.0", "1.9.0", "2.0.0"], "^1") == "1.9.0"
    assert services.resolve_transitive(root({"a": "*"}), DictProvider({"a": {"1.0": {}}})) == {
        "a": "1.0"
    }


class TestResolveTransitive:
    def test_resolves_the_closure_without_the_root(self) -> None:
        registry: Registry = {
            "a": {"1.0.0": {"b": "^1"}, "1.1.0": {"b": "^1"}},
            "b": {"1.0.0": {"c": ">=2"}, "1.3.0": {"c": ">=2"}},
            "c": {"1.0": {}, "2.0": {}, "2.5": {}},
        }
        assert resolve({"a": "^1"}, registry) == {"a": "1.1.0", "b": "1.3.0", "c": "2.5"}

    def test_an_empty_root_resolves_to_nothing(self) -> None:
        assert resolve({}, {}) == {}

    def test_backtracks_when_the_newest_version_cannot_work(self) -> None:
        # a 2.0 wants c ^2, but b (only 1.0) pins c to ^1: a must fall back to 1.0.
        registry: Registry = {
            "a": {"1.0.0": {"c": "^1"}, "2.0.0": {"c": "^2"}},
            "b": {"1.0.0": {"c": "^1"}},
            "c": {"1.0.0": {}, "1.5.0": {}, "2.0.0": {}},
        }
        assert resolve({"a": "*", "b": "*"}, registry) == {"a": "1.0.0", "b": "1.0.0", "c": "1.5.0"}

    def test_backtracks_through_versions_that_need_an_unpublished_version(self) -> None:
        registry: Registry = {
            "dep": {f"{k}.0.0": {"lib": f"=={k}.0.0"} for k in range(1, 301)},
            "lib": {"1.0.0": {}},
        }
        # Only the oldest dep fits; a handful of rounds suffice (no round per version).
        assert resolve({"dep": "*"}, registry, max_rounds=10) == {"dep": "1.0.0", "lib": "1.0.0"}

    def test_a_diamond_chooses_one_version_that_fits_both_sides(self) -> None:
        registry: Registry = {
            "left": {"1.0.0": {"base": ">=1.2"}},
            "right": {"1.0.0": {"base": "<1.5"}},
            "base": {"1.0": {}, "1.2": {}, "1.4": {}, "1.6": {}},
        }
        assert resolve({"left": "*", "right": "*"}, registry) == {
            "left": "1.0.0",
            "right": "1.0.0",
            "base": "1.4",
        }

    def test_prereleases_are_not_chosen_unless_a_constraint_names_one(self) -> None:
        registry: Registry = {"a": {"1.0.0": {}, "1.1.0rc1": {}}}
        assert resolve({"a": "^1"}, registry) == {"a": "1.0.0"}
        assert resolve({"a": ">=1.1.0rc1"}, registry) == {"a": "1.1.0rc1"}
        assert resolve({"a": "^1.1.0-rc.1"}, registry) == {"a": "1.1.0rc1"}

    def test_names_are_compared_canonically_and_keyed_as_first_written(self) -> None:
        registry: Registry = {
            "My_Lib": {"1.0": {}, "2.0": {}},
            "other": {"1.0": {"my-lib": "<2"}},
        }
        result = resolve({"My_Lib": "*", "other": "*"}, registry)
        assert result == {"My_Lib": "1.0", "other": "1.0"}

    def test_a_cycle_back_to_the_root_is_allowed_when_the_root_fits(self) -> None:
        registry: Registry = {"mid": {"1.0.0": {"top": "^1"}}}
        assert resolve({"mid": "*"}, registry) == {"mid": "1.0.0"}

    def test_the_same_input_gives_the_same_answer(self) -> None:
        registry: Registry = {
            "a": {v: {"c": "^1"} for v in ("1.0.0", "1.1.0", "1.2.0")},
            "b": {v: {"c": "<1.3"} for v in ("2.0.0", "1.0.0")},
            "c": {v: {} for v in ("1.0.0", "1.2.0", "1.4.0")},
        }
        reversed_registry = {name: dict(reversed(v.items())) for name, v in registry.items()}
        first = resolve({"a": "*", "b": "*"}, registry)
        assert first == {"a": "1.2.0", "b": "2.0.0", "c": "1.2.0"}
        assert resolve({"a": "*", "b": "*"}, registry) == first
        assert resolve({"a": "*", "b": "*"}, reversed_registry) == first

    def test_an_invalid_constraint_in_the_root_is_an_invalid_constraint(self) -> None:
        with pytest.raises(InvalidConstraint, match=r"top 1\.0\.0 declares a with an invalid"):
            resolve({"a": "^^1"}, {"a": {"1.0": {}}})

    def test_a_version_with_an_invalid_constraint_is_passed_over(self) -> None:
        registry: Registry = {"a": {"2.0": {"b": "not a range"}, "1.0": {}}, "b": {"1.0": {}}}
        assert resolve({"a": "*"}, registry) == {"a": "1.0"}


class TestExplanations:
    def test_names_the_conflicting_requirements_and_stops_there(self) -> None:
        registry: Registry = {
            "mid": {"1.2.0": {"base": "<2"}},
            "base": {"1.0.0": {}, "2.0.0": {}},
        }
        assert explanation({"mid": "^1", "base": ">=2"}, registry) == (
            "top 1.0.0 needs base >=2; mid 1.2.0 needs base <2; "
            "base has 1.0.0, 2.0.0 (no version fits both)"
        )

    def test_groups_repeated_causes_and_collapses_long_version_lists(self) -> None:
        registry: Registry = {
            "mid": {f"1.{k}.0": {"base": "<1.5"} for k in range(10)},
            "base": {f"1.{k}.0": {} for k in range(20)},
        }
        assert explanation({"mid": "^1", "base": "^1.10"}, registry) == (
            "top 1.0.0 needs base ^1.10; mid 1.0.0 … 1.9.0 (10 versions) need base <1.5; "
            "base has 1.0.0 … 1.19.0 (20 versions) (no version fits both)"
        )

    def test_names_a_missing_plugin_as_missing(self) -> None:
        assert explanation({"ghost": ">=1"}, {}) == (
            "top 1.0.0 needs ghost >=1, but no plugin named ghost is published"
        )

    def test_names_a_missing_plugin_further_down(self) -> None:
        registry: Registry = {"mid": {"1.0.0": {"ghost": "^2"}, "1.1.0": {"ghost": "^2"}}}
        assert explanation({"mid": "*"}, registry) == (
            "top 1.0.0 needs mid *; mid 1.0.0, 1.1.0 need ghost ^2, "
            "but no plugin named ghost is published"
        )

    def test_says_when_no_published_version_fits(self) -> None:
        assert explanation({"a": ">=3"}, {"a": {"1.0": {}, "2.0": {}}}) == (
            "top 1.0.0 needs a >=3; a has 1.0, 2.0 (none fits)"
        )

    def test_a_cycle_back_to_the_root_that_does_not_fit(self) -> None:
        registry: Registry = {"mid": {"1.0.0": {"top": ">=2"}}}
        assert explanation({"mid": "*"}, registry) == (
            "top 1.0.0 needs mid *; mid 1.0.0 needs top >=2; "
            "top is being installed at 1.0.0 (none fits)"
        )

    def test_every_version_with_an_invalid_constraint(self) -> None:
        registry: Registry = {"a": {"1.0": {"b": "??"}}, "b": {"1.0": {}}}
        assert "a 1.0 declares b '??', which does not parse" in explanation({"a": "*"}, registry)

    def test_the_unsolvable_trap_is_proven_without_searching(self) -> None:
        registry: Registry = {
            "left": {f"{k}.0.0": {"shared": f"=={k}.0.0"} for k in range(1, 101)},
            "right": {f"{k}.0.0": {"shared": f"=={100 + k}.0.0"} for k in range(1, 101)},
            "shared": {f"{k}.0.0": {} for k in range(1, 201)},
        }
        # Ten rounds are far too few to search 10,000 pairs: the pair check answers first.
        text = explanation({"left": "*", "right": "*"}, registry, max_rounds=10)
        assert text.startswith("top 1.0.0 needs left * and right *; ")
        assert "left 1.0.0 … 100.0.0 (100 versions) need shared ==1.0.0" in text
        assert "right 1.0.0 … 100.0.0 (100 versions) need shared ==101.0.0" in text
        assert text.endswith("shared has 1.0.0 … 200.0.0 (200 versions) (no version fits both)")


class TestBudget:
    def test_too_many_rounds_is_reported_as_too_complex(self) -> None:
        # x k needs y k and z k; y k needs w k, z k needs w k + 1 except z 1: only x 1
        # works, and no clash is shared by every version, so only the search can tell.
        registry: Registry = {
            "x": {f"{k}.0.0": {"y": f"=={k}.0.0", "z": f"=={k}.0.0"} for k in range(1, 51)},
            "y": {f"{k}.0.0": {"w": f"=={k}.0.0"} for k in range(1, 51)},
            "z": {f"{k}.0.0": {"w": f"=={k + (k > 1)}.0.0"} for k in range(1, 51)},
            "w": {f"{k}.0.0": {} for k in range(1, 52)},
        }
        text = explanation({"x": "*"}, registry, max_rounds=2)
        assert text.startswith("Resolving the dependencies of top 1.0.0 is too complex")
        assert "limits 2 rounds" in text
        # With the default budget the same problem is solved.
        assert resolve({"x": "*"}, registry)["x"] == "1.0.0"

    def test_a_chain_every_version_shares_is_settled_in_a_few_rounds(self) -> None:
        registry: Registry = {
            "dep": {f"{k}.0.0": {"lib": f"=={k}.0.0"} for k in range(1, 51)},
            "lib": {f"{k}.0.0": {"base": f"=={k}.0.0"} for k in range(1, 51)},
            "base": {f"{k}.0.0": {} for k in range(1, 51)},
        }
        service = ResolverService(max_rounds=10)
        top = root({"dep": "*", "base": "==1.0.0"})
        assert service.resolve_transitive(top, DictProvider(registry))["dep"] == "1.0.0"

    def test_the_wall_clock_limit_stops_a_slow_search(self) -> None:
        class SlowProvider(DictProvider):
            def dependencies(self, name: str, version: str) -> Mapping[str, str]:
                time.sleep(0.01)
                return super().dependencies(name, version)

        registry: Registry = {
            "dep": {f"{k}.0.0": {"lib": f"=={k}.0.0"} for k in range(1, 301)},
            "lib": {f"{k}.0.0": {"base": f"=={k}.0.0"} for k in range(1, 301)},
            "base": {f"{k}.0.0": {} for k in range(1, 301)},
        }
        service = ResolverService(timeout_ms=50)
        started = time.perf_counter()
        with pytest.raises(ResolutionError, match="too complex"):
            service.resolve_transitive(
                root({"dep": "*", "base": "==1.0.0"}), SlowProvider(registry)
            )
        assert time.perf_counter() - started < 1.0


version_texts = st.builds(
    lambda major, minor, suffix: f"{major}.{minor}{suffix}",
    st.integers(0, 3),
    st.integers(0, 3),
    st.sampled_from(["", ".0", ".1", "rc1", "b2", ".post1", ".dev1", "+local"]),
)
constraints = st.sampled_from(
    [
        "*", "^1", "~1.2", "1.x", ">=1.1 <2.1.0-0", "1.0 - 2.1", "<=2.x", ">1.2 || <0.5",
        "^1.1.0-rc.1", ">=1.1,<2.3", "~=1.2", "==1.*", "!=1.1", ">1.2", "<2.0", "<=2.1",
        "==2.1.0", ">=1.0rc1", "~=2.1.1", "!=2.*", "===1.1", "==1", "==2.1", "==1.1.0.0",
    ]
)  # fmt: skip


@given(st.lists(version_texts, min_size=1, max_size=10, unique=True), constraints)
def test_transitive_choice_equals_max_satisfying(versions: list[str], constraint: str) -> None:
    """The resolver's bit-mask matching agrees with matching one version at a time."""
    expected = services.max_satisfying(versions, constraint)
    registry: Registry = {"a": {v: {} for v in versions}}
    if expected is None:
        with pytest.raises(ResolutionError):
            resolve({"a": constraint}, registry)
    else:
        chosen = resolve({"a": constraint}, registry)["a"]
        assert services.satisfies(chosen, constraint)
        assert Version(chosen) == Version(expected)


def test_arbitrary_equality_chooses_the_very_string_among_equal_versions() -> None:
    """``1.1`` and ``1.1.0`` are one version to a range, but PEP 440's ``===1.1`` compares
    strings: the resolver keeps both and chooses the one that is equal (hypothesis found
    the resolver keeping only ``1.1.0`` and answering that nothing fits)."""
    registry: Registry = {"a": {"1.1.0": {}, "1.1": {}}}
    assert resolve({"a": "===1.1"}, registry) == {"a": "1.1"}
    assert resolve({"a": "===1.1.0"}, registry) == {"a": "1.1.0"}
    assert resolve({"a": "==1.1"}, registry) == {"a": "1.1.0"}


def test_a_pin_reaches_a_release_with_build_metadata_but_no_pre_or_post_release() -> None:
    """``==1.0.0`` is PEP 440's: 1.0.0 and 1.0 are one version, a local part (here SemVer
    build metadata) does not count, and pre-, post- and dev-releases of 1.0.0 do not match."""
    around: dict[str, dict[str, str]] = {
        "1.0.0-rc.1": {},
        "1.0rc1": {},
        "1.0.post1": {},
        "1.0.1": {},
        "0.9.0": {},
    }
    registry: Registry = {"a": {**around, "1.0.0+build.5": {}}, "b": {**around, "1.0": {}}}
    assert resolve({"a": "==1.0.0"}, registry) == {"a": "1.0.0+build.5"}
    assert resolve({"b": "==1.0.0"}, registry) == {"b": "1.0"}
    assert resolve({"b": "==1"}, registry) == {"b": "1.0"}
    assert "a has" in explanation(
        {"a": "==1.0.1", "c": "*"}, {**registry, "c": {"1.0.0": {"a": "==1.0.0"}}}
    )


class TestRangeReport:
    def test_lists_versions_newest_first_with_the_winner(self) -> None:
        report = range_report(versions=["1.0.0", "bogus", "2.0.0", "1.5.0rc1", "1.4.0"],
                              constraint="^1")  # fmt: skip
        assert [(r.version, r.matches, r.wins) for r in report.rows] == [
            ("2.0.0", False, False),
            ("1.5.0rc1", False, False),
            ("1.4.0", True, True),
            ("1.0.0", True, False),
            ("bogus", False, False),
        ]
        assert report.winner == "1.4.0"
        assert report.match_count == 2
        assert (report.dialect, report.expanded) == ("npm", ">=1.0.0 <2.0.0-0")

    def test_with_prereleases(self) -> None:
        report = range_report(versions=["1.4.0", "1.5.0rc1"], constraint="^1",
                              include_prerelease=True)  # fmt: skip
        assert report.winner == "1.5.0rc1"
        assert report.rows[0].prerelease


class TestDeeperExplanations:
    def test_a_clash_below_the_root_names_the_two_dependents(self) -> None:
        registry: Registry = {
            "x": {"1.0.0": {"a": "*", "b": "*"}},
            "a": {"1.0.0": {"c": "^1"}},
            "b": {"1.0.0": {"c": "^2"}},
            "c": {"1.0.0": {}, "2.0.0": {}},
        }
        # The path from the root to each side, then the clash (CONTRACTS.md "Resolver").
        assert explanation({"x": "*"}, registry) == (
            "top 1.0.0 needs x *; x 1.0.0 needs a *; a 1.0.0 needs c ^1; "
            "x 1.0.0 needs b *; b 1.0.0 needs c ^2; c has 1.0.0, 2.0.0 (no version fits both)"
        )

    def test_an_indirect_failure_points_at_the_clash_behind_it(self) -> None:
        registry: Registry = {
            "a": {"1.0.0": {"b": "^2", "e": "*"}, "2.0.0": {"b": ">=2", "d": "^3", "e": "^3"}},
            "b": {"1.0.0": {"d": "<2"}, "2.0.0": {"c": "^3", "d": "^1", "e": "^2"}},
            "c": {"1.0.0": {"e": "<2"}, "2.0.0": {}, "3.0.0": {"d": "^2"}},
            "d": {"1.0.0": {"e": "<2"}, "2.0.0": {}},
            "e": {"1.0.0": {}, "2.0.0": {}},
        }
        # a 2.0.0 is out on its own; a 1.0.0 leads to b 2.0.0, whose two paths clash over d.
        assert explanation({"a": "*"}, registry) == (
            "top 1.0.0 needs a *; a 2.0.0 needs d ^3; d has 1.0.0, 2.0.0 (none fits); "
            "a 1.0.0 needs b ^2; b 2.0.0 needs d ^1; b 2.0.0 needs c ^3; c 3.0.0 needs d ^2; "
            "d has 1.0.0, 2.0.0 (no version fits both)"
        )

    def test_a_clash_every_version_shares_is_explained_from_the_root(self) -> None:
        registry: Registry = {
            "a": {f"1.{k}.0": {"c": "*"} for k in range(100)},
            "b": {f"1.{k}.0": {"e": "==2.0.0"} for k in range(100)},
            "c": {"1.0.0": {"e": "==1.0.0"}},
            "e": {"1.0.0": {}, "2.0.0": {}},
        }
        # Two rounds could not try 10,000 pairs: the shared clash is found before the search.
        assert explanation({"a": "*", "b": "*"}, registry, max_rounds=2) == (
            "top 1.0.0 needs b *; b 1.0.0 … 1.99.0 (100 versions) need e ==2.0.0; "
            "top 1.0.0 needs a *; a 1.0.0 … 1.99.0 (100 versions) need c *; "
            "c 1.0.0 needs e ==1.0.0; e has 1.0.0, 2.0.0 (no version fits both)"
        )

    def test_only_versions_every_dependent_allows_are_tried(self) -> None:
        # Every a needs c <2 and every b needs c >=1.5: only c 1.5.0 .. 1.9.0 are possible,
        # and of those only the newest a and b that accept them are chosen.
        registry: Registry = {
            "a": {f"1.{k}.0": {"c": "<2"} for k in range(10)},
            "b": {f"1.{k}.0": {"c": ">=1.5"} for k in range(10)},
            "c": {f"{m}.{k}.0": {} for m in (1, 2) for k in range(10)},
        }
        assert resolve({"a": "*", "b": "*"}, registry) == {"a": "1.9.0", "b": "1.9.0", "c": "1.9.0"}

    def test_every_pair_clashing_over_a_requirement_on_each_other(self) -> None:
        registry: Registry = {
            "left": {f"{k}.0.0": {} for k in range(1, 11)},
            "right": {f"{k}.0.0": {"left": "<5"} for k in range(1, 4)},
        }
        assert explanation({"left": ">=5", "right": "*"}, registry, max_rounds=3) == (
            "top 1.0.0 needs left >=5; right 1.0.0, 2.0.0, 3.0.0 need left <5; "
            "left has 1.0.0 … 10.0.0 (10 versions) (no version fits both)"
        )

    def test_pairs_clashing_over_several_plugins(self) -> None:
        registry: Registry = {
            "left": {"1.0.0": {"s": "^1"}, "2.0.0": {"t": "^1"}},
            "right": {"1.0.0": {"s": "^2", "t": "^2"}},
            "s": {"1.0.0": {}, "2.0.0": {}},
            "t": {"1.0.0": {}, "2.0.0": {}},
        }
        assert explanation({"left": "*", "right": "*"}, registry) == (
            "top 1.0.0 needs left and right, but no version of left (1.0.0, 2.0.0) works with "
            "any version of right (1.0.0); they clash over s, t"
        )

    def test_past_the_pair_check_limit_the_search_still_answers(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from resolver import pair_check

        monkeypatch.setattr(pair_check, "PAIR_CHECK_LIMIT", 1)
        registry: Registry = {
            "left": {"1.0.0": {"s": "^1"}, "2.0.0": {"s": "^2"}},
            "right": {"1.0.0": {"s": "^1"}, "2.0.0": {"s": "^3"}},
            "s": {"1.0.0": {}, "2.0.0": {}, "3.0.0": {}},
        }
        assert resolve({"left": "*", "right": "*"}, registry) == {
            "left": "1.0.0",
            "right": "1.0.0",
            "s": "1.0.0",
        }


def test_a_provider_keyed_by_canonical_names_is_asked_again_by_that_name() -> None:
    assert resolve({"My_Lib": "*"}, {"my-lib": {"1.0": {}}}) == {"My_Lib": "1.0"}


def _generated(plugins: int, versions: int, seed: int) -> Registry:
    import random

    rng = random.Random(seed)
    names = [f"p{i:02d}" for i in range(plugins)]
    registry: Registry = {}
    for i, name in enumerate(names):
        deps = rng.sample(names[:i], min(i, rng.randint(1, 3))) if i else []
        lagging = deps[0] if deps and rng.random() < 0.3 else None
        registry[name] = {
            f"{k // 5 + 1}.{k % 5}.0": {
                dep: f"~{k // 5 + 1}.1.0"
                if k == versions - 1 and dep == lagging
                else f"^{k // 5 + 1}"
                for dep in deps
            }
            for k in range(versions)
        }
    return registry


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_generated_registry_resolves_to_a_consistent_answer(seed: int) -> None:
    registry = _generated(30, 15, seed)
    wanted = dict.fromkeys(list(registry)[-5:], "*")
    answer = resolve(wanted, registry)
    for name, constraint in wanted.items():
        assert services.satisfies(answer[name], constraint)
    for name, version in answer.items():
        for dep, constraint in registry[name][version].items():
            assert services.satisfies(answer[dep], constraint), (name, version, dep)
