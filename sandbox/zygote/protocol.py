"""One run, inside its confined process: execute the request, build the result document.

The request is framed as ``sandbox.wire`` says: the request document ``{"code": str,
"context": {name: JSON value}}``, optionally with the run's plugin modules (``"modules"``,
``"imports"``: see ``sandbox.zygote.runtime``), then the modules' code objects;
the result is the JSON object described in ``sandbox.wire`` (``output`` first, then ``ok``,
``error``, ``stdout``, ``stdout_truncated``, ``maxrss_kb``). Everything here runs after
confinement, with the interpreter's modules already loaded.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import errno
import io
import json
import math
import os
import resource
import struct
import sys
from typing import Any

from sandbox import wire
from sandbox.zygote.runtime import ModuleTable, PrimedCode, declared_names

# The smallest integer with more than MAX_INT_DIGITS digits, and its bit length: a cheap
# first test, so only a candidate pays for the exact comparison.
_TOO_MANY_DIGITS = 10**wire.MAX_INT_DIGITS
_TOO_MANY_BITS = _TOO_MANY_DIGITS.bit_length() - 1


class CappedWriter(io.TextIOBase):
    """``sys.stdout`` for a run: keeps the first ``cap`` bytes (UTF-8), counts the rest."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.parts: list[bytes] = []
        self.size = 0
        self.truncated = False

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        room = self.cap - self.size
        if room <= 0:
            self.truncated = self.truncated or bool(text)
            return len(text)
        # A character is at least one byte, so never encode more than ``room`` characters.
        data = text[:room].encode("utf-8", "replace")
        if len(data) > room or len(text) > room:
            self.truncated = True
            data = data[:room]
        self.parts.append(data)
        self.size += len(data)
        return len(text)

    def getvalue(self) -> str:
        return b"".join(self.parts).decode("utf-8", "ignore")


def out_of_memory(memory_mb: int) -> str:
    """The error of a run that hit its memory limit (``memory_limit_mb``)."""
    return f"MemoryError: the run ran out of memory (limit {memory_mb} MB)"


def describe_exception(exc: BaseException, memory_mb: int) -> str:
    """``Type: message``, robust against exceptions whose ``str()`` misbehaves.

    A bare ``MemoryError`` is what a failed allocation raises: it names the run's limit.
    """
    if type(exc) is MemoryError and not exc.args:
        return out_of_memory(memory_mb)
    name = type(exc).__name__
    try:
        message = str(exc)
    except BaseException:
        message = "<message unavailable>"
    message = message[:2000]
    return f"{name}: {message}" if message else name


def measure(value: object, limit: int) -> int | str | None:
    """The approximate encoded size of a plain JSON ``value``; None if it is not one.

    A string instead says why the value cannot be a result ("nests ... deeper than 100
    levels", "has an integer of more than 50000 digits"). Walks iteratively and stops once
    past ``limit``, so a 100 MB value is refused without being encoded.
    """
    size = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        kind = type(item)
        if item is None or kind is bool:
            size += 5
        elif kind is int:
            bits = item.bit_length()
            if bits >= _TOO_MANY_BITS and abs(item) >= _TOO_MANY_DIGITS:
                return f"has an integer of more than {wire.MAX_INT_DIGITS} digits"
            size += 1 + bits // 3
        elif kind is float:
            if not math.isfinite(item):
                return None
            size += 24
        elif kind is str:
            size += len(item) + 2
        elif kind is list or kind is dict:
            if depth >= wire.MAX_RESULT_DEPTH:
                return f"nests lists and objects deeper than {wire.MAX_RESULT_DEPTH} levels"
            size += 2 + len(item)
            if kind is list:
                stack.extend((member, depth + 1) for member in item)
            else:
                for key, member in item.items():
                    if type(key) is not str:
                        return None
                    size += len(key) + 3
                    stack.append((member, depth + 1))
        else:
            return None
        if size > limit:
            return size
    return size


def binds_result(tree: ast.Module) -> bool:
    """Whether the code itself binds the global ``result`` (any assignment, import or
    ``global result``), outside function and class bodies."""
    pending: list[ast.AST] = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Global) and "result" in node.names:
            return True
        if (
            isinstance(node, ast.Name)
            and node.id == "result"
            and not isinstance(node.ctx, ast.Load)
        ):
            return True
        if isinstance(node, ast.alias) and (node.asname or node.name) == "result":
            return True
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            # Their bodies are other scopes: only a ``global result`` there binds ours.
            pending.extend(child for child in ast.walk(node) if isinstance(child, ast.Global))
            if not isinstance(node, ast.Lambda):
                pending.extend(node.decorator_list)
            continue
        pending.extend(ast.iter_child_nodes(node))
    return False


