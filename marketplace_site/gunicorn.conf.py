"""gunicorn settings for serving the marketplace (``make run`` and production).

Chosen with ``tests/load/run_load.py`` (50 clients for 30-60 s, a mix of pages, publishes,
reviews, install plans and sandboxed install runs; 2 cores, SQLite and PostgreSQL). Requests
per second, all kinds together, on the same noisy machine:

    server shape              SQLite   PostgreSQL
    sync, 2 workers             96         -
    sync, 4 workers (2/core)   120        112
    sync, 5 workers            139         -
    gthread, 2 workers x 4     146        134
    gthread, 4 workers x 2     115        101

Every shape passed (no 5xx, no lost writes, no "database is locked"); gthread with one
process per core and 4 threads each served the most with the lowest median latency:

- an install run waits up to SANDBOX_TIMEOUT_MS on the sandbox's pipe with the GIL released,
  and page requests wait on the database; threads keep the cores busy meanwhile, where a sync
  worker sits idle for the whole wait;
- one process per core means one sandbox zygote (with its pre-forked spares) per core instead
  of two or more, and half the memory of 2 x cores sync workers;
- more threads per process (or more processes) only add GIL and SQLite-lock contention on
  2 cores (4 x 2 was slower than 2 x 4).

Override with WEB_CONCURRENCY (processes) and GUNICORN_THREADS (1 = classic sync workers).
"""

import math
import os


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


bind = os.environ.get("BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")
workers = _env_int("WEB_CONCURRENCY", os.cpu_count() or 1)
threads = _env_int("GUNICORN_THREADS", 4)
worker_class = "gthread" if threads > 1 else "sync"

# The longest legitimate request is an install: the resolver's budget, then the sandbox's
# wall clock (both read from the same variables as settings.py), then a few queries. The
# worker timeout is three times that and at least 30 s, so a slow but healthy install is never
# killed (a sync worker is killed when one request outlasts it); the graceful timeout lets
# in-flight installs finish when a worker is recycled or the server restarts.
_request_budget_s = (
    _env_int("RESOLVER_TIMEOUT_MS", 2000) + _env_int("SANDBOX_TIMEOUT_MS", 1000)
) / 1000
timeout = _env_int("GUNICORN_TIMEOUT", max(30, math.ceil(3 * _request_budget_s)))
graceful_timeout = max(10, math.ceil(2 * _request_budget_s))
# gthread keeps idle connections open this long (a proxy or browser reusing its connection).
keepalive = 5
# Recycle workers now and then (and their sandbox zygote), staggered so they never all restart.
max_requests = 2000
max_requests_jitter = 200
accesslog = os.environ.get("ACCESS_LOG", "-")
# gunicorn 25.1+ opens a control socket at one fixed path per user ($XDG_RUNTIME_DIR or
# ~/.gunicorn/gunicorn.ctl), which a second server on the machine takes over; nothing here uses
# gunicornc, so it stays off (older versions ignore the setting).
control_socket_disable = True
