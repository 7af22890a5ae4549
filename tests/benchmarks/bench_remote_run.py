"""Installation runs through the API, in-process against Celery workers (issue 19).

    .venv/bin/python tests/benchmarks/bench_remote_run.py --seconds 10

One gunicorn (``marketplace_site/gunicorn.conf.py``, DEBUG off, SQLite) with the demo
catalog; bob's ``dashboard-kit`` installation is run through
``POST /api/v1/installations/<id>/run`` (as ``bench_api_run.py`` does), three ways:
``SANDBOX_BACKEND`` embedded (the web process's zygote), then celery with one worker, then
with two (``celery -A marketplace_site worker -Q sandbox -c 2`` each, a private redis-server
as broker and result backend). For each: the latency of one client (p50, p95) and the runs
per second of 8 clients. Loopback only; every server is stopped at the end.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

from celery import Celery

if __package__ in {None, ""}:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.benchmarks.bench_api_run import SETUP, hammer
from tests.load.harness import (
    Gunicorn,
    fresh_database,
    load_average,
    manage,
    percentile,
    prepare_site,
    production_env,
)
from tests.marketplace_site.remote.servers import Worker, redis_server


def measure(label: str, server: Gunicorn, path: str, token: str, seconds: float) -> None:
    hammer(server.port, path, token, 2, 2)  # warm up the web workers (and zygotes)
    ok, errors, latencies = hammer(server.port, path, token, 1, seconds)
    print(
        f"{label:<22} 1 client   p50 {percentile(latencies, 0.5) * 1000:6.1f} ms  "
        f"p95 {percentile(latencies, 0.95) * 1000:6.1f} ms  errors {errors}",
        flush=True,
    )
    ok, errors, latencies = hammer(server.port, path, token, 8, seconds)
    print(
        f"{label:<22} 8 clients {ok / seconds:6.1f} runs/s  "
        f"p50 {percentile(latencies, 0.5) * 1000:6.1f} ms  errors {errors}  "
        f"load {load_average()}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, fresh_database("sqlite", Path(tmp)) as db_env:
        env = production_env(db_env)
        prepare_site(env)
        installation_id, token = manage(env, "shell", "-c", SETUP).strip().splitlines()[-1].split()
        path = f"/api/v1/installations/{installation_id}/run"
        with Gunicorn(env, Path(tmp) / "embedded.log") as server:
            measure("in-process", server, path, token, args.seconds)
        with redis_server() as url, ExitStack() as stack:
            remote = {**env, "SANDBOX_BACKEND": "celery", "CELERY_BROKER_URL": url}
            server = stack.enter_context(Gunicorn(remote, Path(tmp) / "celery.log"))
            app = Celery("bench", broker=url, backend=url, set_as_current=False)
            workers: list[Worker] = []
            for count in (1, 2):
                worker = Worker(url, f"bench{count}")
                stack.callback(worker.kill)
                worker.wait_ready(app)
                workers.append(worker)
                measure(f"celery, {count} worker(s)", server, path, token, args.seconds)


if __name__ == "__main__":
    main()