def execute(
    code: str,
    context: dict[str, Any],
    memory_mb: int,
    modules: dict[str, Any] | None = None,
    imports: list[str] | None = None,
    code_objects: memoryview | bytes = b"",
    primed: PrimedCode | None = None,
) -> tuple[bool, object, bool, str | None]:
    """Run ``code`` with ``context`` as globals: (ok, value, has_value, error).

    ``modules`` and ``imports`` are the request's plugin modules and what the code may
    import of them; ``code_objects`` the bytes after the request document (see
    ``sandbox.zygote.runtime``); ``primed`` the code objects this process unmarshaled
    before the request came, which stand for ``code_objects`` when the request has none.

    The value is the final expression statement's, else the global ``result`` if the code
    binds it (see ``binds_result``) or replaces the one the context gave; a ``result`` that
    only came in the context is input, not output.
    """
    try:
        tree = ast.parse(code, "<plugin>", "exec")
        final: ast.Expression | None = None
        last = tree.body[-1] if tree.body else None
        if isinstance(last, ast.Expr):
            tree.body.pop()
            final = ast.Expression(body=last.value)
        bound = binds_result(tree)
        module_code = compile(tree, "<plugin>", "exec")
        final_code = compile(final, "<plugin>", "eval") if final is not None else None
        namespace: dict[str, Any] = {"__name__": "__plugin__", "__builtins__": builtins}
        if modules:
            table = ModuleTable(modules, code_objects, primed)
            namespace["__builtins__"] = table.builtins_for(None, declared_names(imports))
        namespace.update(context)
        given_result = context.get("result", namespace)  # namespace: a sentinel never equal
        exec(module_code, namespace)  # noqa: S102 - running plugin code is the purpose
        if final_code is not None:
            return True, eval(final_code, namespace), True, None  # noqa: S307 - as above
        if "result" in namespace and (bound or namespace["result"] is not given_result):
            return True, namespace["result"], True, None
        return True, None, False, None
    except BaseException as exc:
        return False, None, False, describe_exception(exc, memory_mb)


def encode_output(value: object, result_cap: int, memory_mb: int) -> tuple[str | None, str | None]:
    """(the output as JSON text, None) or (None, why it cannot be one).

    JSON values stay as they are; anything else becomes its ``repr`` string.
    """
    too_large = f"ResultTooLarge: the result is larger than {result_cap // 1024} KiB"
    try:
        size = measure(value, result_cap)
        if isinstance(size, str):
            return None, f"UnrepresentableResult: the result {size}"
        if size is None:
            value = repr(value)
            size = len(value)
        if size > result_cap:
            return None, too_large
        # Digits are bounded above; this run may convert them all (it has its CPU limit).
        sys.set_int_max_str_digits(0)
        text = json.dumps(value, ensure_ascii=False, allow_nan=False)
    except BaseException as exc:
        return None, "UnrepresentableResult: " + describe_exception(exc, memory_mb)
    if len(text) > result_cap:
        return None, too_large
    return text, None


def run_request(
    payload: bytes,
    stdout_cap: int,
    result_cap: int,
    memory_mb: int,
    primed: PrimedCode | None = None,
) -> bytes:
    """Execute one request document and return the result document (UTF-8 JSON)."""
    writer = CappedWriter(stdout_cap)
    sys.stdout = writer
    sys.stderr = CappedWriter(0)
    sys.stdin = io.StringIO("")
    # The code converts integers as long as a result may hold (CPU time bounds the cost).
    sys.set_int_max_str_digits(wire.MAX_INT_DIGITS)
    error: str | None
    try:
        (size,) = wire.PAYLOAD_HEAD.unpack_from(payload)
        start = wire.PAYLOAD_HEAD.size
        view = memoryview(payload)
        request = json.loads(view[start : start + size].tobytes())
        code, context = request["code"], request["context"]
        modules, imports = request.get("modules"), request.get("imports")
    except (ValueError, KeyError, TypeError, AttributeError, struct.error) as exc:
        ok, value, has_value, error = False, None, False, describe_exception(exc, memory_mb)
    else:
        blobs = view[start + size :]
        ok, value, has_value, error = execute(
            code, context, memory_mb, modules, imports, blobs, primed
        )
    output_text = "null"
    if has_value:
        text, output_error = encode_output(value, result_cap, memory_mb)
        if text is None:
            ok, error = False, output_error
        else:
            output_text = text
    sys.stdout = sys.__stdout__
    head = json.dumps(
        {
            "ok": ok,
            "error": error,
            "stdout": writer.getvalue(),
            "stdout_truncated": writer.truncated,
            # Its own peak memory: the web process answers before the zygote reaps it.
            "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        },
        ensure_ascii=False,
    )
    return ('{"output": ' + output_text + ", " + head[1:]).encode("utf-8", "replace")


def read_all(fd: int) -> bytes:
    """Everything in ``fd`` from offset 0 (a memfd) or until EOF (a pipe)."""
    chunks: list[bytes] = []
    offset = 0
    while True:
        try:
            chunk = os.pread(fd, 1 << 20, offset)
        except OSError as exc:
            if exc.errno != errno.ESPIPE:
                raise
            chunk = os.read(fd, 1 << 20)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        offset += len(chunk)


def run_once(argv: list[str]) -> None:
    """Unisolated development mode: one request on stdin, its result on stdout."""
    stdout_cap, result_cap, memory_mb = (int(value) for value in argv[2:5])
    with contextlib.suppress(ValueError, OSError, AttributeError):
        limit = resource.getrlimit(resource.RLIMIT_AS)[0]
        wanted = memory_mb * (1 << 20) * 4  # generous: the interpreter's own mappings count
        if limit == resource.RLIM_INFINITY or limit > wanted:
            resource.setrlimit(
                resource.RLIMIT_AS, (wanted, resource.getrlimit(resource.RLIMIT_AS)[1])
            )
    out = sys.stdout.buffer
    data = run_request(sys.stdin.buffer.read(), stdout_cap, result_cap, memory_mb)
    out.write(data)
    out.flush()
