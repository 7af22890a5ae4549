"""The coverage gate's rules (.ci/coverage_floor.py): floors per kind of file, a list that
only shrinks."""

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest


def load_checker() -> ModuleType:
    path = Path(__file__).resolve().parents[2] / ".ci" / "coverage_floor.py"
    spec = importlib.util.spec_from_file_location("coverage_floor", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


checker = load_checker()


def measured(path: str, percent: float) -> Any:
    return checker.Measured(path, percent)


@pytest.mark.parametrize(
    ("path", "floor"),
    [
        ("registry/services.py", 100.0),
        ("reviews/selectors.py", 100.0),
        ("reviews/forms.py", 100.0),
        ("sandbox/services/runs.py", 100.0),
        ("marketplace_site/marketplace.py", 100.0),
        ("marketplace_site/actions/install.py", 100.0),
        ("registry/views.py", 90.0),
        ("registry/search/sqlite.py", 90.0),
        ("marketplace_site/settings.py", 90.0),
    ],
)
def test_services_selectors_forms_and_actions_have_the_strict_floor(
    path: str, floor: float
) -> None:
    assert measured(path, 0.0).floor == floor


def test_every_file_at_its_floor_and_nothing_listed_passes() -> None:
    files = [measured("registry/services.py", 100.0), measured("registry/views.py", 90.0)]
    assert checker.problems(files, {}) == []


def test_an_unlisted_file_below_its_floor_fails() -> None:
    found = checker.problems([measured("registry/services.py", 99.5)], {})
    assert found == ["registry/services.py: 99.5%, below its floor of 100% (write the tests)"]


def test_a_listed_file_that_reached_its_floor_must_leave_the_list() -> None:
    found = checker.problems([measured("registry/views.py", 91.0)], {"registry/views.py": 80.0})
    assert found == ["registry/views.py: 91.0% reached its floor of 90%: take it off the list"]


def test_a_listed_file_holds_near_its_figure_and_fails_further_down() -> None:
    listed = {"sandbox/client.py": 79.1}
    assert checker.problems([measured("sandbox/client.py", 78.7)], listed) == []
    found = checker.problems([measured("sandbox/client.py", 75.0)], listed)
    assert found == ["sandbox/client.py: 75.0%, down from 79.1% when listed"]


def test_a_listed_file_that_is_no_longer_measured_must_leave_the_list() -> None:
    found = checker.problems([], {"marketplace_site/pages/reviews.py": 95.0})
    assert found == [
        "marketplace_site/pages/reviews.py: listed but not measured (moved or gone):"
        " take it off the list"
    ]


def test_the_list_reads_paths_and_figures_and_skips_comments() -> None:
    text = "# header\n\nsandbox/zygote.py 0.0\nsandbox/client.py 79.1  # slow paths\n"
    assert checker.read_exceptions(text) == {"sandbox/zygote.py": 0.0, "sandbox/client.py": 79.1}
    with pytest.raises(ValueError, match="line 1"):
        checker.read_exceptions("sandbox/zygote.py")


def test_a_written_figure_is_rounded_down_so_the_next_run_is_not_below_it() -> None:
    assert checker.figure(79.19) == "79.1"
    assert checker.figure(0.0) == "0.0"
