"""Arbitrary JSON and parameters: a JSON answer in the documented shape, never a server error."""

import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.contrib.auth.models import User
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

from marketplace_site.marketplace import create_marketplace
from tests.factories import make_manifest
from tests.marketplace_site.api.helpers import assert_error
from tests.marketplace_site.conftest import ApiClient

# Keep hypothesis's files out of the repository: pytest's norecursedirs (pyproject) replaces the
# defaults, so a .hypothesis directory at the root makes collection warn, an error here.
set_hypothesis_home_dir(str(Path(tempfile.gettempdir()) / "marketplace-hypothesis"))

pytestmark = pytest.mark.django_db

HYPOTHESIS = settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)
manifest_like = st.fixed_dictionaries(
    {},
    optional={
        "name": st.text(max_size=20) | json_values,
        "version": st.sampled_from(["1.0.0", "1.0", "x", ""]) | json_values,
        "entry_point": st.just("result = 1") | json_values,
        "keywords": st.lists(st.text(max_size=5), max_size=3) | json_values,
        "dependencies": st.dictionaries(st.text(max_size=8), st.text(max_size=8), max_size=2)
        | json_values,
        "homepage": st.text(max_size=20) | json_values,
    },
)


@pytest.fixture
def catalog(owner: User) -> None:
    create_marketplace().publish(make_manifest("csv-tools"), owner=owner)


def check(response: Any, ok: set[int]) -> None:
    if response.status_code in ok:
        return
    assert response.status_code < 500, response.content
    assert_error(response, response.status_code)


@HYPOTHESIS
@given(body=manifest_like | json_values)
def test_publish_any_json(as_other: ApiClient, catalog: None, body: Any) -> None:
    check(as_other.post("/plugins", body), {201})


@HYPOTHESIS
@given(body=st.fixed_dictionaries({}, optional={"rating": json_values, "comment": json_values}))
def test_review_any_json(as_other: ApiClient, catalog: None, body: Any) -> None:
    check(as_other.post("/plugins/csv-tools/reviews", body), {201})


@HYPOTHESIS
@given(
    body=st.fixed_dictionaries(
        {},
        optional={
            "manifest": manifest_like | json_values,
            "name": st.sampled_from(["csv-tools", "missing", ""]) | json_values,
            "version": st.sampled_from(["1.0.0", "2", "x"]) | json_values,
            "context": st.dictionaries(st.text(max_size=5), json_values, max_size=3) | json_values,
        },
    )
)
def test_plan_any_json(as_other: ApiClient, catalog: None, body: Any) -> None:
    check(as_other.post("/install/plan", body), {200})


@HYPOTHESIS
@given(
    name=st.text(max_size=12),
    params=st.dictionaries(
        st.sampled_from(["q", "offset", "limit", "sort", "constraint", "include_prerelease"]),
        st.text(max_size=12),
    ),
)
def test_reads_with_any_parameters(anon: ApiClient, catalog: None, name: str, params: Any) -> None:
    quoted = quote(name, safe="")
    paths = ["/plugins", "/search", f"/plugins/{quoted}", f"/plugins/{quoted}/check"]
    paths += [f"/plugins/{quoted}/reviews", f"/plugins/csv-tools/versions/{quoted}"]
    for path in paths:
        check(anon.get(path, params), {200})
