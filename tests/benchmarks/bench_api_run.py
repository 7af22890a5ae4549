"""``run_installed`` through the JSON API under gunicorn: requests per second, 2 and 8 clients.

    .venv/bin/python tests/benchmarks/bench_api_run.py                 # SQLite
    .venv/bin/python tests/benchmarks/bench_api_run.py --db postgresql --seconds 15

One gunicorn (``marketplace_site/gunicorn.conf.py``, DEBUG off) on a fresh database with the
demo catalog; the demo user bob installs ``dashboard-kit`` (its closure: chart-data,
currency-format, template-render and what they need) and gets an API token. Then, for each
client count, the clients POST ``/api/v1/installations/<id>/run`` with a JSON context, one
request per connection, for ``--seconds``. Loopback only; the server is stopped at the end.
bob's limit of runs per minute (``RATE_LIMIT_RUN``) is raised out of the way, not switched
off, so each request still counts its run in the database as a host application's does.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from pathlib import Path

if __package__ in {None, ""}:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.load.harness import (
    Gunicorn,
    fetch,
    fresh_database,
    load_average,
    manage,
    percentile,
    prepare_site,
    production_env,
)

SETUP = """
from django.contrib.auth.models import User
from marketplace_site.marketplace import create_marketplace
from marketplace_site.web.tokens import api_token_create
bob = User.objects.get(username="bob")
installation = create_marketplace().install("dashboard-kit", user=bob)
print(installation.id, api_token_create(user=bob, name="bench")[1])
"""


def hammer(
    port: int, path: str, token: str, clients: int, seconds: float
) -> tuple[int, int, list[float]]:
    body = json.dumps({"context": {"sales": [120.5, 80, 310.25, 99, 1450]}}).encode()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    lock = threading.Lock()
    counts = [0, 0]
    latencies: list[float] = []
    deadline = time.monotonic() + seconds

    def client() -> None:
        ok = bad = 0
        mine: list[float] = []
        while time.monotonic() < deadline:
            try:
                response = fetch(port, "POST", path, body=body, headers=headers)
            except OSError:
                bad += 1
                continue
            if response.status == 200 and response.json().get("success"):
                ok += 1
                mine.append(response.seconds)
            else:
                bad += 1
        with lock:
            counts[0] += ok
            counts[1] += bad
            latencies.extend(mine)

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 60)
    return counts[0], counts[1], latencies


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, fresh_database(args.db, Path(tmp)) as db_env:
        env = production_env(db_env, extra={"RATE_LIMIT_RUN": "1000000"})
        prepare_site(env)
        installation_id, token = manage(env, "shell", "-c", SETUP).strip().splitlines()[-1].split()
        path = f"/api/v1/installations/{installation_id}/run"
        with Gunicorn(env, Path(tmp) / "gunicorn.log") as server:
            hammer(server.port, path, token, 2, 2)  # warm up the workers and their zygotes
            for clients in (2, 8):
                ok, errors, latencies = hammer(server.port, path, token, clients, args.seconds)
                print(
                    f"{args.db}: {clients} clients  {ok / args.seconds:7.1f} req/s  "
                    f"p50 {percentile(latencies, 0.5) * 1000:6.1f} ms  "
                    f"p95 {percentile(latencies, 0.95) * 1000:6.1f} ms  errors {errors}  "
                    f"load {load_average()}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
