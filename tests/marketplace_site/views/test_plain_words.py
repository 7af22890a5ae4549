"""Words that tell the truth: a run's heading says how it ended, a newer pre-release is not an
"older version", running out of memory names its limit, and an unknown address is a 404 in
plain words (a page, or JSON under the API)."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from marketplace_site.marketplace import create_marketplace
from tests.factories import make_user
from tests.pages import get, section, text

pytestmark = pytest.mark.django_db


def signed_in() -> Client:
    client = Client()
    client.force_login(make_user())
    return client


def install(name: str) -> str:
    response = signed_in().post(
        reverse("install"), {"source": "published", "name": name, "action": "install"}
    )
    assert response.status_code == 200
    return text(section(response.content.decode(), "result"))


def test_a_timed_out_run_is_headed_as_such(settings: Any) -> None:
    settings.SANDBOX_TIMEOUT_MS = 300
    create_marketplace().publish(
        {"name": "sleepy", "version": "1.0.0", "entry_point": "import time\ntime.sleep(5)\n1"}
    )
    result = install("sleepy")
    assert result.startswith("Run timed out: sleepy 1.0.0")
    assert "did not finish within its time limit" in result
    assert "Installed sleepy" not in result


def test_a_failed_run_is_headed_as_such() -> None:
    create_marketplace().publish(
        {"name": "broken", "version": "1.0.0", "entry_point": "raise ValueError('no input')"}
    )
    result = install("broken")
    assert result.startswith("Run failed: broken 1.0.0")
    assert "ValueError: no input" in result
    assert "Installed broken" not in result


def test_a_good_run_says_installed_and_ran() -> None:
    create_marketplace().publish({"name": "fine", "version": "1.0.0", "entry_point": "41 + 1"})
    assert install("fine").startswith("Installed fine 1.0.0 and ran it")


OUT_OF_MEMORY_CODE = "blob = bytearray(400 * 1024 * 1024)\nlen(blob)"


def test_out_of_memory_names_its_limit_beside_peak_memory(settings: Any) -> None:
    settings.SANDBOX_MEMORY_LIMIT_MB = 128
    create_marketplace().publish(
        {"name": "hungry", "version": "1.0.0", "entry_point": OUT_OF_MEMORY_CODE}
    )
    result = install("hungry")
    peak = result[result.index("Peak memory") :]
    assert peak.split(" Timed out")[0].endswith("· Out of memory: the run reached its 128 MB limit")

    try_it = signed_in().post(reverse("plugin_try", args=["hungry"]), {"context": "{}"})
    page = text(section(try_it.content.decode(), "sandbox-result"))
    assert "Out of memory: the run reached its 128 MB limit" in page


def test_a_memory_error_the_code_raises_itself_is_not_called_out_of_memory() -> None:
    create_marketplace().publish(
        {"name": "liar", "version": "1.0.0", "entry_point": "raise MemoryError('cache full')"}
    )
    result = install("liar")
    assert "MemoryError: cache full" in result
    assert "Out of memory" not in result


def test_a_newer_pre_release_is_labelled_pre_release_not_older() -> None:
    market = create_marketplace()
    for version in ("1.0.0", "1.1.0", "2.0.0b1"):
        market.publish({"name": "charts", "version": version, "entry_point": "1"})
    client = Client()
    heading = text(get(client, "/plugins/charts/?version=2.0.0b1").split("</h1>")[0])
    assert "pre-release" in heading and "older version" not in heading
    older = text(get(client, "/plugins/charts/?version=1.0.0").split("</h1>")[0])
    assert "older version" in older and "pre-release" not in older
    latest = text(get(client, "/plugins/charts/").split("</h1>")[0])
    assert "1.1.0" in latest and "older version" not in latest


@pytest.mark.parametrize("debug", [False, True])
def test_an_unknown_address_is_a_plain_words_page(settings: Any, debug: bool) -> None:
    settings.DEBUG = debug
    response = Client().get("/no/such/page/")
    assert response.status_code == 404
    if debug:  # Django's own technical page, for developers only
        return
    page = text(response.content.decode())
    assert "No page at this address" in page
    assert "Resolver404" not in page and "tried" not in page
    body = text(response.content.decode().split("<main", 1)[1])
    assert body.count("No page at this address") == 1  # the heading, not said twice


def test_a_missing_plugin_keeps_its_own_message() -> None:
    response = Client().get("/plugins/nothing-here/")
    assert response.status_code == 404
    page = text(response.content.decode())
    assert "No page at this address" in page
    assert "nothing-here" in page


def test_an_unknown_api_address_is_json() -> None:
    for url in ("/api/v1/no-such-endpoint", "/api/nothing"):
        response = Client().get(url)
        assert response.status_code == 404
        assert response["Content-Type"].startswith("application/json")
        body = response.json()
        assert body["error"] == "not_found"
        assert "Resolver404" not in str(body["detail"])
