"""SandboxService.run: the contract's behaviour, limits, concurrency and degradation."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from typing import Any

import pytest

from marketplace_site.types import Sandbox, SandboxResult
from sandbox import services
from sandbox.services import SandboxService
from tests.sandbox.conftest import alive


def test_implements_the_protocol(sandbox: SandboxService) -> None:
    assert isinstance(sandbox, Sandbox)


@pytest.mark.parametrize(
    ("code", "output"),
    [
        ("1 + 1", 2),
        ("x = 3\nx * 2", 6),
        ("result = {'a': [1, 2.5, None, True]}", {"a": [1, 2.5, None, True]}),
        ("result = 1\n2", 2),  # the final expression wins over result
        ("'text'", "text"),
        ("if True:\n    result = 'from a block'", "from a block"),
    ],
)
def test_output_is_the_final_expression_or_result(
    sandbox: SandboxService, code: str, output: Any
) -> None:
    result = sandbox.run(code)
    assert result == SandboxResult(
        success=True,
        output=output,
        stdout="",
        error=None,
        duration_ms=result.duration_ms,
        memory_bytes=result.memory_bytes,
        timed_out=False,
    )


def test_no_final_expression_and_no_result_gives_none(sandbox: SandboxService) -> None:
    result = sandbox.run("x = 1")
    assert result.success
    assert result.output is None


def test_print_as_final_expression(sandbox: SandboxService) -> None:
    result = sandbox.run("print('hello', 42)")
    assert result.success
    assert result.output is None
    assert result.stdout == "hello 42\n"


def test_context_becomes_globals(sandbox: SandboxService) -> None:
    context = {"n": 21, "names": ["a", "b"], "options": {"upper": True}, "nothing": None}
    code = "[n * 2, [s.upper() if options['upper'] else s for s in names], nothing]"
    result = sandbox.run(code, context)
    assert result.output == [42, ["A", "B"], None]


def test_a_result_given_in_context_is_not_output(sandbox: SandboxService) -> None:
    assert sandbox.run("x = 1", {"result": 5}).output is None
    assert sandbox.run("result = result + 1", {"result": 5}).output == 6


@pytest.mark.parametrize(
    ("code", "output"),
    [
        ("(1, 2)", "(1, 2)"),
        ("{1}", "{1}"),
        ("{1: 'a'}", "{1: 'a'}"),
        ("[1, {2}]", "[1, {2}]"),
        ("float('nan')", "nan"),
        ("b'bytes'", "b'bytes'"),
        ("class Point:\n    def __repr__(self):\n        return 'Point()'\nPoint()", "Point()"),
    ],
)
def test_non_json_values_become_their_repr(sandbox: SandboxService, code: str, output: str) -> None:
    result = sandbox.run(code)
    assert result.success, result.error
    assert result.output == output


def test_a_failing_repr_is_an_error(sandbox: SandboxService) -> None:
    result = sandbox.run(
        "class Bad:\n    def __repr__(self):\n        raise ValueError('no')\nBad()"
    )
    assert not result.success
    assert result.error == "UnrepresentableResult: ValueError: no"


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("1 / 0", "ZeroDivisionError: division by zero"),
        ("raise ValueError('bad input')", "ValueError: bad input"),
        ("undefined_name", "NameError: name 'undefined_name' is not defined"),
        ("raise SystemExit(3)", "SystemExit: 3"),
        ("raise KeyboardInterrupt", "KeyboardInterrupt"),
        ("import no_such_module", "ModuleNotFoundError: No module named 'no_such_module'"),
    ],
)
def test_exceptions_are_reported_as_type_and_message(
    sandbox: SandboxService, code: str, error: str
) -> None:
    result = sandbox.run(code)
    assert not result.success
    assert result.output is None
    assert result.error == error
    assert not result.timed_out


def test_syntax_error(sandbox: SandboxService) -> None:
    result = sandbox.run("def broken(:\n")
    assert not result.success
    assert result.error is not None
    assert result.error.startswith("SyntaxError: ")


def test_stdout_is_kept_when_the_code_fails(sandbox: SandboxService) -> None:
    result = sandbox.run("print('before')\n1 / 0")
    assert result.stdout == "before\n"
    assert result.error == "ZeroDivisionError: division by zero"


def test_stdout_cap_is_noted(sandbox: SandboxService) -> None:
    result = sandbox.run("print('é' * 100_000)")
    assert result.success
    kept, note = result.stdout.rsplit("\n… ", 1)
    assert note == "[stdout truncated at 64 KiB]"
    assert set(kept) == {"é"}
    assert 64 * 1024 - 2 <= len(kept.encode()) <= 64 * 1024


def test_small_caps_are_configurable() -> None:
    service = SandboxService(stdout_cap=1024, result_cap=2048)
    result = service.run("print('x' * 5000)\n'y' * 100")
    assert result.stdout.endswith("[stdout truncated at 1 KiB]")
    assert result.output == "y" * 100
    too_big = service.run("'y' * 5000")
    assert too_big.error == "ResultTooLarge: the result is larger than 2 KiB"


def test_duration_and_memory_are_measured(sandbox: SandboxService) -> None:
    small = sandbox.run("1")
    big = sandbox.run("b = bytearray(100 * 1024 * 1024)\nb[::4096] = b'x' * len(b[::4096])\n1")
    assert 0 < small.duration_ms < 1000
    assert small.memory_bytes > 1024 * 1024
    assert big.memory_bytes > small.memory_bytes + 90 * 1024 * 1024


def test_memory_limit_is_per_run(sandbox: SandboxService) -> None:
    code = "b = bytearray(200 * 1024 * 1024)\nlen(b)"
    error = "MemoryError: the run ran out of memory (limit 128 MB)"
    assert sandbox.run(code, memory_limit_mb=128).error == error
    assert sandbox.run(code, memory_limit_mb=512).output == 200 * 1024 * 1024


def test_stdin_is_empty(sandbox: SandboxService) -> None:
    result = sandbox.run("input()")
    assert result.error == "EOFError: EOF when reading a line"


def test_common_modules_work(sandbox: SandboxService) -> None:
    code = textwrap.dedent(
        """
        import collections, datetime, decimal, fractions, hashlib, itertools, json, math
        import random, re, statistics, string
        [
            math.sqrt(16),
            json.dumps({"a": 1}),
            str(decimal.Decimal("1.10") + decimal.Decimal("2.20")),
            statistics.mean([1, 2, 3]),
            hashlib.sha256(b"x").hexdigest()[:8],
            re.findall(r"\\d+", "a1b22"),
            datetime.date(2024, 1, 2).isoformat(),
        ]
        """
    )
    result = sandbox.run(code)
    assert result.output == [4.0, '{"a": 1}', "3.30", 2, "2d711642", ["1", "22"], "2024-01-02"]


@pytest.mark.parametrize(
    ("args", "kwargs", "error"),
    [
        ((b"1 + 1",), {}, TypeError),
        (("1", ["not", "a", "mapping"]), {}, TypeError),
        (("1", {"x": object()}), {}, TypeError),
        (("1", {"x": float("nan")}), {}, TypeError),
        (("1", {1: "int key"}), {}, TypeError),
        (("1",), {"timeout_ms": 0}, ValueError),
        (("1",), {"memory_limit_mb": -1}, ValueError),
    ],
)
def test_caller_mistakes_raise(
    sandbox: SandboxService, args: tuple[Any, ...], kwargs: dict[str, Any], error: type
) -> None:
    with pytest.raises(error):
        sandbox.run(*args, **kwargs)


def test_oversized_code_is_a_failed_result(sandbox: SandboxService) -> None:
    result = sandbox.run("#" * (2 * 1024 * 1024))
    assert not result.success
    assert result.error == "CodeTooLarge: the code is larger than 1 MiB"


def test_twenty_threads_at_once_all_get_their_own_answer(sandbox: SandboxService) -> None:
    results: dict[int, SandboxResult] = {}

    def work(n: int) -> None:
        code = "import time\ntime.sleep(0.05 if n % 3 == 0 else 0)\nprint(n)\nresult = n * n"
        results[n] = sandbox.run(code, {"n": n}, timeout_ms=5000)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results) == list(range(20))
    for n, result in results.items():
        assert result.success, (n, result)
        assert result.output == n * n
        assert result.stdout == f"{n}\n"


def test_a_timeout_does_not_delay_other_runs(sandbox: SandboxService) -> None:
    slow: list[SandboxResult] = []
    thread = threading.Thread(target=lambda: slow.append(sandbox.run("while True: pass")))
    thread.start()
    time.sleep(0.05)
    started = time.monotonic()
    fast = sandbox.run("1 + 1")
    assert time.monotonic() - started < 0.5
    assert fast.output == 2
    thread.join()
    assert slow[0].timed_out


def test_zygote_is_restarted_when_it_dies() -> None:
    service = SandboxService(stdout_cap=4096)  # its own zygote, so others are not disturbed
    first = service.zygote_pid()
    os.kill(first, signal.SIGKILL)
    deadline = time.monotonic() + 5
    while alive(first) and time.monotonic() < deadline:
        time.sleep(0.01)
    result = service.run("'after restart'")
    assert result.output == "after restart"
    assert service.zygote_pid() != first


def _zygote_script(exit_how: str) -> str:
    return textwrap.dedent(
        f"""
        import os, sys, time
        from sandbox.client import ZygoteClient
        from sandbox.seccomp_filter import compile_filter
        client = ZygoteClient(bpf=compile_filter(), stdout_cap=1024, result_cap=1024, disable=())
        print(client.pid, flush=True)
        sys.stdin.readline()  # the test has seen the process tree
        {exit_how}
        """
    )


@pytest.mark.parametrize(
    "exit_how", ["time.sleep(60)", "sys.exit(0)"], ids=["killed", "normal-exit"]
)
def test_zygote_dies_with_the_web_process(exit_how: str) -> None:
    from tests.sandbox.conftest import descendants

    with subprocess.Popen(
        [sys.executable, "-c", _zygote_script(exit_how)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=os.getcwd(),
    ) as process:
        try:
            assert process.stdout is not None and process.stdin is not None
            zygote = int(process.stdout.readline())
            tree = [zygote, *descendants(zygote)]
            deadline = time.monotonic() + 5
            while len(tree) < 2 and time.monotonic() < deadline:
                time.sleep(0.01)
                tree = [zygote, *descendants(zygote)]
            assert len(tree) >= 2  # the zygote and its PID-namespace init, at least
            process.stdin.write("go\n")
            process.stdin.flush()
            if exit_how.startswith("time"):
                process.kill()
            process.wait(timeout=10)
        finally:
            process.kill()
    deadline = time.monotonic() + 5
    while any(alive(pid) for pid in tree) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not [pid for pid in tree if alive(pid)], "processes were left behind"


class TestDegradation:
    """Where the machine gives less, the sandbox says so and refuses unless allowed."""

    NO_LAYERS = ("mount", "net", "pid", "ipc", "uts", "pivot_root", "uid", "caps",
                 "landlock", "seccomp")  # fmt: skip

    def test_no_isolation_is_reported_and_refused(self) -> None:
        service = SandboxService(disable_layers=self.NO_LAYERS, allow_unisolated=False)
        report = service.isolation()
        assert report.level == "none"
        assert "landlock (disabled by configuration)" in report.missing
        result = service.run("1 + 1")
        assert not result.success
        assert result.output is None
        assert result.error is not None
        assert result.error.startswith("SandboxUnavailable: refusing to run")

    def test_no_isolation_runs_when_allowed(self) -> None:
        service = SandboxService(disable_layers=self.NO_LAYERS, allow_unisolated=True)
        assert service.run("1 + 1").output == 2

    def test_the_setting_decides_by_default(self, settings: Any) -> None:
        service = SandboxService(disable_layers=self.NO_LAYERS)
        settings.SANDBOX_ALLOW_UNISOLATED = False
        assert service.run("1 + 1").error is not None
        settings.SANDBOX_ALLOW_UNISOLATED = True
        assert service.run("1 + 1").output == 2

    def test_partial_isolation_still_runs(self) -> None:
        service = SandboxService(disable_layers=("landlock",), allow_unisolated=False)
        report = service.isolation()
        assert report.level == "partial"
        assert service.run("1 + 1").output == 2

    def test_another_os_falls_back_to_a_plain_process_when_allowed(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(services, "_supported", lambda: "plan9 is not Linux")
        monkeypatch.setattr(services, "_pool", services._Pool())
        refused = SandboxService(allow_unisolated=False)
        assert refused.isolation().level == "none"
        assert refused.isolation().missing == ("plan9 is not Linux",)
        assert refused.run("1 + 1").error is not None
        allowed = SandboxService(allow_unisolated=True)
        result = allowed.run("print('hi')\nresult = n + 1", {"n": 1})
        assert (result.success, result.output, result.stdout) == (True, 2, "hi\n")
        slow = allowed.run("while True: pass", timeout_ms=200)
        assert slow.timed_out
        assert json.loads(json.dumps(slow.to_dict()))["timed_out"] is True


FORK_SCRIPT = textwrap.dedent(
    """
    import json, os, sys
    import django
    django.setup()
    from sandbox.services import SandboxService
    service = SandboxService()
    parent_zygote = service.zygote_pid()
    assert service.run("1 + 1").output == 2
    read_fd, write_fd = os.pipe()
    pid = os.fork()  # what gunicorn does to make a worker
    if pid == 0:
        os.close(read_fd)
        result = service.run("'in the worker'")
        os.write(write_fd, json.dumps([result.output, service.zygote_pid()]).encode())
        os._exit(0)
    os.close(write_fd)
    os.waitpid(pid, 0)
    output, child_zygote = json.loads(os.read(read_fd, 1000))
    print(json.dumps([output, child_zygote != parent_zygote, service.run("2 + 2").output,
                      service.zygote_pid() == parent_zygote]))
    """
)


def test_a_forked_worker_gets_its_own_zygote() -> None:
    done = subprocess.run(
        [sys.executable, "-c", FORK_SCRIPT],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=os.getcwd(),
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "marketplace_site.settings"},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == ["in the worker", True, 4, True]
