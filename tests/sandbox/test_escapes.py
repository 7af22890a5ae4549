"""The escape corpus: each case fails safely, and the host (files, processes) is untouched."""

import os
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox.services import SandboxService
from tests.sandbox.conftest import alive, descendants

pytestmark = pytest.mark.usefixtures("host_untouched")


@pytest.fixture
def marker(tmp_path: Path) -> Iterator[Path]:
    """A host path that plugin code tries to create; it must never appear."""
    path = tmp_path / f"pwned-{uuid.uuid4().hex}"
    yield path
    assert not path.exists(), "plugin code wrote a file on the host"


def test_cannot_read_etc_passwd(sandbox: SandboxService) -> None:
    result = sandbox.run("open('/etc/passwd').read()")
    assert not result.success
    assert result.error is not None
    assert result.error.startswith(("FileNotFoundError", "PermissionError"))
    assert "root:" not in repr(result)


def test_cannot_list_or_read_host_directories(sandbox: SandboxService) -> None:
    code = (
        "import os\n"
        "found = []\n"
        "for path in ('/', '/etc', '/root', '/work', '/proc', '/home'):\n"
        "    try:\n"
        "        found.append([path, os.listdir(path)])\n"
        "    except OSError as exc:\n"
        "        found.append([path, type(exc).__name__])\n"
        "result = found\n"
    )
    result = sandbox.run(code)
    assert result.success, result.error
    assert isinstance(result.output, list)  # the code's result is a JSON array
    for path, outcome in result.output:
        assert outcome in ("PermissionError", "FileNotFoundError"), (path, outcome)


def test_cannot_write_a_file_outside(sandbox: SandboxService, marker: Path) -> None:
    result = sandbox.run(f"open({str(marker)!r}, 'w').write('x')")
    assert not result.success
    assert result.error is not None
    assert result.error.split(":")[0] in ("FileNotFoundError", "PermissionError", "OSError")


def test_cannot_write_even_beneath_python(sandbox: SandboxService) -> None:
    code = "import os\nopen(os.path.join(os.path.dirname(os.__file__), 'evil.py'), 'w')"
    result = sandbox.run(code)
    assert not result.success
    assert result.error is not None
    assert result.error.startswith(("PermissionError", "OSError"))


def test_os_system_does_not_run(sandbox: SandboxService, marker: Path) -> None:
    result = sandbox.run(f"import os\nos.system('touch {marker}')")
    # system() reports its failure to fork as a status, not an exception.
    assert result.output != 0


@pytest.mark.parametrize(
    "code",
    [
        "import subprocess\nsubprocess.run(['touch', '{marker}'])",
        "import subprocess\nsubprocess.Popen('touch {marker}', shell=True)",
        "import os\nos.execv('/bin/touch', ['touch', '{marker}'])",
        "import os\nos.posix_spawn('/bin/touch', ['touch', '{marker}'], {{}})",
    ],
)
def test_cannot_start_programs(sandbox: SandboxService, marker: Path, code: str) -> None:
    result = sandbox.run(code.format(marker=marker))
    assert not result.success
    assert result.error is not None
    assert result.error.startswith(("PermissionError", "FileNotFoundError", "OSError"))


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.setblocking(False)
    yield server
    with pytest.raises(BlockingIOError):
        server.accept()  # nobody connected
    server.close()


def test_cannot_connect_to_localhost(sandbox: SandboxService, listener: socket.socket) -> None:
    port = listener.getsockname()[1]
    started = time.monotonic()
    result = sandbox.run(
        f"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=5)",
        timeout_ms=5000,
    )
    assert time.monotonic() - started < 1.0, "a refused connection must fail at once"
    assert not result.success
    assert not result.timed_out
    assert result.error is not None
    assert result.error.startswith(("PermissionError", "OSError"))


@pytest.mark.parametrize(
    "code",
    [
        "import socket\nsocket.create_connection(('1.1.1.1', 53), timeout=5)",
        "import socket\ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
        "s.sendto(b'x', ('1.1.1.1', 53))",
        "import socket\nsocket.getaddrinfo('example.com', 80)",
        "import socket\nsocket.socket(socket.AF_UNIX).connect('/run/systemd/private')",
    ],
)
def test_no_network_at_all(sandbox: SandboxService, code: str) -> None:
    started = time.monotonic()
    result = sandbox.run(code, timeout_ms=5000)
    assert time.monotonic() - started < 1.0, "network access must fail at once, not hang"
    assert not result.success
    assert not result.timed_out


def settled_count(zygote: int) -> int:
    """How many processes the zygote holds once its pool of spares stops changing."""
    count, deadline = -1, time.monotonic() + 5
    while time.monotonic() < deadline:
        now = len(descendants(zygote))
        if now == count:
            return count
        count = now
        time.sleep(0.2)
    return count


