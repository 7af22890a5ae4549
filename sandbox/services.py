"""Run untrusted plugin code in OS isolation, and record the runs made through the site.

``SandboxService.run`` implements the ``Sandbox`` protocol of ``marketplace_site.types``.
The boundary is the operating system, not Python: see ``sandbox.zygote`` for the layers and
``sandbox.client`` for how the web process talks to the warm zygote.
"""

from __future__ import annotations

import functools
import json
import keyword
import marshal
import math
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Collection, Iterable, Mapping
from typing import Any

from django.conf import settings
from django.db import models

from marketplace_site.types import PluginModule, SandboxResult, canonical_name
from sandbox import isolation, wire
from sandbox.client import ZYGOTE_SCRIPT, RunOutcome, ZygoteClient, ZygoteUnavailable
from sandbox.isolation import IsolationReport
from sandbox.models import SandboxRun
from sandbox.results import MalformedResult, output_json, parse_document
from sandbox.seccomp_filter import compile_filter
from sandbox.selectors import install_counts
from sandbox.zygote.protocol import out_of_memory

__all__ = [
    "RESULT_CAP",
    "STDOUT_CAP",
    "SandboxService",
    "install_counts",
    "record_run",
]

STDOUT_CAP = 64 * 1024
RESULT_CAP = 1024 * 1024
MAX_CODE_BYTES = 1024 * 1024
MAX_MODULES_BYTES = 8 * 1024 * 1024  # all of a run's module sources together
MAX_CONTEXT_BYTES = 1024 * 1024
MAX_TIMEOUT_MS = 60_000
MAX_MEMORY_MB = 4096
MIN_MEMORY_MB = 16
RESTART_BACKOFF_S = 10.0
EXCERPT_CHARS = 4000


def _format_cap(size: int) -> str:
    return f"{size // (1024 * 1024)} MiB" if size >= 1024 * 1024 else f"{size // 1024} KiB"


def _supported() -> str | None:
    """Why the zygote cannot run here, or None when it can."""
    if not sys.platform.startswith("linux"):
        return f"{sys.platform} is not Linux"
    if not (hasattr(os, "pidfd_open") and hasattr(os, "memfd_create")):
        return "this Python lacks pidfd_open or memfd_create"
    return None


