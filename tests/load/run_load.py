"""Load test: gunicorn with the production settings, started here, on a fresh database.

    .venv/bin/python tests/load/run_load.py                       # SQLite and PostgreSQL
    .venv/bin/python tests/load/run_load.py --db sqlite --clients 50 --seconds 60
    .venv/bin/python tests/load/run_load.py --scenario duplicate   # 20 concurrent same publishes
    .venv/bin/python tests/load/run_load.py --workers 2 --threads 4   # try another server shape

``load``: ``--clients`` threads for ``--seconds`` each loop over a weighted mix of the home,
browse, search and plugin pages, publishing (API with a bearer token, and the form with a
session and CSRF), reviewing (API and form) and installing (API plan and run). Pass: no 5xx
and no dropped connection, every publish and review that got a success answer is in the
database afterwards (counts and names match), no "database is locked" in the server log.

``duplicate``: one owner, 20 tokens, 20 threads released together publish the same name and
version: exactly one 201, nineteen 409 ``duplicate_version``, one row stored. Rounds cover a
new plugin and a new version of an existing plugin.

Traffic goes to 127.0.0.1 only, on a port chosen here; every loop is bounded in count and
time; gunicorn (its process group) and any sandbox zygote it started are stopped at the end.
Exit status 0 when every scenario passed, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

if __package__ in {None, ""}:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.load.harness import (
    Gunicorn,
    Recorder,
    Response,
    django_side,
    fetch,
    fresh_database,
    load_average,
    prepare_site,
    production_env,
    rate_limit_settings,
    reproduce,
)

SEARCH_WORDS = ["csv", "text", "json", "data", "date", "color", "markdown", "http", "url", "re"]
INSTALL_RUN_PLUGINS = ["text-utils", "slugify", "json-lens", "csv-tools"]
# Relative weights of the operations of one load client.
MIX: dict[str, int] = {
    "home": 12,
    "browse": 10,
    "search": 14,
    "plugin": 20,
    "publish_api": 8,
    "publish_form": 3,
    "review_api": 6,
    "review_form": 3,
    "install_plan": 8,
    "install_run": 4,
}
REQUEST_TIMEOUT_S = 60.0
# The per-user rate limits of settings.RATE_LIMITS would turn most of the load into 429s;
# raised (not switched off), so that their cache writes stay part of every write request.
LOAD_ENV_DEFAULTS = {
    f"RATE_LIMIT_{action}": "1000000"
    for action in ("PUBLISH", "REVIEW", "REPORT", "PLAN", "INSTALL")
}
MAX_REQUESTS_PER_CLIENT = 100_000


@dataclass
class Writes:
    """The writes the clients saw succeed (thread-safe)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    publishes: list[tuple[str, str]] = field(default_factory=list)
    reviews: dict[tuple[str, str], str] = field(default_factory=dict)
    install_runs: int = 0
    sandbox_failures: int = 0

    def published(self, name: str, version: str) -> None:
        with self.lock:
            self.publishes.append((name, version))

    def reviewed(self, username: str, plugin: str, comment: str) -> None:
        with self.lock:
            # One client per user, and a client is sequential: the last success wins.
            self.reviews[(username, plugin)] = comment

    def ran(self, success: bool) -> None:
        with self.lock:
            self.install_runs += 1
            self.sandbox_failures += not success


