"""The install workflow end to end: 200 installs of a plugin with 3 transitive dependencies.

    .venv/bin/python tests/benchmarks/bench_install.py                               # SQLite
    DATABASE_URL=postgres://... .venv/bin/python tests/benchmarks/bench_install.py   # PostgreSQL

Each install validates, registers, resolves, rejects cycles, runs trivial code in the sandbox
and records the run. Target: p50 <= 30 ms.
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.benchmarks._django import percentile, setup

INSTALLS = 200


def main() -> None:
    vendor = setup("install")
    from django.db import transaction

    from marketplace_site.marketplace import create_marketplace

    market = create_marketplace()
    run_id = str(int(time.time()))
    chain = [f"bench-lib-a-{run_id}", f"bench-lib-b-{run_id}", f"bench-lib-c-{run_id}"]
    with transaction.atomic():
        for index, name in enumerate(chain):
            deps = {chain[index + 1]: "^1.0"} if index + 1 < len(chain) else {}
            for minor in range(5):
                market.publish(
                    {
                        "name": name,
                        "version": f"1.{minor}.0",
                        "entry_point": "1",
                        "dependencies": deps,
                    }
                )
    market.sandbox.run("1")  # start the sandbox's warm process before timing
    samples = []
    for i in range(INSTALLS):
        manifest = {
            "name": f"bench-app-{run_id}-{i}",
            "version": "1.0.0",
            "entry_point": "result = 1 + 1",
            "dependencies": {chain[0]: "^1.0"},
        }
        started = time.perf_counter()
        result = market.install_plugin(manifest)
        samples.append((time.perf_counter() - started) * 1000)
        assert result.sandbox.success and len(result.resolved) == 3, result
    p50, p95 = percentile(samples, 0.5), percentile(samples, 0.95)
    print(f"database: {vendor}; installs: {INSTALLS} (3 transitive dependencies each)")
    print(f"install p50 = {p50:.2f} ms, p95 = {p95:.2f} ms  (target p50 <= 30 ms)")


if __name__ == "__main__":
    main()