class _Pool:
    """The zygotes of this process, one per configuration; restarted when one dies."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.clients: dict[tuple[Any, ...], ZygoteClient] = {}
        self.failures: dict[tuple[Any, ...], tuple[float, str]] = {}

    def get(self, disable: tuple[str, ...], stdout_cap: int, result_cap: int) -> ZygoteClient:
        key = (disable, stdout_cap, result_cap)
        with self.lock:
            client = self.clients.get(key)
            if client is not None and client.alive():
                return client
            if client is not None:
                client.close() if client.owner_pid == os.getpid() else client.forget()
            failed = self.failures.get(key)
            if failed and time.monotonic() < failed[0]:
                raise ZygoteUnavailable(failed[1])
            reason = _supported()
            if reason:
                self.failures[key] = (math.inf, reason)
                raise ZygoteUnavailable(reason)
            try:
                client = ZygoteClient(
                    bpf=compile_filter(),
                    stdout_cap=stdout_cap,
                    result_cap=result_cap,
                    disable=disable,
                )
            except (ZygoteUnavailable, OSError, TimeoutError) as exc:
                self.failures[key] = (time.monotonic() + RESTART_BACKOFF_S, str(exc))
                raise ZygoteUnavailable(str(exc)) from exc
            self.failures.pop(key, None)
            self.clients[key] = client
            return client

    def reset_after_fork(self) -> None:
        self.lock = threading.Lock()
        self.clients = {}
        self.failures = {}


_pool = _Pool()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_pool.reset_after_fork)


def _failure(error: str, *, timed_out: bool = False, duration_ms: float = 0.0) -> SandboxResult:
    return SandboxResult(
        success=False,
        output=None,
        stdout="",
        error=error,
        duration_ms=round(duration_ms, 3),
        memory_bytes=0,
        timed_out=timed_out,
    )


class SandboxService:
    """Runs plugin code in a fresh, confined process forked from a warm zygote."""

    def __init__(
        self,
        *,
        allow_unisolated: bool | None = None,
        disable_layers: Iterable[str] = (),
        stdout_cap: int = STDOUT_CAP,
        result_cap: int = RESULT_CAP,
    ) -> None:
        self._allow_unisolated = allow_unisolated
        self._disable = tuple(sorted(set(disable_layers)))
        self.stdout_cap = stdout_cap
        self.result_cap = result_cap

    @property
    def allow_unisolated(self) -> bool:
        if self._allow_unisolated is not None:
            return self._allow_unisolated
        return bool(getattr(settings, "SANDBOX_ALLOW_UNISOLATED", False))

    def _client(self) -> ZygoteClient:
        return _pool.get(self._disable, self.stdout_cap, self.result_cap)

    def isolation(self) -> IsolationReport:
        """The layers every run gets here; starts the zygote if it is not running."""
        try:
            client = self._client()
        except ZygoteUnavailable as exc:
            return isolation.unavailable(str(exc))
        return isolation.report_from_layers(
            client.hello.get("layers", {}), client.hello.get("errors", {})
        )

    def zygote_pid(self) -> int:
        """The host pid of the process this service's zygote started as (for operators)."""
        return self._client().pid

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
        """Run ``code`` with ``context`` as globals; never raises for what the code does.

        ``modules`` maps module names to Python source (a ``str``, importable by every module
        of the run) or to a ``PluginModule`` (its source, the names it may import, its
        plugin's name). ``import NAME`` executes NAME's source once per run, on first import;
        no module sees ``context``. ``imports`` is what ``code`` may import among them (None:
        all). An undeclared import fails with ``ModuleNotFoundError`` naming the missing
        declaration; see ``sandbox.zygote.runtime`` for the rules (cycles, standard-library
        names).

        Raises TypeError or ValueError only for a caller's mistake: code that is not a
        string, a context that is not a mapping of JSON values, a module name that is not
        an identifier, a non-positive limit.
        """
        payload = self._payload(code, context, timeout_ms, memory_limit_mb, modules, imports)
        if isinstance(payload, SandboxResult):
            return payload
        timeout_ms = min(int(timeout_ms), MAX_TIMEOUT_MS)
        memory_limit_mb = max(MIN_MEMORY_MB, min(int(memory_limit_mb), MAX_MEMORY_MB))
        report = self.isolation()
        if report.level == isolation.NONE:
            if not self.allow_unisolated:
                return _failure(
                    "SandboxUnavailable: refusing to run plugin code without isolation "
                    f"({'; '.join(report.missing) or 'no layer available'}). Set "
                    "SANDBOX_ALLOW_UNISOLATED = True for local development only."
                )
            if report.errors.get("zygote"):
                return self._run_unisolated(payload.whole(), timeout_ms, memory_limit_mb)
        for attempt in range(2):
            client = self._client()
            try:
                outcome = client.run(payload, timeout_ms=timeout_ms, memory_mb=memory_limit_mb)
            except ZygoteUnavailable as exc:
                # The zygote died before or while taking the request and nothing came
                # back; a run has no effects outside its process, so one retry is safe.
                # Its reader thread may not have noticed yet: retire it so the retry
                # gets a new zygote rather than the same dead one.
                client.mark_dead(str(exc))
                if attempt:
                    return _failure(f"SandboxUnavailable: {exc}")
                continue
            return self._result(outcome, timeout_ms, memory_limit_mb)
        raise AssertionError("unreachable")  # pragma: no cover

    def _payload(
        self,
        code: str,
        context: Mapping[str, Any] | None,
        timeout_ms: int,
        memory_mb: int,
        modules: Mapping[str, str | PluginModule] | None = None,
        imports: Collection[str] | None = None,
    ) -> wire.Request | SandboxResult:
        if not isinstance(code, str):
            raise TypeError(f"code must be a string, not {type(code).__name__}")
        if context is None:
            context = {}
        if not isinstance(context, Mapping):
            raise TypeError(f"context must be a mapping, not {type(context).__name__}")
        if not all(isinstance(key, str) for key in context):
            raise TypeError("context keys must be strings")
        if isinstance(timeout_ms, bool) or not isinstance(timeout_ms, int) or timeout_ms <= 0:
            raise ValueError("timeout_ms must be a positive integer")
        if isinstance(memory_mb, bool) or not isinstance(memory_mb, int) or memory_mb <= 0:
            raise ValueError("memory_limit_mb must be a positive integer")
        try:
            context_json = json.dumps(dict(context), allow_nan=False)
        except (TypeError, ValueError, RecursionError) as exc:
            raise TypeError(f"context must contain JSON values only: {exc}") from exc
        if len(code.encode("utf-8", "surrogatepass")) > MAX_CODE_BYTES:
            return _failure(f"CodeTooLarge: the code is larger than {_format_cap(MAX_CODE_BYTES)}")
        if len(context_json) > MAX_CONTEXT_BYTES:
            return _failure(
                f"ContextTooLarge: the context is larger than {_format_cap(MAX_CONTEXT_BYTES)}"
            )
        extra = _modules_document(modules, imports)
        if isinstance(extra, SandboxResult):
            return extra
        keys, blobs = extra
        document = (
            '{"code": ' + json.dumps(code) + ', "context": ' + context_json + keys + "}"
        ).encode()
        return wire.Request(wire.PAYLOAD_HEAD.pack(len(document)) + document, tuple(blobs))

    def _result(self, outcome: RunOutcome, timeout_ms: int, memory_mb: int) -> SandboxResult:
        status = outcome.status
        duration = outcome.wall_ms
        memory = int(status.get("maxrss_kb") or 0) * 1024
        timed_out = outcome.timed_out
        sig = status.get("signal")
        if sig == signal.SIGXCPU:
            timed_out = True

        def failed(error: str) -> SandboxResult:
            return SandboxResult(
                success=False,
                output=None,
                stdout="",
                error=error,
                duration_ms=round(duration, 3),
                memory_bytes=memory,
                timed_out=timed_out,
            )

        if timed_out:
            return failed(f"TimeoutError: the run took longer than {timeout_ms} ms and was killed")
        if outcome.lost:
            return failed(f"SandboxError: {outcome.lost}")
        if outcome.oversize:
            return failed(
                f"ResultTooLarge: the result is larger than {_format_cap(self.result_cap)}"
            )
        if status.get("exit") == wire.OUT_OF_MEMORY:
            return failed(out_of_memory(memory_mb))
        if not outcome.data:
            if sig is not None:
                return failed(f"Killed: the run was killed by {_signal_name(sig)}")
            return failed(
                f"SandboxError: the run ended without a result (exit status {status.get('exit')})"
            )
        try:
            document = parse_document(outcome.data, result_cap=self.result_cap)
        except MalformedResult as exc:
            if sig is not None:  # cut off while writing it
                return failed(f"Killed: the run was killed by {_signal_name(sig)}")
            return failed(f"SandboxError: the run wrote a malformed result ({exc})")
        memory = memory or document.maxrss_kb * 1024
        stdout = document.stdout
        encoded = stdout.encode("utf-8")
        if document.stdout_truncated or len(encoded) > self.stdout_cap:
            stdout = encoded[: self.stdout_cap].decode("utf-8", "ignore")
            stdout += f"\n… [stdout truncated at {_format_cap(self.stdout_cap)}]"
        ok = document.ok and document.error is None
        return SandboxResult(
            success=ok,
            output=document.output if ok else None,
            stdout=stdout,
            error=None if ok else (document.error or "SandboxError: no result")[:EXCERPT_CHARS],
            duration_ms=round(duration, 3),
            memory_bytes=memory,
            timed_out=False,
        )

    def _run_unisolated(self, payload: bytes, timeout_ms: int, memory_mb: int) -> SandboxResult:
        """Development only, where no zygote runs: one plain interpreter per run."""
        command = [sys.executable, "-I", "-S", "-B", str(ZYGOTE_SCRIPT), "--once",
                   str(self.stdout_cap), str(self.result_cap), str(memory_mb)]  # fmt: skip
        started = time.monotonic()
        # S603: a fixed command line (our own interpreter and script), no shell.
        with subprocess.Popen(  # noqa: S603
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        ) as process:
            try:
                data, _ = process.communicate(payload, timeout=timeout_ms / 1000)
            except subprocess.TimeoutExpired:
                _kill_group(process)
                process.communicate()
                return _failure(
                    f"TimeoutError: the run took longer than {timeout_ms} ms and was killed",
                    timed_out=True,
                    duration_ms=(time.monotonic() - started) * 1000,
                )
        outcome = RunOutcome(
            data=data[: self.result_cap + 16 * self.stdout_cap + 65536],
            status={"exit": process.returncode},
            wall_ms=(time.monotonic() - started) * 1000,
        )
        return self._result(outcome, timeout_ms, memory_mb)


