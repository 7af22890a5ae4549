"""The ORM side of the load test, run in a subprocess with the server's environment:

    python -m tests.load.django_side setup|verify|profile   (JSON on stdin, JSON on stdout)

``setup`` makes the load users, their API tokens and signed-in sessions; ``verify`` checks that
every write the clients saw succeed is in the database; ``profile`` times the plugin page
with cProfile and lists its queries.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def _setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace_site.settings")
    import django

    django.setup()


def _session_for(user: Any) -> str:
    """A signed-in session, as the login view would make it (without the password hash)."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    assert store.session_key is not None
    return store.session_key


def setup(payload: dict[str, Any]) -> dict[str, Any]:
    from django.conf import settings
    from django.contrib.auth.models import User

    from marketplace_site.web.tokens import api_token_create
    from registry.models import Plugin

    users = []
    for index in range(int(payload["clients"])):
        user, _ = User.objects.get_or_create(username=f"load-u{index:03d}")
        user.set_unusable_password()
        user.save()
        _token, raw = api_token_create(user=user, name="load test")
        users.append({"username": user.username, "token": raw, "session": _session_for(user)})
    owner, _ = User.objects.get_or_create(username="load-owner")
    owner.set_unusable_password()
    owner.save()
    tokens = [
        api_token_create(user=owner, name=f"load {n}")[1]
        for n in range(int(payload.get("owner_tokens", 20)))
    ]
    plugins = list(
        Plugin.objects.filter(latest__isnull=False)
        .exclude(canonical_name__startswith="load-")
        .order_by("canonical_name")
        .values_list("display_name", flat=True)
    )
    return {
        "users": users,
        "owner": {"username": owner.username, "tokens": tokens},
        "plugins": plugins,
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "csrf_cookie": settings.CSRF_COOKIE_NAME,
    }


def verify(payload: dict[str, Any]) -> dict[str, Any]:
    """Every successful publish and review is stored; counts match."""
    from django.db import connection

    from marketplace_site.types import canonical_name
    from registry.models import PluginVersion
    from reviews.models import Review
    from sandbox.models import SandboxRun

    prefix = payload["prefix"]
    stored = set(
        PluginVersion.objects.filter(plugin__canonical_name__startswith=prefix).values_list(
            "plugin__canonical_name", "version"
        )
    )
    published = {(canonical_name(name), version) for name, version in payload["publishes"]}
    missing_versions = sorted(published - stored)
    extra_versions = sorted(stored - published)

    expected_reviews = {
        (username, canonical_name(plugin)): comment
        for username, plugin, comment in payload["reviews"]
    }
    rows = {
        (username, plugin): comment
        for username, plugin, comment in Review.objects.filter(
            user__username__startswith="load-u"
        ).values_list("user__username", "plugin_name", "comment")
    }
    missing_reviews = sorted(f"{u} {p}" for (u, p) in expected_reviews if (u, p) not in rows)
    wrong_reviews = sorted(
        f"{u} {p}: stored {rows[(u, p)]!r}, last success {c!r}"
        for (u, p), c in expected_reviews.items()
        if (u, p) in rows and rows[(u, p)] != c
    )
    extra_reviews = sorted(f"{u} {p}" for (u, p) in rows if (u, p) not in expected_reviews)

    from django.db.models import Sum

    from marketplace_site.models import InstalledPlugin

    runs = SandboxRun.objects.filter(user__username__startswith="load-u").count()
    installation_runs = InstalledPlugin.objects.filter(
        user__username__startswith="load-u"
    ).aggregate(total=Sum("run_count"))["total"]
    duplicates = {}
    for name in payload.get("duplicate_names", []):
        duplicates[name] = PluginVersion.objects.filter(
            plugin__canonical_name=canonical_name(name)
        ).count()
    return {
        "vendor": connection.vendor,
        "publishes_ok": len(published),
        "versions_stored": len(stored),
        "missing_versions": [f"{n} {v}" for n, v in missing_versions],
        "extra_versions": [f"{n} {v}" for n, v in extra_versions],
        "reviews_ok_pairs": len(expected_reviews),
        "reviews_stored": len(rows),
        "missing_reviews": missing_reviews,
        "wrong_reviews": wrong_reviews,
        "extra_reviews": extra_reviews,
        "install_runs_ok": int(payload.get("install_runs", 0)),
        "sandbox_runs_stored": runs,
        "installation_runs_stored": installation_runs or 0,
        "duplicates": duplicates,
    }


def profile(payload: dict[str, Any]) -> dict[str, Any]:
    """cProfile of ``requests`` GETs of ``path`` through the test client, and its queries;
    with ``signed_in`` true, as a signed-in user (a session: no visitor page cache)."""
    import cProfile
    import io
    import pstats

    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    path = payload["path"]
    client = Client(HTTP_HOST="127.0.0.1")
    if payload.get("signed_in"):
        user, _ = User.objects.get_or_create(username="load-profile")
        client.force_login(user)
    for _ in range(3):
        assert client.get(path).status_code == 200
    with CaptureQueriesContext(connection) as context:
        client.get(path)
    # A snapshot: the next request clears the connection's query log the property reads.
    queries = list(context.captured_queries)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(int(payload.get("requests", 50))):
        client.get(path)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(int(payload.get("top", 40)))
    tottime = io.StringIO()
    pstats.Stats(profiler, stream=tottime).sort_stats("tottime").print_stats(25)
    own = io.StringIO()
    project = r"/work/main/(marketplace_site|registry|reviews|depgraph|sandbox|resolver|templates)/"
    pstats.Stats(profiler, stream=own).sort_stats("cumulative").print_stats(
        project.replace("/work/main", str(ROOT)), 30
    )
    return {
        "project": own.getvalue(),
        "queries": [q["sql"][:240] for q in queries],
        "query_ms": [q["time"] for q in queries],
        "cumulative": out.getvalue(),
        "tottime": tottime.getvalue(),
    }


COMMANDS = {"setup": setup, "verify": verify, "profile": profile}


def main() -> None:
    command = sys.argv[1]
    payload = json.loads(sys.stdin.read() or "{}")
    _setup_django()
    result = COMMANDS[command](payload)
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
