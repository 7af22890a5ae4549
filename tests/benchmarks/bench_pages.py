"""Page throughput under gunicorn with the production settings, beside a minimal Django page.

    .venv/bin/python tests/benchmarks/bench_pages.py                  # SQLite and PostgreSQL
    .venv/bin/python tests/benchmarks/bench_pages.py --db sqlite --threads 8 --seconds 15
    .venv/bin/python tests/benchmarks/bench_pages.py --profile   # then cProfile the plugin page
    .venv/bin/python tests/benchmarks/bench_pages.py --profile signed-in   # as a signed-in user

One gunicorn (``marketplace_site/gunicorn.conf.py``, DEBUG off) on a fresh database with the
demo catalog serves the real site plus ``/baseline/`` (``tests/load/settings_baseline.py``: one
template, one query). Each page in turn gets ``--threads`` clients for ``--seconds``, one
request per connection (no keep-alive); ``--rounds`` repeats the sequence and each page's
figure is its best round, taken when the shared machine was least busy.

Targets, as shares of the minimal page's rate: the plugin page for visitors 70%, for a
signed-in user ("signed-in": a session per client, so no visitor page cache) 50%, home and
search 60%.
Loopback only, bounded in time; the server is stopped at the end. Exit 0 when the target is met.
"""

from __future__ import annotations

import argparse
import secrets
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

if __package__ in {None, ""}:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.load.harness import (
    Gunicorn,
    django_side,
    fetch,
    fresh_database,
    load_average,
    percentile,
    prepare_site,
    production_env,
    reproduce,
)

PAGES: dict[str, str] = {
    "minimal": "/baseline/",
    "home": "/",
    "search": "/search/?q=csv",
    "plugin": "/plugins/csv-tools/",
    "signed-in": "/plugins/csv-tools/",
}
# Pages fetched with a signed-in session (one user per client): no visitor page cache.
SIGNED_IN = {"signed-in"}
# Each page's target, as a share of the minimal page's rate.
TARGETS = {"plugin": 0.70, "signed-in": 0.50, "home": 0.60, "search": 0.60}
WARMUP_S = 2.0


@dataclass
class Measure:
    page: str
    requests: int
    errors: int
    seconds: float
    latencies: list[float]
    load: str

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


def hammer(
    port: int, path: str, threads: int, seconds: float, cookies: Sequence[str] = ()
) -> tuple[int, int, list[float]]:
    """``threads`` clients GET ``path`` until ``seconds`` have passed; (ok, errors, latencies).
    Client ``i`` sends ``cookies[i]`` as its Cookie header, when given."""
    lock = threading.Lock()
    counts = [0, 0]
    latencies: list[float] = []
    deadline = time.monotonic() + seconds

    def client(index: int) -> None:
        headers = {"Cookie": cookies[index % len(cookies)]} if cookies else None
        mine: list[float] = []
        ok = bad = 0
        for _ in range(1_000_000):  # bounded; the deadline ends it long before
            if time.monotonic() >= deadline:
                break
            try:
                response = fetch(port, "GET", path, timeout=30, headers=headers)
            except OSError:
                bad += 1
                continue
            if response.status == 200:
                ok += 1
                mine.append(response.seconds)
            else:
                bad += 1
        with lock:
            counts[0] += ok
            counts[1] += bad
            latencies.extend(mine)

    workers = [
        threading.Thread(target=client, args=(index,), daemon=True) for index in range(threads)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=seconds + 60)
    return counts[0], counts[1], latencies


def measure(port: int, args: argparse.Namespace, cookies: Sequence[str]) -> dict[str, Measure]:
    best: dict[str, Measure] = {}
    for round_no in range(args.rounds):
        for page, path in PAGES.items():
            mine = cookies if page in SIGNED_IN else ()
            hammer(port, path, args.threads, WARMUP_S, mine)
            started = time.monotonic()
            ok, errors, latencies = hammer(port, path, args.threads, args.seconds, mine)
            result = Measure(
                page, ok, errors, time.monotonic() - started, latencies, load_average()
            )
            print(
                f"  round {round_no + 1} {page:<8} {result.rate:7.1f} req/s  "
                f"errors {errors}  load {result.load}",
                flush=True,
            )
            if page not in best or result.rate > best[page].rate:
                best[page] = result
    return best


