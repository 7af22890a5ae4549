"""What the load test and the page benchmark share: a fresh database, the site prepared on it,
gunicorn started and stopped by us, a loopback-only HTTP client and latency statistics.

Everything here talks to 127.0.0.1 only, on ports this process chose, and every process it
starts is stopped by ``Gunicorn.stop`` (the whole process group, then any sandbox zygote that
outlived it, found by a marker in its environment).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
BIN = Path(sys.executable).parent
GUNICORN_CONF = ROOT / "marketplace_site" / "gunicorn.conf.py"
PG_HOST = "127.0.0.1"
PG_PORT = int(os.environ.get("PG_TEST_PORT", "25432"))
HOST = "127.0.0.1"
# Set in the environment of every server we start, so that leftovers can be found by it.
MARKER_ENV = "MARKETPLACE_LOAD_RUN"
# Names in settings.py that look like rate limits: the caller is told to raise them.
RATE_LIMIT_HINTS = ("RATELIMIT", "RATE_LIMIT", "THROTTL", "AXES", "PER_MINUTE", "QUOTA")


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def reproduce(script: str, argv: Sequence[str]) -> str:
    """The exact command that reruns ``script`` with ``argv``."""
    quoted = " ".join(_quote(arg) for arg in argv)
    return f"cd {ROOT} && .venv/bin/python {script} {quoted}".rstrip()


def _quote(arg: str) -> str:
    import shlex

    return shlex.quote(arg)


def rate_limit_settings() -> list[str]:
    """Lines of settings.py that mention something like a rate limit (to raise for load)."""
    text = (ROOT / "marketplace_site" / "settings.py").read_text(encoding="utf-8")
    return [
        line.strip()
        for line in text.splitlines()
        if any(hint in line.upper() for hint in RATE_LIMIT_HINTS)
    ]


def _pg_connect(dbname: str = "postgres") -> Any:
    import psycopg

    return psycopg.connect(
        host=PG_HOST,
        port=PG_PORT,
        user="postgres",
        dbname=dbname,
        autocommit=True,
        connect_timeout=5,
    )


def postgres_running() -> bool:
    try:
        with _pg_connect() as conn:
            conn.execute("select 1")
    except Exception:
        return False
    return True


@contextlib.contextmanager
def fresh_database(kind: str, workdir: Path, *, keep: bool = False) -> Iterator[dict[str, str]]:
    """Environment variables selecting a new, empty database of ``kind`` (sqlite/postgresql).

    PostgreSQL: a new database on the private server of ``.ci/postgres`` (started here, and
    stopped afterwards, when it is not running); dropped at the end unless ``keep``.
    """
    if kind == "sqlite":
        yield {"SQLITE_PATH": str(workdir / f"load-{secrets.token_hex(3)}.sqlite3")}
        return
    if kind != "postgresql":
        raise ValueError(f"unknown database {kind!r}")
    started = False
    if not postgres_running():
        subprocess.run(["bash", str(ROOT / ".ci" / "postgres"), "start"], check=True)
        started = True
    name = f"load_{int(time.time())}_{secrets.token_hex(3)}"
    with _pg_connect() as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield {"DATABASE_URL": f"postgres://postgres@{PG_HOST}:{PG_PORT}/{name}"}
    finally:
        if not keep:
            with contextlib.suppress(Exception), _pg_connect() as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if started:
            subprocess.run(["bash", str(ROOT / ".ci" / "postgres"), "stop"], check=False)


def production_env(
    db_env: Mapping[str, str],
    *,
    settings_module: str = "marketplace_site.settings",
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The environment of a production-like run on loopback (plain HTTP, DEBUG off)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "SQLITE_PATH", "DJANGO_SETTINGS_MODULE", "DEBUG"}
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": settings_module,
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "0",
            "SECURE_COOKIES": "0",
            "SECURE_HSTS_SECONDS": "0",
            "PYTHONDONTWRITEBYTECODE": "1",
            MARKER_ENV: secrets.token_hex(8),
        }
    )
    env.update(db_env)
    env.update(extra or {})
    return env


def manage(env: Mapping[str, str], *args: str, timeout: float = 900) -> str:
    result = subprocess.run(
        [PYTHON, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def prepare_site(env: Mapping[str, str]) -> None:
    """What ``make run`` does before serving: migrate, collect static files, load demo data."""
    manage(env, "migrate", "--no-input", "-v", "0")
    manage(env, "collectstatic", "--no-input", "-v", "0")
    manage(env, "seed_demo")


def django_side(env: Mapping[str, str], command: str, payload: Any, timeout: float = 600) -> Any:
    """Run ``tests.load.django_side <command>`` with ``payload`` as JSON; its JSON answer."""
    result = subprocess.run(
        [PYTHON, "-m", "tests.load.django_side", command],
        cwd=ROOT,
        env=dict(env),
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"django_side {command} failed:\n{result.stdout}\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Gunicorn:
    """gunicorn with ``marketplace_site/gunicorn.conf.py``; ``args`` override the file."""

    env: dict[str, str]
    log_path: Path
    args: Sequence[str] = ()
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    _log: TextIO | None = None

    @property
    def command(self) -> list[str]:
        return [
            str(BIN / "gunicorn"),
            "marketplace_site.wsgi:application",
            "-c",
            str(GUNICORN_CONF),
            "--bind",
            f"{HOST}:{self.port}",
            *self.args,
        ]

    def start(self, ready_timeout: float = 90) -> None:
        env = {**self.env, "BIND": f"{HOST}:{self.port}", "PORT": str(self.port)}
        self._log = self.log_path.open("w", encoding="utf-8")
        self.process = subprocess.Popen(
            self.command,
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + ready_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited early; see {self.log_path}")
            with contextlib.suppress(OSError, http.client.HTTPException):
                if fetch(self.port, "GET", "/", timeout=10).status < 500:
                    return
            time.sleep(0.3)
        raise RuntimeError(f"gunicorn did not answer within {ready_timeout:.0f} s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        # The group may hold workers that outlived the master.
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGKILL)
        kill_marked(self.env[MARKER_ENV])
        if self._log is not None:
            self._log.close()
            self._log = None

    def log_text(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def __enter__(self) -> Gunicorn:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def kill_marked(marker: str) -> list[int]:
    """Kill processes of ours whose environment carries ``marker`` (sandbox zygotes start in
    their own session, so killing gunicorn's group does not reach them)."""
    needle = f"{MARKER_ENV}={marker}".encode()
    killed: list[int] = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        if needle in environ.split(b"\0"):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(int(entry.name), signal.SIGKILL)
                killed.append(int(entry.name))
    return killed


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    seconds: float

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None

    def cookies(self) -> dict[str, str]:
        found: dict[str, str] = {}
        for key, value in self.headers:
            if key.lower() == "set-cookie":
                pair = value.split(";", 1)[0]
                name, _, val = pair.partition("=")
                found[name.strip()] = val.strip()
        return found

    def json(self) -> Any:
        return json.loads(self.body)


def fetch(
    port: int,
    method: str,
    path: str,
    *,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: float = 30,
    host: str = HOST,
) -> Response:
    """One request on a new connection to ``host`` (127.0.0.1):``port`` (no keep-alive)."""
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    started = time.perf_counter()
    try:
        conn.request(method, path, body=body, headers={"Connection": "close", **(headers or {})})
        raw = conn.getresponse()
        data = raw.read()
        return Response(raw.status, raw.getheaders(), data, time.perf_counter() - started)
    finally:
        conn.close()


def percentile(samples: Sequence[float], fraction: float) -> float:
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


@dataclass
class KindStats:
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    transport_errors: int = 0
    unexpected: int = 0

    @property
    def count(self) -> int:
        return len(self.latencies) + self.transport_errors

    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)

    def client_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if 400 <= status < 500)