class LoadClient:
    """One simulated user: their token, session and CSRF cookie, and a private random mix."""

    def __init__(
        self,
        index: int,
        port: int,
        user: dict[str, str],
        fixture: dict[str, Any],
        recorder: Recorder,
        writes: Writes,
    ) -> None:
        self.index = index
        self.port = port
        self.username = user["username"]
        self.token = user["token"]
        self.session = user["session"]
        self.fixture = fixture
        self.plugins: list[str] = fixture["plugins"]
        self.recorder = recorder
        self.writes = writes
        self.rng = random.Random(index)
        self.csrf = ""
        self.api_versions = 0
        self.form_versions = 0
        self.reviews = 0
        kinds = list(MIX)
        self.choices: Callable[[], str] = lambda: self.rng.choices(
            kinds, weights=[MIX[k] for k in kinds]
        )[0]

    def _cookies(self) -> str:
        parts = [f"{self.fixture['session_cookie']}={self.session}"]
        if self.csrf:
            parts.append(f"{self.fixture['csrf_cookie']}={self.csrf}")
        return "; ".join(parts)

    def _do(
        self,
        kind: str,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        ok: Sequence[int] = (200,),
    ) -> Response | None:
        try:
            response = fetch(
                self.port, method, path, body=body, headers=headers, timeout=REQUEST_TIMEOUT_S
            )
        except Exception as error:  # any failure counts as a dropped request
            self.recorder.add(kind, None)
            self.recorder.note(f"{kind} {method} {path}: {type(error).__name__}: {error}")
            return None
        self.recorder.add(kind, response, expected=response.status in ok)
        return response

    def _api(
        self, kind: str, path: str, data: dict[str, Any], ok: Sequence[int]
    ) -> Response | None:
        return self._do(
            kind,
            "POST",
            path,
            body=json.dumps(data).encode(),
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
            ok=ok,
        )

    def _form(
        self, kind: str, path: str, data: dict[str, str], ok: Sequence[int]
    ) -> Response | None:
        return self._do(
            kind,
            "POST",
            path,
            body=urlencode({**data, "csrfmiddlewaretoken": self.csrf}).encode(),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": self._cookies(),
                "Referer": f"http://127.0.0.1:{self.port}{path}",
            },
            ok=ok,
        )

    def sign_in(self) -> bool:
        """Get a CSRF cookie from the publish form (the session is made by the fixture)."""
        response = self._do("publish_page", "GET", "/publish/", headers={"Cookie": self._cookies()})
        if response is None or response.status != 200:
            return False
        self.csrf = response.cookies().get(self.fixture["csrf_cookie"], "")
        return bool(self.csrf)

    def home(self) -> None:
        self._do("home", "GET", "/")

    def browse(self) -> None:
        query = urlencode(
            {"page": self.rng.choice([1, 2]), "sort": self.rng.choice(["name", "updated"])}
        )
        self._do("browse", "GET", f"/plugins/?{query}")

    def search(self) -> None:
        self._do("search", "GET", "/search/?" + urlencode({"q": self.rng.choice(SEARCH_WORDS)}))

    def plugin(self) -> None:
        self._do("plugin", "GET", f"/plugins/{quote(self.rng.choice(self.plugins))}/")

    def _manifest(self, name: str, version: str) -> dict[str, Any]:
        return {
            "name": name,
            "version": version,
            "description": f"Load test plugin of {self.username}.",
            "keywords": ["load", "test"],
            "dependencies": {"text-utils": "^1.0"},
            "entry_point": "result = 1",
        }

    def publish_api(self) -> None:
        name, version = f"load-c{self.index:03d}", f"1.{self.api_versions}.0"
        self.api_versions += 1
        response = self._api(
            "publish_api", "/api/v1/plugins", self._manifest(name, version), (201,)
        )
        if response is not None and response.status == 201:
            self.writes.published(name, version)

    def publish_form(self) -> None:
        name, version = f"load-c{self.index:03d}-form", f"1.{self.form_versions}.0"
        self.form_versions += 1
        text = json.dumps(self._manifest(name, version))
        response = self._form("publish_form", "/publish/", {"manifest_text": text}, (302,))
        if response is not None and response.status == 302:
            self.writes.published(name, version)

    def _review_target(self) -> tuple[str, str, int]:
        self.reviews += 1
        comment = f"load review {self.index}-{self.reviews}"
        return self.rng.choice(self.plugins), comment, self.rng.randint(1, 5)

    def review_api(self) -> None:
        plugin, comment, rating = self._review_target()
        path = f"/api/v1/plugins/{quote(plugin)}/reviews"
        response = self._api("review_api", path, {"rating": rating, "comment": comment}, (201,))
        if response is not None and response.status == 201:
            self.writes.reviewed(self.username, plugin, comment)

    def review_form(self) -> None:
        plugin, comment, rating = self._review_target()
        path = f"/plugins/{quote(plugin)}/reviews/"
        data = {"rating": str(rating), "comment": comment, "version": ""}
        response = self._form("review_form", path, data, (302,))
        if response is not None and response.status == 302:
            self.writes.reviewed(self.username, plugin, comment)

    def install_plan(self) -> None:
        # Some demo plugins cannot resolve on purpose (conflicts, cycles): 422 is an answer.
        self._api(
            "install_plan",
            "/api/v1/install/plan",
            {"name": self.rng.choice(self.plugins)},
            (200, 422),
        )

    def install_run(self) -> None:
        data = {"name": self.rng.choice(INSTALL_RUN_PLUGINS), "context": {"text": "load test"}}
        response = self._api("install_run", "/api/v1/install", data, (200,))
        if response is not None and response.status == 200:
            sandbox = response.json().get("sandbox") or {}
            self.writes.ran(bool(sandbox.get("success")))
            if not sandbox.get("success"):
                self.recorder.note(f"install_run: sandbox failed: {sandbox.get('error')!r:.200}")

    def run(self, deadline: float) -> None:
        if not self.sign_in():
            self.recorder.note(f"client {self.index}: could not get a CSRF cookie")
        for _ in range(MAX_REQUESTS_PER_CLIENT):
            if time.monotonic() >= deadline:
                break
            kind = self.choices()
            if kind in {"publish_form", "review_form"} and not self.csrf:
                continue
            getattr(self, kind)()


