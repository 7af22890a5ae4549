"""What the site depends on, and whether each answers: database, cache, broker, sandbox.

One report for ``/healthz`` (JSON, for load balancers and operators) and for the
``marketplace.health`` system check (``manage.py check``). Each probe is short: a load
balancer asks often, and a broken part must not make the report hang.
"""

import os
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.checks import CheckMessage, Info, Warning
from django.db import connection
from kombu.exceptions import KombuError
from redis.exceptions import RedisError

from marketplace_site.providers import sandbox_backend
from marketplace_site.remote_sandbox import RemoteSandbox
from marketplace_site.types import SandboxUnavailable

# A broker that does not accept a connection in this long is reported down.
BROKER_TIMEOUT_S = 1.0


def _database() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:
        return {"ok": False, "engine": connection.vendor, "error": str(exc)}
    return {"ok": True, "engine": connection.vendor}


def _cache() -> dict[str, Any]:
    backend = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    key = f"healthz:{os.getpid()}:{time.monotonic_ns()}"
    try:
        cache.set(key, "1", timeout=10)
        ok = cache.get(key) == "1"
        cache.delete(key)
    except Exception as exc:
        return {"ok": False, "backend": backend, "error": str(exc)}
    return (
        {"ok": ok, "backend": backend}
        if ok
        else {"ok": False, "backend": backend, "error": "a value set was not read back"}
    )


def _broker(sandbox: RemoteSandbox) -> dict[str, Any]:
    try:
        with sandbox.app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT_S)
    except (KombuError, RedisError, OSError) as exc:
        return {"ok": False, "error": str(exc)}
    return {"ok": True}


def report() -> dict[str, Any]:
    """``{"ok", "database", "cache", "broker", "sandbox"}``; ``ok`` is True when every part
    answers and at least one sandbox (a worker, or this process's zygote) can run code.

    ``sandbox`` is ``{"backend": "embedded" | "celery", "workers": int, "isolation":
    {worker name: {"level", "summary", "missing"}}}``; embedded, the one worker is this web
    process's zygote.
    """
    database = _database()
    cache_part = _cache()
    sandbox = sandbox_backend()
    if isinstance(sandbox, RemoteSandbox):
        broker = _broker(sandbox)
        workers: dict[str, dict[str, Any]] = {}
        if broker["ok"]:
            try:
                workers = sandbox.workers()
            except SandboxUnavailable as exc:
                broker = {"ok": False, "error": exc.message}
        sandbox_part: dict[str, Any] = {
            "backend": "celery",
            "workers": len(workers),
            "isolation": workers,
        }
    else:
        broker = {"ok": True, "used": False}
        isolation = sandbox.isolation()
        runs = isolation.level != "none" or bool(
            getattr(settings, "SANDBOX_ALLOW_UNISOLATED", False)
        )
        sandbox_part = {
            "backend": "embedded",
            "workers": 1 if runs else 0,
            "isolation": {
                f"in-process zygote (web process {os.getpid()})": {
                    "level": isolation.level,
                    "summary": isolation.summary,
                    "missing": list(isolation.missing),
                }
            },
        }
    ok = database["ok"] and cache_part["ok"] and broker["ok"] and sandbox_part["workers"] > 0
    return {
        "ok": ok,
        "database": database,
        "cache": cache_part,
        "broker": broker,
        "sandbox": sandbox_part,
    }


def check_health(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """The report as check messages when the site spans machines (a Celery sandbox or a
    Redis cache): Info for each part that answers, a Warning for each that does not. The
    embedded default adds nothing here: ``sandbox.I001`` already reports its zygote."""
    if getattr(settings, "SANDBOX_BACKEND", "embedded") != "celery" and not getattr(
        settings, "CACHE_URL", ""
    ):
        return []
    found = report()
    messages: list[CheckMessage] = []
    for number, part in enumerate(("database", "cache", "broker"), start=101):
        entry = found[part]
        if entry["ok"]:
            messages.append(Info(f"{part}: answers.", id=f"marketplace.I{number}"))
        else:
            error = entry.get("error")
            messages.append(Warning(f"{part}: no answer ({error}).", id=f"marketplace.W{number}"))
    sandbox = found["sandbox"]
    if sandbox["workers"]:
        levels = ", ".join(
            f"{name}: {entry['level']}" for name, entry in sorted(sandbox["isolation"].items())
        )
        messages.append(
            Info(
                f"{sandbox['workers']} sandbox worker(s) answer ({levels}).", id="marketplace.I104"
            )
        )
    else:
        messages.append(
            Warning(
                "No sandbox worker answers: plugin runs will get 503 until one does.",
                hint="Start one: celery -A marketplace_site worker -Q sandbox",
                id="marketplace.W104",
            )
        )
    return messages
