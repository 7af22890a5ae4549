"""Search latency over 100,000 generated plugins: p50 and p95 of 200 one- and two-word queries.

    .venv/bin/python tests/benchmarks/bench_search.py                      # SQLite (FTS5)
    DATABASE_URL=postgres://... .venv/bin/python tests/benchmarks/bench_search.py   # PostgreSQL

Target: p50 <= 5 ms and p95 <= 20 ms on both databases.
"""

import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.benchmarks._django import percentile, setup

PLUGINS = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
QUERIES = 200
BATCH = 2000


def vocabulary(rng: random.Random, size: int = 3000) -> list[str]:
    words_text = "ka lo mi ter pan dor vi sel ro quin ba ne tor gal fi mur sta cle pro zen ux dat"
    syllables = [*words_text.split(), "im", "csv"]
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))))
    return sorted(words)


def populate(rng: random.Random, words: list[str]) -> None:
    from django.db import transaction
    from django.utils import timezone
    from packaging.version import Version

    from registry import search
    from registry.models import Plugin, PluginVersion
    from registry.versioning import precedence_key

    if Plugin.objects.count() >= PLUGINS:
        return
    key = precedence_key(Version("1.0.0"))
    now = timezone.now()
    for start in range(0, PLUGINS, BATCH):
        with transaction.atomic():
            plugins = []
            for i in range(start, min(start + BATCH, PLUGINS)):
                name = f"{rng.choice(words)}-{rng.choice(words)}-{i}"
                plugins.append(Plugin(canonical_name=name, display_name=name, updated_at=now))
            Plugin.objects.bulk_create(plugins)
            versions = [
                PluginVersion(
                    plugin=p, version="1.0.0", precedence=key, name=p.display_name,
                    entry_point="result = 1",
                    description=" ".join(rng.choice(words) for _ in range(rng.randint(8, 20))),
                    author=rng.choice(words).title(),
                    keywords=[rng.choice(words) for _ in range(3)],
                )
                for p in plugins
            ]  # fmt: skip
            PluginVersion.objects.bulk_create(versions)
            for plugin, version in zip(plugins, versions, strict=True):
                plugin.latest = version
                version.plugin = plugin
            Plugin.objects.bulk_update(plugins, ["latest"])
            for plugin, version in zip(plugins, versions, strict=True):
                search.index_plugin(plugin.pk, version)
        print(f"  indexed {min(start + BATCH, PLUGINS):,} plugins", end="\r", flush=True)
    print()


def main() -> None:
    vendor = setup("search")
    from django.db import connection

    from registry.services import RegistryService

    rng = random.Random(42)
    words = vocabulary(rng)
    started = time.perf_counter()
    populate(rng, words)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # The steady state autovacuum keeps: GIN pending lists merged, statistics fresh.
            cursor.execute("VACUUM ANALYZE")
    print(f"catalog ready in {time.perf_counter() - started:.0f} s")

    queries = []
    for _ in range(QUERIES):
        if rng.random() < 0.5:
            queries.append(rng.choice(words)[: rng.randint(3, 6)])
        else:
            queries.append(f"{rng.choice(words)} {rng.choice(words)[: rng.randint(3, 5)]}")
    registry = RegistryService()
    for query in queries[:20]:  # warm caches
        registry.search_page(query)
    samples, hits = [], 0
    for query in queries:
        t0 = time.perf_counter()
        page = registry.search_page(query, limit=20)
        samples.append((time.perf_counter() - t0) * 1000)
        hits += page.total > 0
    print(f"database: {vendor}; plugins: {PLUGINS:,}; queries: {QUERIES} ({hits} with matches)")
    p50, p95 = percentile(samples, 0.5), percentile(samples, 0.95)
    print(
        f"search p50 = {p50:.2f} ms, p95 = {p95:.2f} ms, max = {max(samples):.2f} ms"
        "  (target p50 <= 5 ms, p95 <= 20 ms)"
    )


if __name__ == "__main__":
    main()
