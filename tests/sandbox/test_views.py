"""The Try it page: sign-in, validation, a real run, recording and the rate limit."""

from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from marketplace_site.types import PluginManifest
from registry.services import RegistryService
from sandbox.models import SandboxRun
from tests.factories import PASSWORD, make_manifest, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def plugin() -> PluginManifest:
    registry = RegistryService()
    registry.add(make_manifest("Greeter", "1.0.0", entry_point="'old ' + name"))
    return registry.add(
        make_manifest("Greeter", "1.1.0", entry_point="print('hi', name)\nresult = name.upper()")
    )


@pytest.fixture
def signed_in(client: Client) -> Client:
    client.login(username=make_user("tester").username, password=PASSWORD)
    return client


def url(name: str = "Greeter", version: str | None = None) -> str:
    base = reverse("plugin_try", args=[name])
    return f"{base}?version={version}" if version else base


def test_url_shape() -> None:
    assert url() == "/plugins/Greeter/try/"


def test_anonymous_is_sent_to_login(client: Client, plugin: PluginManifest) -> None:
    for response in (client.get(url()), client.post(url(), {"context": "{}"})):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    assert not SandboxRun.objects.exists()


def test_get_shows_the_form(signed_in: Client, plugin: PluginManifest) -> None:
    response = signed_in.get(url())
    assert response.status_code == 200
    text = response.content.decode()
    assert "Try Greeter" in text
    assert "1.1.0" in text
    assert 'name="context"' in text
    assert "csrfmiddlewaretoken" in text
    assert 'id="sandbox-result"' not in text


def test_unknown_plugin_or_version_is_404(signed_in: Client, plugin: PluginManifest) -> None:
    assert signed_in.get(url("nope")).status_code == 404
    assert signed_in.get(url(version="9.9.9")).status_code == 404


def test_invalid_json_is_a_field_error_and_nothing_runs(
    signed_in: Client, plugin: PluginManifest
) -> None:
    response = signed_in.post(url(), {"context": "{broken"})
    assert response.status_code == 400
    text = response.content.decode()
    assert 'data-code="invalid_json"' in text
    assert "This is not valid JSON" in text
    assert 'id="sandbox-result"' not in text
    assert not SandboxRun.objects.exists()


def test_a_valid_run_shows_the_whole_result_and_is_recorded(
    signed_in: Client, plugin: PluginManifest
) -> None:
    response = signed_in.post(url(), {"context": '{"name": "ada"}'})
    assert response.status_code == 200
    result = response.context["result"]
    assert (result.success, result.output, result.stdout) == (True, "ADA", "hi ada\n")
    text = response.content.decode()
    assert '<code id="sandbox-output">&quot;ADA&quot;</code>' in text
    assert '<code id="sandbox-stdout">hi ada\n</code>' in text
    assert 'id="sandbox-duration"' in text
    assert 'id="sandbox-memory"' in text
    assert '<dd id="sandbox-timed-out">no</dd>' in text
    run = SandboxRun.objects.get()
    assert run.user is not None
    assert (run.plugin_name, run.version, run.user.username) == ("greeter", "1.1.0", "tester")
    assert run.success


def test_an_integer_past_4300_digits_is_shown_whole(signed_in: Client) -> None:
    RegistryService().add(make_manifest("big", "1.0.0", entry_point="10 ** 5000"))
    response = signed_in.post(url("big"), {"context": "{}"})
    assert response.status_code == 200
    assert f'<code id="sandbox-output">1{"0" * 5000}</code>' in response.content.decode()


def test_a_chosen_version_runs(signed_in: Client, plugin: PluginManifest) -> None:
    response = signed_in.post(url(version="1.0.0"), {"context": '{"name": "x"}'})
    assert response.context["result"].output == "old x"
    assert SandboxRun.objects.get().version == "1.0.0"


def test_a_failing_run_shows_its_error(signed_in: Client, plugin: PluginManifest) -> None:
    response = signed_in.post(url(), {"context": "{}"})
    assert response.status_code == 200
    text = response.content.decode()
    assert "NameError: name &#x27;name&#x27; is not defined" in text
    assert not SandboxRun.objects.get().success


def test_output_is_escaped(signed_in: Client) -> None:
    RegistryService().add(make_manifest("xss", entry_point="'<script>alert(1)</script>'"))
    response = signed_in.post(url("xss"), {"context": "{}"})
    assert "<script>alert(1)</script>" not in response.content.decode()
    assert "&lt;script&gt;" in response.content.decode()


def test_rate_limited_per_user(signed_in: Client, plugin: PluginManifest, settings: object) -> None:
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "try": (2, 60)}  # type: ignore[attr-defined]
    codes = [signed_in.post(url(), {"context": '{"name": "a"}'}).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    assert SandboxRun.objects.count() == 2
    other = Client()
    other.login(username=make_user("other").username, password=PASSWORD)
    assert other.post(url(), {"context": '{"name": "a"}'}).status_code == 200


def test_csrf_is_enforced(plugin: PluginManifest) -> None:
    client = Client(enforce_csrf_checks=True)
    client.login(username=make_user("csrf").username, password=PASSWORD)
    assert client.post(url(), {"context": "{}"}).status_code == 403
    assert not SandboxRun.objects.exists()


def test_other_methods_are_refused(signed_in: Client, plugin: PluginManifest) -> None:
    assert signed_in.put(url()).status_code == 405
