"""The load of ``run_load.py`` against web hosts started elsewhere (``.ci/cluster``).

    .venv/bin/python tests/load/cluster_load.py setup --clients 12
    .venv/bin/python tests/load/cluster_load.py load --targets 10.0.0.11:8000,10.0.0.12:8000 \\
        --seconds 30 --clients 12 --deadline-s 4 --margin-s 5

The environment is the web hosts' (DATABASE_URL, SECRET_KEY, ...): ``setup`` makes the load
users, tokens and sessions in the shared database; ``load`` runs ``run_load``'s clients, each
against one of ``--targets`` in turn, with installation runs added (install a demo plugin once,
then run the installation), and checks afterwards, in the database:

- no 5xx except 503 ``sandbox_unavailable`` (no worker could answer in time);
- every publish and review that got a success answer is stored exactly once;
- every install run answered 200 whose plugin ran is one SandboxRun, every installation run
  answered 200 is counted once on its installation;
- no install or installation run took longer than the sandbox deadline plus the margin, where
  the margin is ``--margin-s`` plus the p95 of the page requests of the same load: what any
  request spends waiting for a thread and the database on this machine, run or not.

Exit status 0 when all hold. Prints the figures (requests per second, p50, p95 per kind).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

if __package__ in {None, ""}:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.load.harness import Recorder, Response, django_side, fetch, percentile
from tests.load.run_load import (
    INSTALL_RUN_PLUGINS,
    MIX,
    REQUEST_TIMEOUT_S,
    LoadClient,
    Writes,
)

SANDBOX_KINDS = ("install_run", "installation_run")
PAGE_KINDS = ("home", "browse", "search", "plugin")


class ClusterClient(LoadClient):
    """A load client that sends each request to the next web host, and runs installations."""

    def __init__(self, *args: Any, targets: Sequence[tuple[str, int]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.targets = list(targets)
        self.turn = self.index
        self.installation: int | None = None
        self.unavailable = 0  # install runs whose sandbox had no worker (nothing stored)
        self.installation_runs = 0
        self.slowest: dict[str, float] = {}
        kinds = [*MIX, "installation_run"]
        weights = [*MIX.values(), 6]
        self.choices = lambda: self.rng.choices(kinds, weights=weights)[0]

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
        self.turn += 1
        host, port = self.targets[self.turn % len(self.targets)]
        try:
            response = fetch(
                port, method, path, body=body, headers=headers, timeout=REQUEST_TIMEOUT_S, host=host
            )
        except Exception as error:  # any failure counts as a dropped request
            self.recorder.add(kind, None)
            self.recorder.note(f"{kind} {method} {host} {path}: {type(error).__name__}: {error}")
            return None
        unavailable = response.status == 503 and _error_code(response) == "sandbox_unavailable"
        self.recorder.add(kind, response, expected=response.status in ok or unavailable)
        if kind in SANDBOX_KINDS:
            self.slowest[kind] = max(self.slowest.get(kind, 0.0), response.seconds)
        return response

    def install_run(self) -> None:
        data = {"name": self.rng.choice(INSTALL_RUN_PLUGINS), "context": {"text": "load test"}}
        response = self._api("install_run", "/api/v1/install", data, (200,))
        if response is not None and response.status == 200:
            sandbox = response.json().get("sandbox") or {}
            if str(sandbox.get("error") or "").startswith("SandboxUnavailable"):
                self.unavailable += 1  # published and resolved, not run: no run record
            else:
                self.writes.ran(bool(sandbox.get("success")))

    def installation_run(self) -> None:
        if self.installation is None:
            name = self.rng.choice(INSTALL_RUN_PLUGINS)
            created = self._api("install_create", "/api/v1/installations", {"name": name}, (201,))
            if created is None or created.status != 201:
                return
            self.installation = int(created.json()["id"])
        path = f"/api/v1/installations/{self.installation}/run"
        response = self._api("installation_run", path, {"context": {"text": "load"}}, (200,))
        if response is not None and response.status == 200:
            self.installation_runs += 1


def _error_code(response: Response) -> str:
    try:
        return str(response.json().get("error", ""))
    except (ValueError, AttributeError):
        return ""


def parse_targets(text: str) -> list[tuple[str, int]]:
    targets = []
    for item in text.split(","):
        host, _, port = item.strip().rpartition(":")
        targets.append((host, int(port)))
    return targets


def load(args: argparse.Namespace) -> int:
    env = dict(os.environ)
    fixture = json.loads(Path(args.fixture).read_text())
    recorder, writes = Recorder(), Writes()
    targets = parse_targets(args.targets)
    clients = [
        ClusterClient(i, targets[0][1], user, fixture, recorder, writes, targets=targets)
        for i, user in enumerate(fixture["users"][: args.clients])
    ]
    started = time.monotonic()
    deadline = started + args.seconds
    threads = [threading.Thread(target=c.run, args=(deadline,), daemon=True) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()) + REQUEST_TIMEOUT_S + 5)
    elapsed = time.monotonic() - started
    verdict = django_side(
        env,
        "verify",
        {
            "prefix": "load-c",
            "publishes": writes.publishes,
            "reviews": [[u, p, c] for (u, p), c in writes.reviews.items()],
            "install_runs": writes.install_runs,
        },
    )
    other_5xx = sum(
        n
        for stats in recorder.kinds.values()
        for status, n in stats.statuses.items()
        if status >= 500 and status != 503
    )
    unavailable = sum(stats.statuses.get(503, 0) for stats in recorder.kinds.values())
    unexpected = sum(stats.unexpected for stats in recorder.kinds.values())
    dropped = sum(stats.transport_errors for stats in recorder.kinds.values())
    installation_runs = sum(c.installation_runs for c in clients)
    slowest = max((s for c in clients for s in c.slowest.values()), default=0.0)
    pages = [
        seconds
        for kind in PAGE_KINDS
        if kind in recorder.kinds
        for seconds in recorder.kinds[kind].latencies
    ]
    page_p95 = percentile(pages, 0.95) if pages else 0.0
    margin = args.margin_s + page_p95
    limit = args.deadline_s + margin
    lost = verdict["missing_versions"] + verdict["missing_reviews"] + verdict["wrong_reviews"]
    extra = verdict["extra_versions"] + verdict["extra_reviews"]
    checks = {
        "no 5xx but 503 sandbox_unavailable": other_5xx == 0 and unexpected == 0,
        "no dropped connection": dropped == 0,
        "publishes and reviews stored exactly once": not lost
        and not extra
        and verdict["publishes_ok"] == verdict["versions_stored"]
        and verdict["reviews_ok_pairs"] == verdict["reviews_stored"],
        "install runs stored exactly once": verdict["sandbox_runs_stored"] == writes.install_runs,
        "installation runs counted exactly once": verdict["installation_runs_stored"]
        == installation_runs,
        f"no run over {limit:.1f} s (deadline {args.deadline_s} s + margin {args.margin_s} s "
        f"+ page p95 {page_p95:.1f} s)": (slowest <= limit),
        "every client finished": not any(thread.is_alive() for thread in threads),
    }
    print(f"{len(clients)} clients for {args.seconds:.0f} s against {args.targets}")
    print(recorder.table(elapsed))
    print(
        f"publishes ok {verdict['publishes_ok']} / stored {verdict['versions_stored']}; "
        f"reviews ok {verdict['reviews_ok_pairs']} / stored {verdict['reviews_stored']}; "
        f"install runs ok {writes.install_runs} / run records {verdict['sandbox_runs_stored']} "
        f"(+{sum(c.unavailable for c in clients)} with no worker); installation runs ok "
        f"{installation_runs} / counted {verdict['installation_runs_stored']}; "
        f"503: {unavailable}; other 5xx: {other_5xx}; slowest run {slowest:.2f} s"
    )
    for sample in recorder.samples:
        print("  sample:", sample)
    for name, held in checks.items():
        print(f"  {'PASS' if held else 'FAIL'}  {name}")
    return 0 if all(checks.values()) else 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["setup", "load"])
    parser.add_argument("--fixture", required=True, help="JSON file: written by setup")
    parser.add_argument("--clients", type=int, default=12)
    parser.add_argument("--targets", default="")
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--deadline-s", type=float, default=4.0)
    parser.add_argument("--margin-s", type=float, default=5.0)
    args = parser.parse_args(argv)
    if args.command == "setup":
        fixture = django_side(
            dict(os.environ), "setup", {"clients": args.clients, "owner_tokens": 1}
        )
        Path(args.fixture).write_text(json.dumps(fixture))
        return 0
    return load(args)


if __name__ == "__main__":
    sys.exit(main())