@dataclass
class Outcome:
    name: str
    passed: bool
    lines: list[str]


def scenario_load(
    server: Gunicorn, fixture: dict[str, Any], clients: int, seconds: float
) -> Outcome:
    recorder = Recorder()
    writes = Writes()
    users = fixture["users"][:clients]
    load_before = load_average()
    started = time.monotonic()
    deadline = started + seconds
    workers = [
        LoadClient(i, server.port, user, fixture, recorder, writes) for i, user in enumerate(users)
    ]
    threads = [
        threading.Thread(target=client.run, args=(deadline,), daemon=True) for client in workers
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()) + REQUEST_TIMEOUT_S + 5)
    elapsed = time.monotonic() - started
    load_after = load_average()
    still_running = sum(thread.is_alive() for thread in threads)

    verdict = django_side(
        server.env,
        "verify",
        {
            "prefix": "load-c",
            "publishes": writes.publishes,
            "reviews": [[u, p, c] for (u, p), c in writes.reviews.items()],
            "install_runs": writes.install_runs,
        },
    )
    log = server.log_text()
    locked = log.lower().count("database is locked")
    tracebacks = log.count("Traceback (most recent call last)")
    worker_timeouts = log.count("WORKER TIMEOUT")
    server_errors = sum(stats.server_errors() for stats in recorder.kinds.values())
    dropped = sum(stats.transport_errors for stats in recorder.kinds.values())
    lost = verdict["missing_versions"] + verdict["missing_reviews"] + verdict["wrong_reviews"]
    counts_match = (
        verdict["publishes_ok"] == verdict["versions_stored"]
        and verdict["reviews_ok_pairs"] == verdict["reviews_stored"]
    )
    lines = [
        f"{clients} clients for {seconds:.0f} s (ran {elapsed:.1f} s); "
        f"load average before {load_before}, after {load_after}",
        recorder.table(elapsed),
        f"publishes with success: {verdict['publishes_ok']}, versions stored: "
        f"{verdict['versions_stored']}; reviews (user, plugin) with success: "
        f"{verdict['reviews_ok_pairs']}, stored: {verdict['reviews_stored']}; "
        f"install runs with success: {verdict['install_runs_ok']}, sandbox runs stored: "
        f"{verdict['sandbox_runs_stored']} (runs whose plugin failed: {writes.sandbox_failures})",
        f"5xx: {server_errors}; dropped connections: {dropped}; lost writes: {len(lost)}; "
        f"unexpected extra rows: {len(verdict['extra_versions']) + len(verdict['extra_reviews'])}; "
        f"'database is locked' in the log: {locked}; tracebacks: {tracebacks}; "
        f"worker timeouts: {worker_timeouts}; clients still running: {still_running}",
    ]
    lines += [f"  lost: {item}" for item in lost[:20]]
    lines += [
        f"  extra: {item}" for item in (verdict["extra_versions"] + verdict["extra_reviews"])[:10]
    ]
    lines += [f"  sample: {sample}" for sample in recorder.samples]
    passed = (
        server_errors == 0
        and dropped == 0
        and not lost
        and counts_match
        and locked == 0
        and still_running == 0
    )
    return Outcome("load", passed, lines)