def table(results: dict[str, Measure]) -> str:
    minimal = results["minimal"].rate
    lines = [
        f"{'page':<8} {'path':<22} {'req/s':>7} {'vs minimal':>10} {'p50 ms':>7} {'p95 ms':>7} "
        f"{'errors':>6}  load average (1 5 15 min)"
    ]
    for page, result in results.items():
        lines.append(
            f"{page:<8} {PAGES[page]:<22} {result.rate:7.1f} {result.rate / minimal:9.0%} "
            f"{percentile(result.latencies, 0.5) * 1000:7.1f} "
            f"{percentile(result.latencies, 0.95) * 1000:7.1f} {result.errors:>6}  {result.load}"
        )
    return "\n".join(lines)


def run_on(db: str, args: argparse.Namespace, workdir: Path) -> bool:
    with fresh_database(db, workdir) as db_env:
        env = production_env(db_env, settings_module="tests.load.settings_baseline")
        print(f"[{db}] preparing: migrate, collectstatic, seed_demo ...", flush=True)
        prepare_site(env)
        found = django_side(env, "setup", {"clients": args.threads, "owner_tokens": 0})
        # A browser keeps its CSRF cookie between pages: each client has one of its own.
        cookies = [
            f"{found['session_cookie']}={user['session']}; "
            f"{found['csrf_cookie']}={secrets.token_hex(16)}"
            for user in found["users"]
        ]
        extra = ["--access-logfile", "/dev/null"] if args.no_access_log else []
        # No recycling (gunicorn.conf.py restarts a worker every ~2,000 requests, both at
        # about the same time here): a restart's seconds of boot, and its empty per-worker
        # caches, landed on whichever page was being measured. The load test keeps it.
        extra += ["--max-requests", "0"]
        if args.workers:
            extra += ["--workers", str(args.workers)]
        with Gunicorn(env, workdir / f"gunicorn-{db}.log", args=extra) as server:
            print(f"[{db}] gunicorn on 127.0.0.1:{server.port}; {args.threads} clients, "
                  f"{args.seconds:.0f} s per page, {args.rounds} round(s)", flush=True)  # fmt: skip
            results = measure(server.port, args, cookies)
        print(f"\n== {db}: page throughput (best of {args.rounds} round(s))")
        print(table(results))
        met = True
        for page, target in TARGETS.items():
            ratio = results[page].rate / results["minimal"].rate
            met = met and ratio >= target
            print(
                f"{page} / minimal = {ratio:.0%} (target >= {target:.0%}): "
                f"{'met' if ratio >= target else 'NOT met'}"
            )
        if args.profile:
            profile(env, args.profile)
        return met


def profile(env: dict[str, str], page: str) -> None:
    """Where ``page``'s time goes: its queries and a cProfile of 50 requests."""
    payload = {"path": PAGES[page], "requests": 50, "top": 45, "signed_in": page in SIGNED_IN}
    found = django_side(env, "profile", payload)
    print(f"\n{page} page: {len(found['queries'])} queries")
    for sql, ms in zip(found["queries"], found["query_ms"], strict=True):
        print(f"  {ms:>6} s  {sql}")
    print("\ncProfile, 50 requests through the test client, by cumulative time:")
    print(found["cumulative"])
    print("the project's own functions, by cumulative time:")
    print(found["project"])
    print("by own time:")
    print(found["tottime"])


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, default=0, help="override WEB_CONCURRENCY")
    parser.add_argument("--no-access-log", action="store_true")
    parser.add_argument(
        "--profile",
        nargs="?",
        const="plugin",
        choices=sorted(set(PAGES) - {"minimal"}),
        help="cProfile a page (the plugin page if not named) after the measurements",
    )
    args = parser.parse_args(argv)
    if not 1 <= args.threads <= 64 or not 1 <= args.seconds <= 600 or not 1 <= args.rounds <= 10:
        parser.error("--threads 1..64, --seconds 1..600, --rounds 1..10")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    print("reproduce:", reproduce("tests/benchmarks/bench_pages.py", argv))
    print(f"load average at start: {load_average()} (2 cores)")
    databases = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    met: list[bool] = []
    folder = Path(tempfile.mkdtemp(prefix="marketplace-bench-pages-"))
    try:
        for db in databases:
            met.append(run_on(db, args, folder))
    finally:
        for path in folder.glob("*.sqlite3*"):
            path.unlink()
        print(f"server logs in {folder}")
    return 0 if all(met) else 1


if __name__ == "__main__":
    sys.exit(main())
