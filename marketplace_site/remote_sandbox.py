"""Sandbox runs on Celery workers (``SANDBOX_BACKEND=celery``), under the caller's deadline.

``RemoteSandbox.run`` has ``SandboxService.run``'s signature and result, so the marketplace
does not know where code runs. The request goes to the ``sandbox`` queue; the web process
waits for the result on the result backend (Redis) until the deadline, never longer:

- An attempt may take the run's own limit (``timeout_ms``) plus ``overhead_ms`` (queueing,
  transfer, a zygote's start). The caller's deadline is two attempts: ``2 * (timeout_ms +
  overhead_ms)`` after the call.
- When the first attempt has no answer in its time (its worker host died or was cut off:
  a lost message stays unacknowledged in Redis until its visibility timeout), or its worker
  process died, the same run is sent once more, for whichever worker is alive; the first
  result of either copy wins. A run has no effects outside its own process, so a second copy
  is harmless, and the run record is written by the caller only, once (see
  ``Marketplace.run``).
- No result by the deadline, or a broker that cannot be reached: ``SandboxUnavailable``
  (HTTP 503), with the reason.

Every message carries ``expires`` (the deadline): a worker that takes it later drops it.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Collection, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from celery import Celery
from celery.result import AsyncResult
from kombu.exceptions import KombuError, OperationalError
from redis.exceptions import RedisError

from marketplace_site.types import PluginModule, SandboxResult, SandboxUnavailable

QUEUE = "sandbox"
TASK_NAME = "sandbox.run"
POLL_S = 0.01
# How long a health probe waits for workers to answer a broadcast.
PING_TIMEOUT_S = 1.0


def encode_modules(
    modules: Mapping[str, str | PluginModule] | None,
) -> dict[str, dict[str, Any]] | None:
    """PluginModules (or plain sources) as JSON: ``{"name": {"source", "imports", "plugin"}}``."""
    if modules is None:
        return None
    if not isinstance(modules, Mapping):
        raise TypeError(f"modules must be a mapping, not {type(modules).__name__}")
    encoded: dict[str, dict[str, Any]] = {}
    for name, value in modules.items():
        module = value if isinstance(value, PluginModule) else PluginModule(source=value)
        imports = None if module.imports is None else sorted(module.imports)
        encoded[str(name)] = {"source": module.source, "imports": imports, "plugin": module.plugin}
    return encoded


def encode_request(
    code: str,
    context: Mapping[str, Any] | None,
    modules: Mapping[str, str | PluginModule] | None,
    imports: Collection[str] | None,
    timeout_ms: int,
    memory_limit_mb: int,
) -> dict[str, Any]:
    """The task's one argument, JSON only. Raises TypeError or ValueError for a caller's
    mistake, as ``SandboxService.run`` does, before anything is sent."""
    if not isinstance(code, str):
        raise TypeError(f"code must be a string, not {type(code).__name__}")
    if context is not None and not isinstance(context, Mapping):
        raise TypeError(f"context must be a mapping, not {type(context).__name__}")
    for name, value in (("timeout_ms", timeout_ms), ("memory_limit_mb", memory_limit_mb)):
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise ValueError(f"{name} must be a positive integer")
    if imports is not None and (isinstance(imports, str) or not isinstance(imports, Collection)):
        raise TypeError("imports must be a collection of module names")
    request = {
        "code": code,
        "context": dict(context or {}),
        "modules": encode_modules(modules),
        "imports": None if imports is None else sorted(str(name) for name in imports),
        "timeout_ms": timeout_ms,
        "memory_limit_mb": memory_limit_mb,
    }
    try:
        json.dumps(request["context"], allow_nan=False)
    except (TypeError, ValueError, RecursionError) as exc:
        raise TypeError(f"context must contain JSON values only: {exc}") from exc
    return request


def decode_result(data: Mapping[str, Any]) -> SandboxResult:
    return SandboxResult(
        success=bool(data["success"]),
        output=data.get("output"),
        stdout=str(data.get("stdout", "")),
        error=data.get("error"),
        duration_ms=float(data.get("duration_ms", 0.0)),
        memory_bytes=int(data.get("memory_bytes", 0)),
        timed_out=bool(data.get("timed_out", False)),
    )


class RemoteSandbox:
    """The ``Sandbox`` protocol over Celery. ``app`` is configured with the broker and the
    result backend; ``overhead_ms`` is what an attempt may add to the run's own limit."""

    def __init__(self, app: Celery, *, overhead_ms: int = 1000) -> None:
        self.app = app
        self.overhead_ms = overhead_ms

    def deadline_ms(self, timeout_ms: int) -> int:
        """The caller's whole wait for a run limited to ``timeout_ms``: two attempts."""
        return 2 * (timeout_ms + self.overhead_ms)

    def run(
        self,
        code: str,
        context: Mapping[str, Any] | None = None,
        *,
        modules: Mapping[str, str | PluginModule] | None = None,
        imports: Collection[str] | None = None,
        timeout_ms: int = 1000,
        memory_limit_mb: int = 256,
    ) -> SandboxResult:
        """Run on a worker; the result as ``SandboxService.run`` gives it.

        Raises ``SandboxUnavailable`` when no worker answered by the deadline or the broker
        is unreachable; TypeError or ValueError for a caller's mistake.
        """
        request = encode_request(code, context, modules, imports, timeout_ms, memory_limit_mb)
        started = time.monotonic()
        whole_s = self.deadline_ms(timeout_ms) / 1000
        attempt_s = whole_s / 2
        deadline = started + whole_s
        expires = datetime.now(UTC) + timedelta(seconds=whole_s)
        sent = [self._send(request, expires)]
        answer = self._wait(sent, started + attempt_s)
        if answer is None:
            sent.append(self._send(request, expires))
            answer = self._wait(sent, deadline)
        for result in sent:
            with contextlib.suppress(RedisError, OSError):
                result.forget()
        if answer is None:
            waited = round((time.monotonic() - started) * 1000)
            raise SandboxUnavailable(
                f"No sandbox worker answered within {waited} ms (two attempts on the "
                f"'{QUEUE}' queue). The workers are down or busy; try again shortly."
            )
        return answer

    def _send(self, request: dict[str, Any], expires: datetime) -> AsyncResult[Any]:
        try:
            return self.app.send_task(
                TASK_NAME,
                args=(request,),
                queue=QUEUE,
                expires=expires,
                retry=True,
                retry_policy={"max_retries": 1, "interval_start": 0, "interval_step": 0.2},
            )
        except (OperationalError, KombuError, RedisError, OSError, RuntimeError) as exc:
            # RuntimeError: Celery's result consumer gave up reconnecting to Redis.
            raise SandboxUnavailable(
                f"The sandbox queue's broker cannot be reached ({exc})."
            ) from exc

    def _wait(self, sent: list[AsyncResult[Any]], until: float) -> SandboxResult | None:
        """The first result of any copy, or None when none came by ``until`` (the caller may
        send it once more)."""
        while True:
            for result in sent:
                try:
                    state = result.state
                except (RedisError, OSError) as exc:
                    raise SandboxUnavailable(
                        f"The sandbox result backend cannot be reached ({exc})."
                    ) from exc
                if state == "SUCCESS":
                    return decode_result(result.result)
                if state == "FAILURE":
                    # The task raised (a run the sandbox refused on the worker); a dead pool
                    # process does not land here: its run goes back on the queue.
                    error = result.result
                    return SandboxResult(
                        success=False,
                        output=None,
                        stdout="",
                        error=f"SandboxError: the worker failed: {type(error).__name__}: {error}",
                        duration_ms=0.0,
                        memory_bytes=0,
                    )
            if time.monotonic() >= until:
                return None
            time.sleep(POLL_S)

    def workers(self, timeout_s: float = PING_TIMEOUT_S) -> dict[str, dict[str, Any]]:
        """Live sandbox workers by name, each with its isolation (``level``, ``summary``,
        ``missing``). Empty when none answered within ``timeout_s`` seconds; raises
        ``SandboxUnavailable`` when the broker cannot be reached."""
        try:
            replies = self.app.control.broadcast("sandbox_isolation", reply=True, timeout=timeout_s)
        except (OperationalError, KombuError, RedisError, OSError) as exc:
            raise SandboxUnavailable(f"The broker cannot be reached ({exc}).") from exc
        workers: dict[str, dict[str, Any]] = {}
        for reply in replies or []:
            for name, answer in reply.items():
                if isinstance(answer, dict) and "level" in answer:
                    workers[name] = answer
        return workers