def _publish_at_once(
    port: int,
    token: str,
    body: bytes,
    barrier: threading.Barrier,
    answers: list[Response | str],
    slot: int,
) -> None:
    try:
        barrier.wait()
        answers[slot] = fetch(
            port,
            "POST",
            "/api/v1/plugins",
            body=body,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            timeout=REQUEST_TIMEOUT_S,
        )
    except Exception as error:
        answers[slot] = f"{type(error).__name__}: {error}"


def scenario_duplicate(server: Gunicorn, fixture: dict[str, Any], rounds: int = 3) -> Outcome:
    """20 tokens of one owner publish the same name and version at the same moment."""
    tokens: list[str] = fixture["owner"]["tokens"]
    lines: list[str] = [f"load average before {load_average()}"]
    passed = True
    names: list[str] = []
    for round_no in range(rounds):
        # Round 0 creates the plugin; later rounds add a version to an existing plugin.
        name = "load-dup"
        version = f"1.{round_no}.0"
        names.append(name)
        barrier = threading.Barrier(len(tokens), timeout=30)
        answers: list[Response | str] = ["" for _ in tokens]
        body = json.dumps({"name": name, "version": version, "entry_point": "result = 1"})
        threads = [
            threading.Thread(
                target=_publish_at_once,
                args=(server.port, token, body.encode(), barrier, answers, slot),
                daemon=True,
            )
            for slot, token in enumerate(tokens)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=REQUEST_TIMEOUT_S + 35)
        created = sum(isinstance(a, Response) and a.status == 201 for a in answers)
        duplicates = sum(
            isinstance(a, Response)
            and a.status == 409
            and a.json().get("error") == "duplicate_version"
            for a in answers
        )
        others = [
            a if isinstance(a, str) else f"{a.status} {a.body[:200]!r}"
            for a in answers
            if not (isinstance(a, Response) and a.status in {201, 409})
        ]
        latencies = sorted(a.seconds for a in answers if isinstance(a, Response))
        ok = created == 1 and duplicates == len(tokens) - 1
        passed &= ok
        slowest = f"{latencies[-1] * 1000:.0f} ms" if latencies else "n/a"
        lines.append(
            f"round {round_no} ({name} {version}): 201 x{created}, 409 duplicate_version "
            f"x{duplicates}, other {len(others)}; slowest answer {slowest} "
            f"-> {'ok' if ok else 'FAILED'}"
        )
        lines += [f"  other: {item}" for item in others[:5]]
    verdict = django_side(
        server.env,
        "verify",
        {
            "prefix": "load-dup",
            "publishes": [],
            "reviews": [],
            "duplicate_names": sorted(set(names)),
        },
    )
    stored = verdict["duplicates"]["load-dup"]
    lines.append(f"versions of load-dup stored: {stored} (expected {rounds})")
    passed &= stored == rounds
    log = server.log_text()
    locked = log.lower().count("database is locked")
    lines.append(f"'database is locked' in the log: {locked}; load average after {load_average()}")
    passed &= locked == 0
    return Outcome("duplicate", passed, lines)