def test_fork_bomb(sandbox: SandboxService, host_untouched: int) -> None:
    # A fresh zygote forks its spares in the background: count once the pool is full, so
    # that only a process the bomb left behind can make the count grow.
    sandbox.run("1")
    before = settled_count(host_untouched)
    result = sandbox.run("import os\nwhile True:\n    os.fork()", timeout_ms=2000)
    assert not result.success
    assert not result.timed_out, "fork must be refused at once, not run until killed"
    assert result.error is not None
    assert result.error.startswith(("PermissionError", "BlockingIOError", "OSError"))
    # The web process answers when the run closes its result pipe, so the zygote may reap the
    # run (and fork its replacement spare) a moment later; a forked child would stay for good.
    deadline = time.monotonic() + 5
    while len(descendants(host_untouched)) > before + 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(descendants(host_untouched)) <= before + 1


@pytest.mark.parametrize(
    "code",
    [
        "while True:\n    pass",
        "import signal\n"
        "signal.signal(signal.SIGALRM, signal.SIG_IGN)\n"
        "signal.signal(signal.SIGXCPU, signal.SIG_IGN)\n"
        "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        "while True:\n    pass",
    ],
)
def test_busy_loops_are_killed_on_time(sandbox: SandboxService, code: str) -> None:
    started = time.monotonic()
    result = sandbox.run(code, timeout_ms=200)
    elapsed = time.monotonic() - started
    assert result.timed_out
    assert not result.success
    assert result.error is not None
    assert result.error.startswith("TimeoutError")
    assert 0.2 <= elapsed < 0.5


def test_sleep_is_bounded_by_the_wall_clock(sandbox: SandboxService) -> None:
    for _ in range(3):
        started = time.monotonic()
        result = sandbox.run("import time\ntime.sleep(10)", timeout_ms=100)
        wall = time.monotonic() - started
        assert result.timed_out
        assert not result.success
        # Killed, not left to finish its 10 s sleep. How close to 100 ms the kill lands is a
        # speed figure: tests/benchmarks/bench_sandbox.py measures it (target: within 150 ms),
        # since a timed assertion here fails on a busy machine without any defect.
        assert wall < 5, wall


def test_two_gib_allocation_fails(sandbox: SandboxService) -> None:
    result = sandbox.run("b = bytearray(2 * 1024 ** 3)\nlen(b)", memory_limit_mb=256)
    assert not result.success
    assert result.error is not None
    assert result.error.startswith("MemoryError")
    assert result.memory_bytes < 512 * 1024 * 1024


def test_printing_100_mb_is_capped(sandbox: SandboxService) -> None:
    code = "for _ in range(100):\n    print('x' * 1_000_000)\n'done'"
    result = sandbox.run(code, timeout_ms=10_000)
    assert result.success, result.error
    assert result.output == "done"
    assert result.stdout.endswith("[stdout truncated at 64 KiB]")
    assert len(result.stdout.encode()) < 64 * 1024 + 100


def test_a_100_mb_result_is_refused(sandbox: SandboxService) -> None:
    result = sandbox.run("result = 'x' * 100_000_000", timeout_ms=10_000)
    assert not result.success
    assert result.output is None
    assert result.error is not None
    assert result.error.startswith("ResultTooLarge")


def test_a_100_mb_repr_is_refused(sandbox: SandboxService) -> None:
    result = sandbox.run(
        "class Big:\n    def __repr__(self):\n        return 'y' * 100_000_000\nBig()"
    )
    assert not result.success
    assert result.error is not None
    assert result.error.startswith("ResultTooLarge")


def test_subclasses_walk_to_os_gains_nothing(sandbox: SandboxService, marker: Path) -> None:
    code = (
        "wrap = [c for c in ().__class__.__base__.__subclasses__()"
        " if c.__name__ == '_wrap_close'][0]\n"
        "g = wrap.__init__.__globals__\n"
        f"status = g['system']('touch {marker}')\n"
        "try:\n"
        "    g['listdir']('/etc')\n"
        "    listed = True\n"
        "except OSError:\n"
        "    listed = False\n"
        "result = [status, listed]\n"
    )
    result = sandbox.run(code)
    assert result.success, result.error
    assert isinstance(result.output, list)  # the code's result is a JSON array
    status, listed = result.output
    assert status != 0
    assert listed is False


def test_ctypes_libc_gains_nothing(sandbox: SandboxService, marker: Path) -> None:
    victim = subprocess.Popen(["sleep", "30"], user=65534)  # nobody, unprivileged
    try:
        code = (
            "import ctypes, os\n"
            "libc = ctypes.CDLL(None, use_errno=True)\n"
            f"system = libc.system(b'touch {marker}')\n"
            f"kill = libc.kill({victim.pid}, 9)\n"
            "kill_parent = libc.kill(os.getppid(), 9)\n"
            "kill_all = libc.kill(-1, 9)\n"
            f"raw = libc.syscall(62, {victim.pid}, 9)\n"  # kill(2) on x86_64, bypassing wrappers
            "unshare = libc.unshare(0x10000000)\n"
            "result = [system, kill, kill_parent, kill_all, raw, unshare]\n"
        )
        result = sandbox.run(code)
        assert result.success, result.error
        assert isinstance(result.output, list)  # the code's result is a JSON array
        assert result.output[0] != 0
        assert result.output[1:] == [-1, -1, -1, -1, -1]
        assert victim.poll() is None, "a host process was killed"
    finally:
        victim.kill()
        victim.wait()