@functools.lru_cache(maxsize=256)
def module_entry(source: str, plugin: str, imports: tuple[str, ...] | None) -> tuple[str, bytes]:
    """One module of the request: its entry in the document (JSON text) and its code object
    (``marshal`` bytes, or ``b""``). Cached: the same plugin version is in many runs.

    Compiling is most of what importing costs (about 5 ms for 200 lines here), and a run's
    process cannot keep anything for the next run, so the web process compiles each module
    source once and sends its code object instead of the source, as raw bytes after the
    document (``sandbox.wire``); the run unmarshals it on first import. The data flows from
    the trusted side to the confined one only. A source that does not compile here (a syntax
    error, an integer literal past this process's digit limit) goes as source and the run
    compiles it, reporting its error as the plugin's.
    """
    entry: dict[str, Any] = {"plugin": plugin, "imports": imports}
    try:
        code = compile(source, f"<plugin {plugin}>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError, MemoryError, RecursionError, OverflowError):
        entry["source"] = source
        return json.dumps(entry), b""
    data = marshal.dumps(code)
    entry["code_bytes"] = len(data)
    return json.dumps(entry), data


def _modules_document(
    modules: Mapping[str, str | PluginModule] | None, imports: Collection[str] | None
) -> tuple[str, list[bytes]] | SandboxResult:
    """The request's ``"modules"`` and ``"imports"`` keys (with a leading comma), or "",
    and the code objects that follow the document, in the modules' order."""
    if modules is None and imports is None:
        return "", []
    if modules is not None and not isinstance(modules, Mapping):
        raise TypeError(f"modules must be a mapping, not {type(modules).__name__}")
    entries: list[str] = []
    blobs: list[bytes] = []
    size = 0
    for name, value in (modules or {}).items():
        if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name):
            raise ValueError(f"module name {name!r} is not a Python identifier")
        module = value if isinstance(value, PluginModule) else PluginModule(source=value)
        if not isinstance(module.source, str):
            raise TypeError(f"the source of module {name!r} must be a string")
        size += len(module.source.encode("utf-8", "surrogatepass"))
        if size > MAX_MODULES_BYTES:
            return _failure(
                f"CodeTooLarge: the modules are larger than {_format_cap(MAX_MODULES_BYTES)}"
            )
        allowed = None if module.imports is None else tuple(sorted(module.imports))
        entry, blob = module_entry(module.source, module.plugin or name, allowed)
        entries.append(json.dumps(name) + ": " + entry)
        if blob:
            blobs.append(blob)
    if imports is not None and (isinstance(imports, str) or not isinstance(imports, Collection)):
        raise TypeError("imports must be a collection of module names")
    root = None if imports is None else sorted(str(name) for name in imports)
    document = ', "modules": {' + ", ".join(entries) + '}, "imports": ' + json.dumps(root)
    return document, blobs


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError, AttributeError):
        process.kill()


def _signal_name(number: object) -> str:
    try:
        return signal.Signals(int(number)).name  # type: ignore[call-overload]
    except (ValueError, TypeError):
        return f"signal {number}"


def _storable(text: str) -> str:
    """Text a database text column accepts: PostgreSQL refuses NUL characters."""
    return text.replace("\x00", "\ufffd")


def record_run(
    *, plugin_name: str, version: str, result: SandboxResult, user: Any = None
) -> SandboxRun:
    """Store one run made through the site."""
    owner: Any = user if isinstance(user, models.Model) and user.pk is not None else None
    output = "" if result.output is None else output_json(result.output)
    return SandboxRun.objects.create(
        plugin_name=canonical_name(plugin_name),
        version=version,
        user=owner,
        success=result.success,
        timed_out=result.timed_out,
        duration_ms=max(0.0, float(result.duration_ms)),
        memory_bytes=max(0, int(result.memory_bytes)),
        error=_storable(result.error or "")[:EXCERPT_CHARS],
        stdout_excerpt=_storable(result.stdout)[:EXCERPT_CHARS],
        output_excerpt=output[:EXCERPT_CHARS],
    )
