"""Real servers for the remote-sandbox tests: a redis-server and Celery worker processes.

Each starts in its own temporary folder on a free loopback port, and stops (killed with its
process group) when its fixture ends, whatever the test did.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest
import redis
from celery import Celery

ROOT = Path(__file__).resolve().parents[3]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def redis_server() -> Iterator[str]:
    """A private redis-server (Debian package ``redis-server``, installed by the test
    command); its URL. Fails, not skips, when the server is missing."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is missing: .ci/system-packages installs Debian's redis-server.")
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="marketplace-redis-") as folder:
        process = subprocess.Popen(
            [
                binary,
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--dir",
                folder,
                "--save",
                "",
                "--appendonly",
                "no",
                "--protected-mode",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        url = f"redis://127.0.0.1:{port}/0"
        try:
            client = redis.Redis.from_url(url, socket_connect_timeout=0.2)
            for _ in range(200):
                try:
                    client.ping()
                    break
                except redis.ConnectionError:
                    time.sleep(0.05)
            else:
                pytest.fail(f"redis-server did not start on port {port}")
            yield url
        finally:
            process.kill()
            process.wait()


class Worker:
    """One ``celery -A marketplace_site worker -Q sandbox`` process (its own session)."""

    def __init__(self, broker_url: str, name: str, concurrency: int = 2) -> None:
        self.name = f"{name}@{socket.gethostname()}"
        env = dict(os.environ)
        env.update(
            SANDBOX_BACKEND="celery",
            CELERY_BROKER_URL=broker_url,
            DJANGO_SETTINGS_MODULE="marketplace_site.settings",
            PYTHONPATH=str(ROOT),
        )
        env.pop("DATABASE_URL", None)  # a worker needs no database
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "marketplace_site",
                "worker",
                "-Q",
                "sandbox",
                "-n",
                self.name,
                "-c",
                str(concurrency),
                "-l",
                "WARNING",
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

    def wait_ready(self, app: Celery, timeout_s: float = 60.0) -> None:
        """Until the worker answers a ping (its pool started and its task loaded)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"celery worker {self.name} exited with {self.process.returncode}")
            replies = app.control.ping(destination=[self.name], timeout=0.5)
            if any(self.name in reply for reply in replies):
                return
        pytest.fail(f"celery worker {self.name} did not answer within {timeout_s} s")

    def kill(self) -> None:
        """Kill the worker and its pool at once (a host lost), as SIGKILL leaves them."""
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
