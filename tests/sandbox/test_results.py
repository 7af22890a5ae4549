"""What comes back from a run: checked strictly by the web process, and clear about why a
run failed (issue 13, inputs 4 and the "clear results" list)."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from sandbox.client import RunOutcome
from sandbox.results import int_to_text, output_json
from sandbox.services import SandboxService, record_run
from tests.sandbox.conftest import descendants
from tests.sandbox.test_between_runs import run_pid

pytestmark = pytest.mark.usefixtures("host_untouched")

# The plugin writes its own result document to the result pipe (the one FIFO among its
# descriptors) and leaves before the real one is written.
FORGE = """
import os, stat
def is_fifo(fd):
    try:
        return stat.S_ISFIFO(os.fstat(fd).st_mode)
    except OSError:
        return False
fd = next(fd for fd in range(3, 16) if is_fifo(fd))
view = memoryview(DOCUMENT)
while view:
    view = view[os.write(fd, view):]
os._exit(0)
"""


def forged(document: bytes) -> str:
    return "DOCUMENT = " + repr(document) + "\n" + FORGE


def forged_big(head: bytes, filler: int, tail: bytes) -> str:
    """A forged document with ``filler`` bytes of "x" between head and tail."""
    return f"DOCUMENT = {head!r} + b'x' * {filler} + {tail!r}\n" + FORGE


# Issue 13, input 4, as given.
ISSUE_NAN = b'{"output": NaN, "ok": true, "error": null, "stdout": "", "stdout_truncated": false}'


def document(output: str, **fields: str) -> bytes:
    rest = {"ok": "true", "error": "null", "stdout": '""', "stdout_truncated": "false"}
    rest["maxrss_kb"] = "1000"
    rest.update(fields)
    inner = ", ".join(f'"{key}": {value}' for key, value in rest.items())
    return ('{"output": ' + output + ", " + inner + "}").encode()


@pytest.mark.parametrize(
    "data",
    [
        ISSUE_NAN,
        document("Infinity"),
        document("[1, -Infinity]"),
        document("[" * 5000 + "]" * 5000),
        document("[" * 101 + "]" * 101),
        document('"\\ud800"'),
        document("1" * 60_000),
        document("1", ok='"yes"'),
        document("1", stdout="42"),
        document("1", error="[]"),
        document("1", extra="1"),
        document("1", maxrss_kb="-1"),
        document("1", maxrss_kb="1.5"),
        b'{"output": 1}',
        b"[1, 2]",
        b"\xff\xfe",
        b"",
    ],
    ids=lambda data: data[:40].decode("utf-8", "replace"),
)
def test_a_forged_document_cannot_pass_invalid_json(sandbox: SandboxService, data: bytes) -> None:
    result = sandbox.run(forged(data))
    assert not result.success
    assert result.output is None
    assert result.error is not None
    assert result.error.startswith("SandboxError: the run")


def test_a_forged_valid_document_only_fools_its_own_run(sandbox: SandboxService) -> None:
    result = sandbox.run(forged(document('{"answer": 42}', stdout='"made up"')))
    assert result.success
    assert result.output == {"answer": 42}
    assert result.stdout == "made up"
    json.dumps(result.output, allow_nan=False)
    assert sandbox.run("1 + 1").output == 2


def test_a_forged_document_cannot_pass_the_result_cap(sandbox: SandboxService) -> None:
    # Over the cap, under what the pipe carries; built inside the run (the code is capped).
    head, tail = document('"X"').split(b"X")
    result = sandbox.run(forged_big(head, 1_500_000, tail), timeout_ms=5000)
    assert not result.success
    assert result.output is None
    assert result.error == "ResultTooLarge: the result is larger than 1024 KiB"


def test_a_forged_stdout_is_capped(sandbox: SandboxService) -> None:
    head, tail = document("1", stdout='"Y"').split(b"Y")
    result = sandbox.run(forged_big(head, 200_000, tail), timeout_ms=5000)
    assert result.stdout.endswith("[stdout truncated at 64 KiB]")
    assert len(result.stdout) < 64 * 1024 + 100


def test_a_long_integer_is_a_result(sandbox: SandboxService) -> None:
    result = sandbox.run("10 ** 5000")
    assert result.success, result.error
    assert result.output == 10**5000
    assert output_json(result.output) == "1" + "0" * 5000
    assert sandbox.run("-(10 ** 5000) + 1").output == -(10**5000) + 1


def test_an_integer_past_the_digit_cap_says_so(sandbox: SandboxService) -> None:
    result = sandbox.run("[1, 10 ** 50_000]")
    assert not result.success
    assert result.error == (
        "UnrepresentableResult: the result has an integer of more than 50000 digits"
    )
    assert sandbox.run("len(str(10 ** 49_999))").output == 50_000


@pytest.mark.django_db
def test_a_long_integer_is_recorded(sandbox: SandboxService) -> None:
    result = sandbox.run("[10 ** 5000, 'x']")
    run = record_run(plugin_name="big", version="1.0.0", result=result)
    assert run.output_excerpt.startswith("[1000")


def test_output_json_keeps_strings_that_look_like_its_markers() -> None:
    value = ["\x00int:0", 10**5000, {"k": -(10**4500)}]
    text = output_json(value, indent=None)
    assert text.startswith('["\\u0000int:0", 1000')
    assert text.endswith("}]")
    assert int_to_text(-(10**4500)) in text


@pytest.mark.parametrize(
    ("memory_mb", "code"),
    [
        (128, "b = bytearray(200 * 1024 * 1024)"),
        (64, "x = [0] * (100 * 1024 * 1024)"),
        (64, "s = 'x' * 10 ** 6\nparts = []\nwhile True:\n    parts.append(s * 10)"),
        (64, "result = 'y' * (100 * 1024 * 1024)"),
    ],
)
def test_running_out_of_memory_names_the_limit(
    sandbox: SandboxService, memory_mb: int, code: str
) -> None:
    result = sandbox.run(code, memory_limit_mb=memory_mb, timeout_ms=10_000)
    assert not result.success
    assert result.error == f"MemoryError: the run ran out of memory (limit {memory_mb} MB)"


def test_a_memory_error_the_code_raises_keeps_its_message(sandbox: SandboxService) -> None:
    result = sandbox.run("raise MemoryError('cache full')")
    assert result.error == "MemoryError: cache full"


def test_a_run_that_dies_out_of_memory_names_the_limit(sandbox: SandboxService) -> None:
    # Where no MemoryError could be reported the spare exits with its own status.
    outcome = RunOutcome(status={"exit": 72, "signal": None, "maxrss_kb": 1})
    result = sandbox._result(outcome, timeout_ms=1000, memory_mb=96)
    assert result.error == "MemoryError: the run ran out of memory (limit 96 MB)"


@pytest.mark.parametrize("depth", [101, 900, 100_000])
def test_a_result_too_deep_to_encode_says_so(sandbox: SandboxService, depth: int) -> None:
    code = f"x = []\nfor _ in range({depth - 1}):\n    x = [x]\nx"
    result = sandbox.run(code)
    assert not result.success
    assert result.error == (
        "UnrepresentableResult: the result nests lists and objects deeper than 100 levels"
    )


def test_a_result_100_levels_deep_is_fine(sandbox: SandboxService) -> None:
    result = sandbox.run("x = []\nfor _ in range(99):\n    x = [x]\nx")
    assert result.success, result.error
    depth, value = 0, result.output
    while isinstance(value, list) and value:
        depth, value = depth + 1, value[0]
    assert depth == 99


def test_a_cyclic_result_says_so(sandbox: SandboxService) -> None:
    result = sandbox.run("a = []\na.append(a)\na")
    assert result.error is not None
    assert result.error.startswith("UnrepresentableResult: the result nests")


@pytest.mark.parametrize(
    ("code", "output"),
    [
        ("x = 1", None),  # a result given in the context is input, not output
        ("result = result", 5),  # bound by the code, even to the same object
        ("result = result * 1", 5),
        ("result += 1", 6),
        ("del result", None),
        ("globals()['result'] = 7", 7),
        ("def f():\n    global result\n    result = 3\nf()", None),  # final expression: None
        ("def f():\n    global result\n    result = 3\nx = f()", 3),
        ("def f():\n    result = 3\n    return result\nx = f()", None),
        ("result = 1\n2", 2),  # the final expression wins
    ],
)
def test_a_context_key_named_result(sandbox: SandboxService, code: str, output: Any) -> None:
    result = sandbox.run(code, {"result": 5})
    assert result.success, result.error
    assert result.output == output


def test_a_run_that_answers_early_and_lingers_is_ended(
    sandbox: SandboxService, host_untouched: int
) -> None:
    head, tail = document('"PID"').split(b'"PID"')
    code = (
        f"import os, stat, time\nDOCUMENT = {head!r} + str(os.getpid()).encode() + {tail!r}\n"
        + FORGE.replace("os._exit(0)", "os.close(fd)\ntime.sleep(30)")
    )
    started = time.monotonic()
    result = sandbox.run(code, timeout_ms=5000)
    assert result.success, result.error
    assert time.monotonic() - started < 1.0  # answered when the pipe closed
    inner_pid = result.output
    deadline = time.monotonic() + 2.0
    while time.monotonic() < deadline:
        if inner_pid not in [run_pid(pid) for pid in descendants(host_untouched)]:
            break
        time.sleep(0.01)
    else:
        raise AssertionError("the run's process outlived its answer")