def test_deep_recursion(sandbox: SandboxService) -> None:
    result = sandbox.run("def f(n):\n    return f(n + 1)\nf(0)")
    assert not result.success
    assert result.error is not None
    assert result.error.startswith("RecursionError")


def test_deep_recursion_past_the_c_stack_kills_only_the_run(sandbox: SandboxService) -> None:
    # repr() recurses in C: with the limit lifted it overflows the C stack (SIGSEGV).
    code = (
        "import sys\nsys.setrecursionlimit(10 ** 8)\n"
        "x = []\nfor _ in range(10 ** 6):\n    x = [x]\nrepr(x)"
    )
    # The overflow comes within seconds; the generous timeout only keeps a busy machine (building
    # a million nested lists takes 0.3 s idle, several seconds under load) from ending it first.
    result = sandbox.run(code, timeout_ms=30_000)
    assert not result.success
    assert result.error is not None
    assert result.error.startswith(("Killed", "RecursionError", "MemoryError"))


def test_cannot_kill_parent_or_other_processes(sandbox: SandboxService) -> None:
    victim = subprocess.Popen(["sleep", "30"], user=65534)
    try:
        code = (
            "import os\n"
            "outcomes = []\n"
            f"for pid in [os.getppid(), 1, -1, 0, {os.getpid()}, {victim.pid}]:\n"
            "    try:\n"
            "        os.kill(pid, 9)\n"
            "        outcomes.append('killed')\n"
            "    except OSError as exc:\n"
            "        outcomes.append(type(exc).__name__)\n"
            "for pid in range(2, 300):\n"
            "    try:\n"
            "        os.kill(pid, 9)\n"
            "        outcomes.append(pid)\n"
            "    except OSError:\n"
            "        pass\n"
            "result = outcomes\n"
        )
        result = sandbox.run(code)
        assert result.success, result.error
        assert isinstance(result.output, list)  # the code's result is a JSON array
        assert "killed" not in result.output
        assert not [item for item in result.output if isinstance(item, int)]
        assert victim.poll() is None
        assert alive(os.getpid())
    finally:
        victim.kill()
        victim.wait()


def test_no_background_process_survives_the_run(
    sandbox: SandboxService, host_untouched: int
) -> None:
    code = (
        "import os, subprocess, threading, time\n"
        "attempts = {}\n"
        "for name, start in [\n"
        "    ('fork', os.fork),\n"
        "    ('thread', lambda: threading.Thread(target=time.sleep, args=(60,)).start()),\n"
        "    ('popen', lambda: subprocess.Popen(['sleep', '60'])),\n"
        "    ('spawn', lambda: os.posix_spawn('/bin/sleep', ['sleep', '60'], {})),\n"
        "]:\n"
        "    try:\n"
        "        start()\n"
        "        attempts[name] = 'started'\n"
        "    except (OSError, RuntimeError) as exc:\n"
        "        attempts[name] = type(exc).__name__\n"
        "result = [os.getpid(), attempts]\n"
    )
    result = sandbox.run(code)
    assert result.success, result.error
    assert isinstance(result.output, list)  # the code's result is a JSON array
    inner_pid, attempts = result.output
    assert "started" not in attempts.values(), attempts
    time.sleep(0.05)
    for pid in descendants(host_untouched):
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        nspid = next(line for line in status.splitlines() if line.startswith("NSpid:"))
        assert int(nspid.split()[-1]) != inner_pid, "the run's process outlived the run"


def test_state_does_not_leak_between_runs(sandbox: SandboxService) -> None:
    first = sandbox.run(
        "import builtins, json, sys\n"
        "builtins.leaked = 'secret'\n"
        "json.leaked = 'secret'\n"
        "sys.modules['leaked_module'] = json\n"
        "counter = 1\n"
        "result = 'set'",
        {"token": "s3cret-context"},
    )
    assert first.output == "set"
    second = sandbox.run(
        "import builtins, json, sys\n"
        "[hasattr(builtins, 'leaked'), hasattr(json, 'leaked'), 'leaked_module' in sys.modules,"
        " 'counter' in globals(), 'token' in globals()]"
    )
    assert second.success, second.error
    assert second.output == [False, False, False, False, False]


def test_signals_to_the_run_group_do_not_reach_the_host(sandbox: SandboxService) -> None:
    result = sandbox.run("import os\nos.killpg(0, 9)")
    assert not result.success
    assert result.error is not None
    assert result.error.startswith("PermissionError")
    assert signal.getsignal(signal.SIGTERM) is not None  # this process is still here