class Recorder:
    """Thread-safe per-kind latencies and status counts."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.kinds: dict[str, KindStats] = {}
        self.samples: list[str] = []  # a few examples of unexpected answers

    def add(self, kind: str, response: Response | None, *, expected: bool = True) -> None:
        with self._lock:
            stats = self.kinds.setdefault(kind, KindStats())
            if response is None:
                stats.transport_errors += 1
                return
            stats.latencies.append(response.seconds)
            stats.statuses[response.status] = stats.statuses.get(response.status, 0) + 1
            if not expected:
                stats.unexpected += 1
                if len(self.samples) < 10:
                    self.samples.append(f"{kind} {response.status}: {response.body[:300]!r}")

    def note(self, text: str) -> None:
        with self._lock:
            if len(self.samples) < 20:
                self.samples.append(text)

    def table(self, seconds: float) -> str:
        header = (
            f"{'kind':<14} {'count':>6} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} "
            f"{'2xx/3xx':>7} {'4xx':>5} {'5xx':>5} {'neterr':>6} {'unexp':>5}"
        )
        lines = [header, "-" * len(header)]
        total = KindStats()
        for kind in sorted(self.kinds):
            stats = self.kinds[kind]
            lines.append(self._row(kind, stats, seconds))
            total.latencies.extend(stats.latencies)
            total.transport_errors += stats.transport_errors
            total.unexpected += stats.unexpected
            for status, n in stats.statuses.items():
                total.statuses[status] = total.statuses.get(status, 0) + n
        lines.append("-" * len(header))
        lines.append(self._row("all", total, seconds))
        return "\n".join(lines)

    @staticmethod
    def _row(kind: str, stats: KindStats, seconds: float) -> str:
        ok = sum(n for status, n in stats.statuses.items() if status < 400)
        return (
            f"{kind:<14} {stats.count:>6} {stats.count / seconds:>7.1f} "
            f"{percentile(stats.latencies, 0.5) * 1000:>8.1f} "
            f"{percentile(stats.latencies, 0.95) * 1000:>8.1f} "
            f"{ok:>7} {stats.client_errors():>5} {stats.server_errors():>5} "
            f"{stats.transport_errors:>6} {stats.unexpected:>5}"
        )
