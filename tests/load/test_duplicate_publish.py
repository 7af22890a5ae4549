"""Twenty clients publish the same name and version at the same moment over real HTTP.

The live server is threaded (one thread per request, each with its own database connection),
so the twenty requests really race inside the publish transaction. Exactly one is stored; the
other nineteen get 409 ``duplicate_version``. Two rounds: the first creates the plugin, the
second adds a version to the plugin that now exists (a different race: the plugin row lock).
"""

import json
import threading
from typing import Any
from urllib.parse import urlsplit

import pytest

from marketplace_site.web.tokens import api_token_create
from registry.models import PluginVersion
from tests.factories import make_user
from tests.load.harness import Response, fetch

CLIENTS = 20
TIMEOUT_S = 20.0


def _race(port: int, tokens: list[str], name: str, version: str) -> list[Response | str]:
    body = json.dumps({"name": name, "version": version, "entry_point": "result = 1"}).encode()
    barrier = threading.Barrier(len(tokens), timeout=TIMEOUT_S)
    answers: list[Response | str] = ["not answered"] * len(tokens)

    def publish(slot: int) -> None:
        try:
            barrier.wait()
            answers[slot] = fetch(
                port,
                "POST",
                "/api/v1/plugins",
                body=body,
                headers={
                    "Authorization": f"Bearer {tokens[slot]}",
                    "Content-Type": "application/json",
                },
                timeout=TIMEOUT_S,
            )
        except Exception as error:  # reported by the assertions below
            answers[slot] = f"{type(error).__name__}: {error}"

    threads = [threading.Thread(target=publish, args=(slot,)) for slot in range(len(tokens))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=TIMEOUT_S * 2)
    assert not any(thread.is_alive() for thread in threads)
    return answers


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_publishes_store_one(live_server: Any, settings: Any) -> None:
    if hasattr(settings, "RATE_LIMITS"):  # twenty publishes by one owner, twice
        settings.RATE_LIMITS = {**settings.RATE_LIMITS, "publish": (1000, 3600)}
    owner = make_user("racer")
    tokens = [api_token_create(user=owner, name=f"client {n}")[1] for n in range(CLIENTS)]
    address = urlsplit(live_server.url)
    assert address.hostname == "localhost" or address.hostname == "127.0.0.1"
    port = address.port
    assert port is not None

    for version in ("1.0.0", "1.1.0"):
        answers = _race(port, tokens, "raced-plugin", version)
        problems = [a for a in answers if not isinstance(a, Response)]
        assert problems == []
        responses = [a for a in answers if isinstance(a, Response)]
        statuses = sorted(r.status for r in responses)
        assert statuses == [201] + [409] * (CLIENTS - 1), [r.body[:200] for r in responses]
        for response in responses:
            if response.status == 409:
                assert response.json()["error"] == "duplicate_version"
        stored = PluginVersion.objects.filter(
            plugin__canonical_name="raced-plugin", version=version
        )
        assert stored.count() == 1
        assert stored.get().plugin.owner_id == owner.pk

    assert sorted(
        PluginVersion.objects.filter(plugin__canonical_name="raced-plugin").values_list(
            "version", flat=True
        )
    ) == ["1.0.0", "1.1.0"]
