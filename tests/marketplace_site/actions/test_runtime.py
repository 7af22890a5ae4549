"""Plugins that call their dependencies: install_plugin, Try it and the API run with the
modules of the resolved closure, each plugin importing only what it declares."""

from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from marketplace_site.api.schemas import InstallOut
from marketplace_site.marketplace import Marketplace, create_marketplace
from tests.factories import PASSWORD, make_user, publish
from tests.marketplace_site.conftest import ApiClient

pytestmark = pytest.mark.django_db

TEXT_UTILS_1 = "def shout(text):\n    return text.upper()\n"
TEXT_UTILS_2 = "def shout(text):\n    return text.upper() + '!'\n"
GREETER = "import text_utils\ndef greet(name):\n    return text_utils.shout('hello ' + name)\n"


@pytest.fixture(autouse=True)
def _clear_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def market() -> Marketplace:
    market = create_marketplace()
    publish("text-utils", "1.0.0", marketplace=market, entry_point=TEXT_UTILS_1)
    publish("text-utils", "2.0.0", marketplace=market, entry_point=TEXT_UTILS_2)
    publish(
        "greeter",
        "1.0.0",
        marketplace=market,
        entry_point=GREETER,
        dependencies={"text-utils": "^1.0"},
    )
    return market


def test_install_runs_with_the_resolved_dependency_versions(market: Marketplace) -> None:
    result = market.install_plugin(
        {
            "name": "welcome",
            "version": "1.0.0",
            "entry_point": "import greeter\ngreeter.greet(name)",
            "dependencies": {"greeter": "1.x"},
        },
        context={"name": "ada"},
    )
    assert result.resolved == {"greeter": "1.0.0", "text-utils": "1.0.0"}
    # text-utils 1.0.0 (pinned by greeter's ^1.0), not the newest 2.0.0.
    assert result.sandbox.error is None
    assert result.sandbox.output == "HELLO ADA"


def test_a_transitive_dependency_is_not_importable_without_declaring_it(
    market: Marketplace,
) -> None:
    result = market.install_plugin(
        {
            "name": "sneaky",
            "version": "1.0.0",
            "entry_point": "import text_utils\ntext_utils.shout('x')",
            "dependencies": {"greeter": "1.x"},
        }
    )
    assert result.sandbox.success is False
    assert result.sandbox.error == (
        "ModuleNotFoundError: No module named 'text_utils': the plugin's code does not "
        "declare 'text-utils' in its dependencies"
    )
    # The plugin stays registered: the failure is the run's.
    assert market.registry.get("sneaky") is not None


def test_install_published_and_run_use_the_dependencies(market: Marketplace) -> None:
    installed = market.install_published("greeter", context={})
    assert installed.sandbox.success is True
    manifest = market.registry.get("greeter")
    assert manifest is not None
    code = manifest.entry_point + "greet(name)"
    runnable = manifest.__class__.from_dict({**manifest.to_dict(), "entry_point": code})
    assert market.run(runnable, context={"name": "bo"}).output == "HELLO BO"


def test_a_run_without_any_resolution_fails_with_the_explanation(market: Marketplace) -> None:
    publish("needs-old", "1.0.0", marketplace=market, dependencies={"text-utils": "<1"})
    manifest = market.registry.get("needs-old")
    assert manifest is not None
    result = market.run(manifest)
    assert result.success is False
    assert result.error is not None and result.error.startswith("ResolutionError: ")
    assert "text-utils" in result.error


def test_try_it_runs_with_the_dependencies(market: Marketplace, client: Client) -> None:
    publish(
        "shouter",
        "1.0.0",
        marketplace=market,
        entry_point="from text_utils import shout\nshout(name)",
        dependencies={"text-utils": ">=2"},
    )
    client.login(username=make_user("tester").username, password=PASSWORD)
    response = client.post(reverse("plugin_try", args=["shouter"]), {"context": '{"name": "hey"}'})
    assert response.status_code == 200
    assert response.context["result"].output == "HEY!"


def test_the_api_install_runs_with_the_dependencies(
    market: Marketplace, as_owner: ApiClient
) -> None:
    api = as_owner
    body = {
        "manifest": {
            "name": "api-greeter",
            "version": "1.0.0",
            "entry_point": "import greeter\nresult = greeter.greet(who)",
            "dependencies": {"greeter": "*"},
        },
        "context": {"who": "api"},
    }
    response = api.post("/install", body)
    assert response.status_code == 200, response.json()
    result = InstallOut.model_validate(response.json())
    assert result.sandbox.output == "HELLO API"
