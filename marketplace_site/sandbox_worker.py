"""What a sandbox worker runs: the ``sandbox.run`` task and the ``sandbox_isolation`` probe.

Imported by worker processes only (``marketplace_site.celery`` lists it). A run arrives as
JSON (code, context, modules, imports, limits), runs in this worker process's own zygote
through the public sandbox API, and goes back as the ``SandboxResult``'s fields.

Delivery: ``acks_late`` with ``reject_on_worker_lost`` puts a run whose worker process died
back on the queue for another process; the message's ``expires`` (the caller's deadline) makes
a worker drop a run nobody waits for any more. A run has no effects outside its own process,
so running it twice is harmless; the caller keeps the first result only.
"""

import dataclasses
from typing import Any

from celery import shared_task
from celery.signals import worker_process_init
from celery.worker.control import inspect_command

from marketplace_site.types import PluginModule
from sandbox.services import SandboxService

TASK_NAME = "sandbox.run"


def decode_modules(data: dict[str, Any] | None) -> dict[str, str | PluginModule] | None:
    """``{"name": {"source", "imports" (list or None), "plugin"}}`` back to PluginModules."""
    if data is None:
        return None
    modules: dict[str, str | PluginModule] = {}
    for name, entry in data.items():
        imports = entry.get("imports")
        modules[name] = PluginModule(
            source=entry["source"],
            imports=None if imports is None else frozenset(imports),
            plugin=entry.get("plugin", ""),
        )
    return modules


def run(request: dict[str, Any]) -> dict[str, Any]:
    """Run one request (see ``marketplace_site.remote_sandbox.encode_request``) and return
    ``dataclasses.asdict(SandboxResult)``."""
    imports = request.get("imports")
    result = SandboxService().run(
        request["code"],
        request.get("context") or {},
        modules=decode_modules(request.get("modules")),
        imports=None if imports is None else frozenset(imports),
        timeout_ms=int(request["timeout_ms"]),
        memory_limit_mb=int(request["memory_limit_mb"]),
    )
    return dataclasses.asdict(result)


def start_zygote(**kwargs: Any) -> None:
    """Warm this worker process's zygote before the first run arrives, so that the first
    run does not spend its caller's deadline starting it."""
    SandboxService().isolation()


def sandbox_isolation(state: Any, **kwargs: Any) -> dict[str, Any]:
    """This worker's isolation level and what it lacks (``celery inspect sandbox_isolation``),
    the same report ``manage.py check`` gives in-process."""
    report = SandboxService().isolation()
    return {"level": report.level, "summary": report.summary, "missing": list(report.missing)}


# Registered by call rather than as decorators: Celery has no type hints, and a decorator
# without them would leave these functions untyped for mypy.
task = shared_task(name=TASK_NAME, acks_late=True, reject_on_worker_lost=True)(run)
worker_process_init.connect(start_zygote, weak=False)
inspect_command()(sandbox_isolation)