def run_on(db: str, args: argparse.Namespace, workdir: Path) -> list[Outcome]:
    extra_env = {**LOAD_ENV_DEFAULTS, **dict(item.split("=", 1) for item in args.env)}
    outcomes: list[Outcome] = []
    with fresh_database(db, workdir, keep=args.keep_db) as db_env:
        env = production_env(db_env, extra=extra_env)
        print(f"[{db}] preparing: migrate, collectstatic, seed_demo ...", flush=True)
        prepare_site(env)
        fixture = django_side(env, "setup", {"clients": args.clients, "owner_tokens": 20})
        log_path = workdir / f"gunicorn-{db}.log"
        server = Gunicorn(env, log_path, args=gunicorn_args(args))
        with server:
            print(
                f"[{db}] gunicorn on 127.0.0.1:{server.port} "
                f"({' '.join(server.args) or 'conf defaults'}); log {log_path}",
                flush=True,
            )
            if args.scenario in {"load", "all"}:
                outcomes.append(scenario_load(server, fixture, args.clients, args.seconds))
                print_outcome(db, outcomes[-1])
            if args.scenario in {"duplicate", "all"}:
                outcomes.append(scenario_duplicate(server, fixture))
                print_outcome(db, outcomes[-1])
    return outcomes


def gunicorn_args(args: argparse.Namespace) -> list[str]:
    extra: list[str] = []
    if args.workers:
        extra += ["--workers", str(args.workers)]
    if args.threads:
        extra += ["--threads", str(args.threads)]
        extra += ["--worker-class", "gthread" if args.threads > 1 else "sync"]
    if args.no_access_log:
        extra += ["--access-logfile", "/dev/null"]
    return extra


def print_outcome(db: str, outcome: Outcome) -> None:
    print(f"\n== {db}: {outcome.name}: {'PASS' if outcome.passed else 'FAIL'}")
    for line in outcome.lines:
        print(line)
    sys.stdout.flush()


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--scenario", choices=["load", "duplicate", "all"], default="all")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=0, help="override WEB_CONCURRENCY")
    parser.add_argument("--threads", type=int, default=0, help=">1 selects gthread workers")
    parser.add_argument("--no-access-log", action="store_true")
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="extra server environment, e.g. to raise a rate limit",
    )
    parser.add_argument("--keep-db", action="store_true", help="keep the PostgreSQL database")
    args = parser.parse_args(argv)
    if not 1 <= args.clients <= 500 or not 1 <= args.seconds <= 3600:
        parser.error("--clients must be 1..500 and --seconds 1..3600")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    print("reproduce:", reproduce("tests/load/run_load.py", argv))
    print(f"load average at start: {load_average()}")
    limits = rate_limit_settings()
    if limits:
        print("settings.py mentions rate limits; raise them with --env NAME=VALUE if they bite:")
        for line in limits:
            print("   ", line)
    print(
        "server environment added for the load:",
        " ".join(f"{k}={v}" for k, v in LOAD_ENV_DEFAULTS.items()),
    )
    databases = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    outcomes: list[tuple[str, Outcome]] = []
    # Kept afterwards for the server logs; the SQLite files are removed.
    folder = Path(tempfile.mkdtemp(prefix="marketplace-load-"))
    try:
        for db in databases:
            outcomes += [(db, outcome) for outcome in run_on(db, args, folder)]
    finally:
        for path in folder.glob("*.sqlite3*"):
            path.unlink()
        print(f"server logs in {folder}")
    print("\nsummary:")
    for db, outcome in outcomes:
        print(f"  {db:<10} {outcome.name:<10} {'PASS' if outcome.passed else 'FAIL'}")
    return 0 if outcomes and all(outcome.passed for _db, outcome in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
