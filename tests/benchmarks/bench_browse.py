"""Browse latency over 100,000 plugins: each order the browse page offers, through the view.

    .venv/bin/python tests/benchmarks/bench_browse.py                      # SQLite
    DATABASE_URL=postgres://... .venv/bin/python tests/benchmarks/bench_browse.py   # PostgreSQL
    SQLITE_PATH=/tmp/browse.sqlite3 .venv/bin/python tests/benchmarks/bench_browse.py  # reuse

Builds the catalogue once with bulk_create (random update times, installs and runs; on
PostgreSQL then VACUUM ANALYZE, as autovacuum would after such a load), then
for every order of ``marketplace_site.views.plugins.BROWSE_SORTS`` times GET /plugins/ through
Django's test client (the view, its queries and the template): the first page, and pages
drawn at random from the whole range. Prints p50 and p95 per order, the p50 of this
process's CPU time (all of a request's work on SQLite, less the server's on PostgreSQL: a
figure that a busy machine inflates less than wall time) and the queries a page makes.
Target: p50 <= 20 ms for each order.
"""

import os
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.benchmarks._django import percentile, setup

PLUGINS = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
REQUESTS = 100
BATCH = 5000
TARGET_MS = 20.0


def populate(rng: random.Random) -> None:
    """The catalogue of PLUGINS plugins, built unless it is there already."""
    from django.db import connection

    from registry.models import Plugin

    have = Plugin.objects.count()
    if have < PLUGINS:
        build(rng, have)
    if connection.vendor == "postgresql":
        # What autovacuum does after a bulk load, soon: the planner's statistics, and the
        # visibility map that lets an index-only scan skip the table. On a reused catalogue
        # too: one whose VACUUM ran while another transaction was open left a sixth of the
        # table's pages unmarked (10,000-24,000 heap fetches on a deep page).
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE registry_plugin")


def build(rng: random.Random, have: int) -> None:
    """Plugins number ``have`` to PLUGINS - 1, each with one version, in batches."""
    from django.db import transaction
    from django.utils import timezone
    from packaging.version import Version

    from registry.models import Plugin, PluginVersion
    from registry.versioning import precedence_key

    key = precedence_key(Version("1.0.0"))
    now = timezone.now()
    for start in range(have, PLUGINS, BATCH):
        with transaction.atomic():
            plugins = []
            for i in range(start, min(start + BATCH, PLUGINS)):
                name = f"browse-{i:06d}"
                installs = int(rng.paretovariate(1.2)) - 1  # a few popular, most not
                plugins.append(
                    Plugin(
                        canonical_name=name,
                        display_name=name,
                        updated_at=now - timedelta(minutes=rng.randint(0, 500_000)),
                        install_count=installs,
                        installation_run_count=installs * rng.randint(0, 20),
                        trial_run_count=rng.randint(0, 30),
                    )
                )
            Plugin.objects.bulk_create(plugins)
            versions = [
                PluginVersion(
                    plugin=p, version="1.0.0", precedence=key, name=p.display_name,
                    entry_point="result = 1", description=f"Plugin number {p.display_name}.",
                    author="Bench", keywords=["bench", "browse"],
                )
                for p in plugins
            ]  # fmt: skip
            PluginVersion.objects.bulk_create(versions)
            for plugin, version in zip(plugins, versions, strict=True):
                plugin.latest = version
            Plugin.objects.bulk_update(plugins, ["latest"], batch_size=1000)
        print(f"  built {min(start + BATCH, PLUGINS):,} plugins", end="\r", flush=True)
    print()


def main() -> int:
    # Production templates (the cached loader), as gunicorn serves them; plain HTTP.
    os.environ.update(DEBUG="0", SECRET_KEY="bench-" + "x" * 50, SECURE_SSL_REDIRECT="0")
    vendor = setup("browse")
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from marketplace_site.views.plugins import BROWSE_PAGE_SIZE, BROWSE_SORTS

    call_command("collectstatic", interactive=False, verbosity=0)  # as make run does
    rng = random.Random(18)
    started = time.perf_counter()
    populate(rng)
    print(f"database: {vendor}; catalogue ready in {time.perf_counter() - started:.1f} s")
    client = Client(HTTP_HOST="127.0.0.1")
    last_page = -(-PLUGINS // BROWSE_PAGE_SIZE)
    met = True
    print(f"{'order':<10} {'pages':<7} {'p50 ms':>7} {'p95 ms':>7} {'cpu p50':>7} {'queries':>7}")
    for sort in BROWSE_SORTS:
        for label, numbers in (
            ("first", [1] * REQUESTS),
            ("random", [rng.randint(1, last_page) for _ in range(REQUESTS)]),
        ):
            path = f"/plugins/?sort={sort}"
            assert client.get(path).status_code == 200  # warm
            times, cpu = [], []
            for number in numbers:
                begun, begun_cpu = time.perf_counter(), time.process_time()
                response = client.get(f"{path}&page={number}")
                times.append((time.perf_counter() - begun) * 1000)
                cpu.append((time.process_time() - begun_cpu) * 1000)
                assert response.status_code == 200
            with CaptureQueriesContext(connection) as queries:
                client.get(f"{path}&page={numbers[-1]}")
            p50 = percentile(times, 0.5)
            met = met and p50 <= TARGET_MS
            print(
                f"{sort:<10} {label:<7} {p50:7.2f} {percentile(times, 0.95):7.2f} "
                f"{percentile(cpu, 0.5):7.2f} {len(queries.captured_queries):>7}"
            )
    print(f"target p50 <= {TARGET_MS:.0f} ms for every order: {'met' if met else 'NOT met'}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
